"""Against a real playSMS 1.4.8 on loopback (``../shared/playsms``), checking the server's own database.

* Received messages: an "SMS custom" keyword points at the receiver; a message injected into
  playSMS (``op=inject``, as a gateway would deliver it) is forwarded by playSMS's own code,
  stored once in the ledger, and playSMS records it as handled by ``sms_custom``.
* The polling backstop: a bulk job sent through playSMS, then ``smsbridge status --job NAME``
  records the delivery reports ``op=ds`` gives (the dev gateway delivers within seconds).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from urllib.request import urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from click.testing import CliRunner

import smsbridge
from smsbridge.cli import cli
from smsbridge.ledger import open_ledger
from smsbridge.receiver import Receiver, ReceiverAccount
from smsbridge.testing.services import require

from .conftest import TOKEN

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "playsms"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def playsms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A playSMS server of this module's own (its own port, database and folder), stopped after."""
    require("playSMS", (SHARED / "start").is_file(), f"{SHARED}/start not found")
    home = Path("/tmp") / f"playsms.h16-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PLAYSMS_HOME": str(home),
        "PLAYSMS_PORT": str(_free_port()),
        "PLAYSMS_DB": f"smsb_{uuid.uuid4().hex[:10]}",
    }
    started = subprocess.run(["bash", str(SHARED / "start")], env=env, capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        subprocess.run(["bash", str(SHARED / "stop"), str(home)], capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)
        require("playSMS", False, started.stderr.strip().splitlines()[-1] if started.stderr.strip() else "start failed")
    values: dict[str, str] = {}
    for line in started.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            values[key] = shlex.split(value)[0] if value else ""
    try:
        yield values
    finally:
        subprocess.run(["bash", str(SHARED / "stop"), str(home)], capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)  # stop keeps the logs; this folder is ours


def sql(playsms: dict[str, str], statement: str) -> list[list[str]]:
    """Run SQL in playSMS's own database (its truth, not ours)."""
    out = subprocess.run(
        [
            "mariadb",
            "-h",
            playsms.get("PLAYSMS_DB_HOST", "127.0.0.1"),
            "-u",
            playsms["PLAYSMS_DB_USER"],
            f"-p{playsms['PLAYSMS_DB_PASSWORD']}",
            "--batch",
            "--skip-column-names",
            playsms["PLAYSMS_DB"],
            "-e",
            statement,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [line.split("\t") for line in out.stdout.splitlines()]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the request line holds the token
        pass


class _Threaded(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True).start()

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def test_sms_custom_forwards_a_received_message_to_the_receiver(playsms: dict[str, str], tmp_path: Path) -> None:
    base = playsms["PLAYSMS_URL"]  # http://127.0.0.1:PORT/index.php?app=ws
    host = base.split("//", 1)[1].split("/", 1)[0]
    account = smsbridge.connect(
        f"playsms://{playsms['PLAYSMS_ALICE_USER']}:{playsms['PLAYSMS_ALICE_TOKEN']}@{host}/index.php?plain_http=yes"
    )
    ledger = open_ledger(tmp_path / "ledger.db")
    receiver = Receiver({"juba": ReceiverAccount(account, token=TOKEN)}, ledger=ledger, sweep_every=0)
    server = make_server("127.0.0.1", 0, receiver.wsgi, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = receiver.url("juba", "inbound", f"http://127.0.0.1:{server.server_port}")
        keyword = "SMSB" + uuid.uuid4().hex[:4].upper()
        sql(
            playsms,
            "INSERT INTO playsms_featureCustom (uid, service_name, custom_keyword, sms_receiver, custom_url, "
            f"custom_return_as_reply, smsc) VALUES (2, 'smsbridge', '{keyword}', '', '{url}', 0, '')",
        )
        text = f"{keyword} please call me back"
        inject = urlencode(
            {
                "op": "inject",
                "u": playsms["PLAYSMS_ADMIN_USER"],
                "h": playsms["PLAYSMS_ADMIN_TOKEN"],
                "from": "+211988000008",
                "msg": text,
                "recvnum": "1234",
                "smsc": "dev",
                "format": "json",
            }
        )
        with urlopen(f"{base}&{inject}", timeout=30) as answer:
            assert json.loads(answer.read())["status"] == "OK"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(ledger.inbound()):
            time.sleep(0.5)
        (message,) = ledger.inbound()
        assert (message.provider, message.account, message.sender, message.recipient) == (
            "playsms",
            "juba",
            "+211988000008",
            "1234",
        )
        assert (message.keyword, message.text) == (keyword, text)
        # playSMS's own record: handled (status 1) by the sms_custom feature
        rows = sql(
            playsms,
            "SELECT in_feature, in_keyword, in_status, in_sender FROM playsms_tblSMSIncoming "
            f"WHERE in_keyword = '{keyword}'",
        )
        assert rows == [["sms_custom", keyword, "1", "+211988000008"]]
    finally:
        server.shutdown()
        receiver.close()
        ledger.close()


def test_status_job_polls_playsms_for_a_bulk_job(playsms: dict[str, str], tmp_path: Path) -> None:
    base = playsms["PLAYSMS_URL"]
    host = base.split("//", 1)[1].split("/", 1)[0]
    url = f"playsms://{playsms['PLAYSMS_ALICE_USER']}:{quote(playsms['PLAYSMS_ALICE_TOKEN'])}@{host}/index.php?plain_http=yes"
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    numbers = ["+211911000101", "+211911000102", "+211911000103"]
    with open_ledger(ledger_url) as ledger:
        summary = smsbridge.connect(url).bulk_send(numbers, "Polling backstop test", job="juba-poll", ledger=ledger)
        assert summary.accepted == 3
        ids = [r.message_id for r in ledger.rows("juba-poll")]
    runner = CliRunner()
    deadline = time.monotonic() + 60
    data: dict[str, Any] = {}
    while time.monotonic() < deadline:
        result = runner.invoke(cli, ["status", "--job", "juba-poll", "--ledger", ledger_url, "--url", url, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        if data["counts"].get("delivered") == 3:
            break
        time.sleep(1)
    assert data["counts"] == {"delivered": 3}
    # playSMS's truth: those smslog ids are delivered (status 3) in its outgoing table
    listed = ", ".join(f"'{i}'" for i in ids)
    rows = sql(playsms, f"SELECT p_status FROM playsms_tblSMSOutgoing WHERE smslog_id IN ({listed})")
    assert [r[0] for r in rows] == ["3", "3", "3"]
