"""Exchanges recorded from a real playSMS 1.4.8 server on loopback (cassettes/junubsms/test_recorded/).

These replace cassettes whose replies had been inferred.  Each was recorded from
``../shared/playsms`` (playSMS 1.4.8 with its two PHP 8 fixes, PHP 8.2, MariaDB 10.11) with
the secrets filtered, and is replayed offline like every cassette.  To re-record, start a
fresh server (ids, times and queue codes change, so the tests check forms, not values):

    eval "$(../shared/playsms/start)"
    .venv/bin/python -m pytest tests/plugins/junubsms/test_recorded.py --record-mode=rewrite

The port is not matched on replay, so a server on any port can re-record them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

import smsbridge
from smsbridge.errors import (
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    RejectedError,
    UnreadableReplyError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus

pytestmark = pytest.mark.vcr

SOURCE = (
    "# source: recorded from playSMS 1.4.8 on loopback (../shared/playsms: patched-1.4.8, PHP 8.2, MariaDB), "
    "secrets filtered"
)
#: where the cassettes were recorded (the port is not matched on replay)
RECORDED_AT = "127.0.0.1:8095"
ONE = re.compile(r"^\d+:[0-9a-f]{64}$")  # a destination's id: smslog_id:queue
QUEUE = re.compile(r"^[0-9a-f]{64}$")
T = TypeVar("T")


class Server:
    """The loopback server: live when recording, the recorded address with dummy tokens on replay."""

    def __init__(self, live: bool) -> None:
        self.live = live
        if live:
            self.host = urlsplit(os.environ["PLAYSMS_URL"]).netloc
            self.tokens = {u: os.environ[f"PLAYSMS_{u.upper()}_TOKEN"] for u in ("admin", "alice", "bob", "carol")}
        else:
            self.host = RECORDED_AT
            self.tokens = {u: f"dummy-{u}-token" for u in ("admin", "alice", "bob", "carol")}

    def url(self, user: str = "alice", query: str = "") -> str:
        options = "&".join(p for p in ("plain_http=yes", query) if p)
        return f"playsms://{user}:{self.tokens[user]}@{self.host}/index.php?{options}"

    def until(self, fetch: Callable[[], T], done: Callable[[T], bool], tries: int = 30) -> T:
        """Ask again until ``done`` (the dev gateway delivers about a second after queueing)."""
        value = fetch()
        for _ in range(tries):
            if done(value):
                break
            if self.live:
                time.sleep(0.4)
            value = fetch()
        return value


@pytest.fixture(scope="module")
def server(record_mode: str) -> Server:
    live = record_mode != "none"
    if live and not os.environ.get("PLAYSMS_URL"):
        pytest.skip('re-recording needs a running playSMS: eval "$(../shared/playsms/start)"')
    return Server(live)


@pytest.fixture
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    return {**vcr_config, "match_on": [m for m in vcr_config["match_on"] if m != "port"]}


@pytest.fixture(scope="module", autouse=True)
def _source_comment(vcr_cassette_dir: str) -> Iterator[None]:
    """Re-recorded cassettes get their source line back (vcrpy writes plain YAML)."""
    yield
    for path in Path(vcr_cassette_dir).glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("# source"):
            path.write_text(f"{SOURCE}\n{text}", encoding="utf-8")


def reply_time(raw: Any) -> dt.datetime:
    """The ``timestamp`` (true epoch) a JSON reply carries."""
    return dt.datetime.fromtimestamp(json.loads(raw.body)["timestamp"], dt.timezone.utc)


# ---------------------------------------------------------------------------- pv and ds


def test_send_then_delivered(server: Server) -> None:
    account = smsbridge.connect(server.url())
    result = account.send("+211912345678", "recorded: hello")
    (receipt,) = result.receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and ONE.match(receipt.message_id or "")
    report = server.until(
        lambda: account.delivery_status([receipt.message_id or ""])[0],
        lambda r: r.status is DeliveryStatus.DELIVERED,
    )
    assert (report.status, report.provider_code, report.recipient) == (DeliveryStatus.DELIVERED, "3", "211912345678")
    # ds times are the PHP clock minus playSMS's +0700 setting: read back, they are the send's time
    assert report.submitted_at is not None and report.updated_at is not None
    assert abs(report.submitted_at - reply_time(result.raw)) < dt.timedelta(seconds=10)


def test_send_then_delivered_xml(server: Server) -> None:
    account = smsbridge.connect(server.url(query="format=xml"))
    (receipt,) = account.send("+211912345678", "recorded: hello in XML").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and ONE.match(receipt.message_id or "")
    report = server.until(
        lambda: account.delivery_status([receipt.message_id or ""])[0],
        lambda r: r.status is DeliveryStatus.DELIVERED,
    )
    assert report.recipient == "211912345678" and report.provider_code == "3"
    assert report.raw is not None and report.raw.body.lstrip().startswith("<?xml")


def test_scheduled_send_is_queued(server: Server) -> None:
    account = smsbridge.connect(server.url())
    when = dt.datetime(2031, 1, 1, 10, 0, tzinfo=dt.timezone.utc)
    (receipt,) = account.send("+211912345678", "recorded: later", schedule=when).receipts
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.QUEUED and report.provider_code == "401"
    smslog_id = (receipt.message_id or "").split(":")[0]
    (bare,) = account.delivery_status([smslog_id])  # the smslog_id alone cannot tell
    assert bare.status is DeliveryStatus.UNKNOWN and bare.provider_code == "400"


def test_send_to_group(server: Server) -> None:
    account = smsbridge.connect(server.url())
    result = account.send("#JUBASTAFF", "recorded: staff meeting")
    (receipt,) = result.receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and QUEUE.match(receipt.message_id or "")
    assert len(result.details["smslog_ids"]["#JUBASTAFF"]) == 2
    reports = server.until(
        lambda: account.delivery_status([receipt.message_id or ""]),
        lambda rs: len(rs) == 2 and all(r.status is DeliveryStatus.DELIVERED for r in rs),
    )
    assert sorted(r.recipient or "" for r in reports) == ["+211933000003", "+211944000004"]


@pytest.mark.parametrize("target", ["#JUBA", "#NOSUCHGROUP"])
def test_group_code_must_name_one_group(server: Server, target: str) -> None:
    """playSMS 1.4.8 sends #JUBA to JUBASTAFF, and answers HTTP 500 for #NOSUCHGROUP."""
    account = smsbridge.connect(server.url())
    with pytest.raises(NotFoundError) as info:
        account.send(target, "recorded: never sent")
    assert info.value.outcome is Outcome.NOT_SENT
    assert ("JUBASTAFF" in str(info.value)) is (target == "#JUBA")


def test_send_to_user(server: Server) -> None:
    account = smsbridge.connect(server.url())
    (receipt,) = account.send("@bob", "recorded: hello bob").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and re.match(r"^@bob:[0-9a-f]{64}$", receipt.message_id or "")
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.DELIVERED and report.recipient == "@bob"


def test_send_to_unknown_user_is_outcome_unknown(server: Server) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        smsbridge.connect(server.url()).send("@nosuchuser", "recorded: nobody")
    assert info.value.http_status == 500 and info.value.outcome is Outcome.UNKNOWN


def test_batch_merged_by_playsms_148(server: Server) -> None:
    account = smsbridge.connect(server.url(query="batch=2"))
    result = account.send(["+211912345678", "+211922345678"], "recorded: merged")
    first, second = result.receipts
    assert result.details["merged"]["to"] == "211912345678211"  # commas stripped, cut to 15
    assert first.status is ReceiptStatus.UNKNOWN and ONE.match(first.message_id or "")
    assert second.status is ReceiptStatus.REJECTED and "211912345678211" in (second.reason or "")


# ---------------------------------------------------------------------------- cr, query, contacts


def test_balance_json_and_xml(server: Server) -> None:
    json_balance = smsbridge.connect(server.url()).balance()
    xml_balance = smsbridge.connect(server.url(query="format=xml")).balance()
    assert isinstance(json_balance.amount, Decimal) and json_balance.amount == xml_balance.amount > 0


def test_query_json_and_xml(server: Server) -> None:
    from_json = smsbridge.connect(server.url()).admin("query").data
    from_xml = smsbridge.connect(server.url(query="format=xml")).admin("query").data
    assert from_json == from_xml
    assert from_json["user"]["uid"] == 2 and from_json["user"]["status"] == 3
    assert all(isinstance(v, int) for v in from_json["last_id"].values())


def test_contacts(server: Server) -> None:
    account = smsbridge.connect(server.url())
    (contact,) = account.admin("get_contact", kwd="john").data["contacts"]
    assert contact["p_num"] == "+211933000003" and contact["pid"] == 1
    assert account.admin("get_contact", kwd="nobody").data["contacts"] == []
    (group,) = account.admin("get_contact_group", kwd="juba").data["groups"]
    assert group == {"gpid": 1, "group_name": "Juba Staff", "code": "JUBASTAFF", "flag_sender": 0}


# ---------------------------------------------------------------------------- inbound


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_injected_text_comes_back_as_sent(server: Server, fmt: str) -> None:
    """playSMS stores an injected text HTML-escaped (JSON gives "&amp;"); XML would drop a raw "&"."""
    admin = smsbridge.connect(server.url("admin", f"format={fmt}"))
    text = f"recorded: Tom & Jerry ({fmt})"
    admin.admin("inject", **{"from": "+211988000008", "msg": text, "recvnum": "1234", "smsc": "dev"})
    found = server.until(
        lambda: [m for m in admin.inbound("sandbox", src="+211988000008") if m.text == text],
        bool,
    )
    assert [m.text for m in found] == [text] and found[0].recipient == "1234"


# ---------------------------------------------------------------------------- admin


def test_accountadd_duplicate_and_remove(server: Server) -> None:
    admin = smsbridge.connect(server.url("admin"))
    user = {"data_username": "recgina", "data_password": "recgina-pass", "data_name": "Gina", "data_email": "g@x.org"}
    added = admin.admin("accountadd", data_status=3, **user)
    assert added.data["info"] == "Account has been added but failed to send email (username: recgina)"
    with pytest.raises(RejectedError) as info:
        admin.admin("accountadd", data_status=3, **user)
    assert info.value.code == "604" and "Account already exists (username: recgina)" in str(info.value)
    assert admin.admin("accountremove", data_username="recgina").data["info"].startswith("Account has been removed")
    with pytest.raises(NotFoundError) as gone:
        admin.admin("accountremove", data_username="recgina")
    assert gone.value.code == "605"


def test_accountpref_and_accountconf(server: Server) -> None:
    admin = smsbridge.connect(server.url("admin"))
    assert admin.admin("accountpref", data_username="carol", data_city="Juba").data["info"] == (
        "Preferences have been saved"
    )
    conf = admin.admin("accountconf", data_username="carol", data_footer="-- carol", data_sender="")
    assert conf.data["info"] == "User configuration has been saved"
    with pytest.raises(RejectedError) as info:  # the same values again: nothing to save
        admin.admin("accountconf", data_username="carol", data_footer="-- carol", data_sender="")
    assert info.value.code == "618" and "Fail to save configuration" in str(info.value)


def test_credit_operations(server: Server) -> None:
    admin = smsbridge.connect(server.url("admin"))
    assert isinstance(admin.admin("creditview", data_username="alice").data["balance"], Decimal)
    added = admin.admin("creditadd", data_username="carol", data_amount=Decimal("2.5"))
    assert added.data["amount"] == Decimal("2.5") and isinstance(added.data["balance"], Decimal)
    deducted = admin.admin("creditdeduct", data_username="carol", data_amount="2.5")
    assert deducted.data["amount"] == Decimal("2.5")
    with pytest.raises(RejectedError) as info:
        admin.admin("creditview", data_username="bob")
    assert info.value.code == "620" and "zero" in (info.value.hint or "")


def test_creditadd_for_an_unknown_user_is_a_fatal_page(server: Server) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        smsbridge.connect(server.url("admin")).admin("creditadd", data_username="nosuchuser", data_amount=1)
    assert info.value.text == "FATAL ERROR : Database query execution has failed"
    assert "before repeating" in (info.value.hint or "") and "delivery status" not in (info.value.hint or "")


def test_permission_and_not_found(server: Server) -> None:
    with pytest.raises(PermissionDeniedError) as denied:
        smsbridge.connect(server.url()).admin("accountban", data_username="bob")
    assert denied.value.code == "600"
    with pytest.raises(NotFoundError) as missing:
        smsbridge.connect(server.url("admin")).admin("parentget", data_username="nosuchuser")
    assert missing.value.code == "609"


def test_stoplist(server: Server) -> None:
    assert smsbridge.connect(server.url()).admin("stoplist", **{"from": "+211977000007"}).data == {"status": "OK"}
