"""The dev server's REST API, events, store bound, raw requests and static files."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge.devserver.store import Store
from smsbridge.testing.devserver import DevServerClient, start_dev_server

TIMEOUT = (5, 10)


def _get(client: DevServerClient, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(f"{client.base_url}{path}", timeout=TIMEOUT, **kwargs)


def test_providers_and_magic_numbers(smsbridge_dev: DevServerClient) -> None:
    data = smsbridge_dev.providers()
    ids = {p["id"] for p in data["providers"]}
    assert {"jormall", "aspsms", "server2sms", "junubsms", "playsms", "allmysms"} <= ids
    for item in data["providers"]:
        assert smsbridge_dev.host_port in item["example_url"]
    behaviours = " ".join(data["magic_numbers"].values())
    for word in ("delivered", "failed", "expired", "delayed"):
        assert word in behaviours


def test_settings_are_checked(smsbridge_dev: DevServerClient) -> None:
    assert smsbridge_dev.settings() == {"report_url": None, "inbound_url": None, "report_delay": 0.5}
    for bad in ({"report_url": "ftp://x"}, {"report_delay": -1}, {"report_delay": "1"}):
        response = requests.put(f"{smsbridge_dev.base_url}/api/v1/settings", json=bad, timeout=TIMEOUT)
        assert response.status_code == 400 and "error" in response.json()
    assert smsbridge_dev.update_settings(report_url="http://127.0.0.1:9/r")["report_url"] == "http://127.0.0.1:9/r"


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "explode"},
        {"kind": "reset", "probability": 2},
        {"kind": "reset", "operation": "x"},
        {"kind": "reset", "remaining": -1},
    ],
)
def test_bad_fault_rules_are_refused(smsbridge_dev: DevServerClient, rule: dict[str, Any]) -> None:
    response = requests.post(f"{smsbridge_dev.base_url}/api/v1/faults", json=rule, timeout=TIMEOUT)
    assert response.status_code == 400
    assert smsbridge_dev.faults() == []


def test_fault_rule_shape(smsbridge_dev: DevServerClient) -> None:
    rule = smsbridge_dev.add_fault(
        "timeout", provider="aspsms", operation="send", number="+61491570157", probability=0.5, remaining=3, seed=1
    )
    assert set(rule) == {"id", "kind", "provider", "operation", "number", "probability", "remaining", "seed"}
    assert smsbridge_dev.faults() == [rule]
    smsbridge_dev.clear_faults()
    assert smsbridge_dev.faults() == []


def _send(client: DevServerClient, numbers: list[str], text: str, provider: str = "aspsms") -> None:
    smsbridge.connect(client.account_url(provider)).send(numbers, text, ledger=False)


def test_messages_filters_threads_and_clear(smsbridge_dev: DevServerClient) -> None:
    _send(smsbridge_dev, ["+41790000001"], "one")
    _send(smsbridge_dev, ["+41790000002", "+41790000001"], "two")
    _send(smsbridge_dev, ["+33612345678"], "three", provider="allmysms")
    messages = smsbridge_dev.messages()
    assert [m["text"] for m in messages] == ["three", "two", "one"]  # newest first
    assert [m["text"] for m in smsbridge_dev.messages(recipient="+41790000001")] == ["two", "one"]
    assert [m["text"] for m in smsbridge_dev.messages(provider="allmysms")] == ["three"]
    assert [m["text"] for m in smsbridge_dev.messages(limit=1)] == ["three"]
    assert [m["text"] for m in smsbridge_dev.messages(before=messages[0]["id"])] == ["two", "one"]
    message = messages[1]
    assert smsbridge_dev.message(message["id"]) == message
    assert set(message) == {
        "id",
        "provider",
        "account",
        "sender",
        "text",
        "encoding",
        "segments",
        "created",
        "flash",
        "scheduled",
        "recipients",
        "raw",
        "fault",
    }
    threads = {t["number"]: t for t in smsbridge_dev.threads()}
    assert threads["+41790000001"]["count"] == 2 and threads["+41790000001"]["last_text"] == "two"
    assert _get(smsbridge_dev, "/api/v1/messages/999999").status_code == 404
    smsbridge_dev.clear()
    assert smsbridge_dev.messages() == [] and smsbridge_dev.threads() == []


def test_report_endpoint(smsbridge_dev: DevServerClient) -> None:
    smsbridge_dev.update_settings(report_delay=60)
    _send(smsbridge_dev, ["+41790000001", "+41790000002"], "x")
    (message,) = smsbridge_dev.messages()
    changed = smsbridge_dev.report(message["id"], "expired", number="+41790000002")
    assert [r["status"] for r in changed["recipients"]] == ["accepted", "expired"]
    url = f"{smsbridge_dev.base_url}/api/v1/messages/{message['id']}/report"
    assert requests.post(url, json={"status": "lost"}, timeout=TIMEOUT).status_code == 400
    assert requests.post(url, json={"status": "failed", "number": "+1"}, timeout=TIMEOUT).status_code == 404
    assert smsbridge_dev.report(message["id"], "delivered")["recipients"][0]["status"] == "delivered"


def test_inbound_api(smsbridge_dev: DevServerClient) -> None:
    item = smsbridge_dev.add_inbound("aspsms", "0041790000001", "hello")
    assert item["sender"] == "+41790000001" and item["to"] is None
    assert smsbridge_dev.inbound() == [item]
    bad = requests.post(
        f"{smsbridge_dev.base_url}/api/v1/inbound",
        json={"provider": "nope", "sender": "1", "text": "x"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400


def test_raw_request_hides_credentials(smsbridge_dev: DevServerClient) -> None:
    secret = "s3cretPassw0rd"
    for provider in ("jormall", "aspsms", "junubsms", "allmysms"):
        url = smsbridge_dev.account_url(provider, password=secret) + "&sender=Shop"
        number = "+962791234567" if provider == "jormall" else "+61491570156"
        smsbridge.connect(url).send(number, "x", ledger=False)
    for message in smsbridge_dev.messages():
        raw = json.dumps(message["raw"])
        assert secret not in raw and "s3cret" not in raw, message["provider"]
        assert message["account"] == "d***r"


def test_static_files(smsbridge_dev: DevServerClient) -> None:
    assert _get(smsbridge_dev, "/").status_code == 200
    assert _get(smsbridge_dev, "/no-such-file.css").status_code == 404
    assert _get(smsbridge_dev, "/%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert requests.post(f"{smsbridge_dev.base_url}/nothing-here", timeout=TIMEOUT).status_code == 404


@pytest.fixture
def events(smsbridge_dev: DevServerClient) -> Iterator[queue.Queue[tuple[str, Any]]]:
    """The SSE stream, read in a thread: (event, data) pairs."""
    out: queue.Queue[tuple[str, Any]] = queue.Queue()
    response = requests.get(f"{smsbridge_dev.base_url}/api/v1/events", stream=True, timeout=(5, 30))
    assert response.headers["Content-Type"].startswith("text/event-stream")

    def read() -> None:
        event = None
        try:
            for line in response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    out.put((event, json.loads(line[6:])))
        except Exception:  # the stream is closed at teardown
            pass

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    yield out
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:  # wake the reader now, not at the server's next keep-alive comment
        sock.shutdown(socket.SHUT_RDWR)
    response.close()
    thread.join(5)


def _next(events: queue.Queue[tuple[str, Any]], name: str) -> Any:
    while True:
        event, data = events.get(timeout=10)
        if event == name:
            return data


def test_events(smsbridge_dev: DevServerClient, events: queue.Queue[tuple[str, Any]]) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    _send(smsbridge_dev, ["+61491570157"], "watch me")
    message = _next(events, "message")
    assert message["text"] == "watch me" and message["recipients"][0]["status"] == "accepted"
    assert _next(events, "status") == {"message": message["id"], "number": "+61491570157", "status": "failed"}
    inbound = smsbridge_dev.add_inbound("allmysms", "+33612345678", "hi")
    assert _next(events, "inbound") == inbound
    rule = smsbridge_dev.add_fault("html")
    assert _next(events, "faults") == {"rules": [rule]}
    smsbridge_dev.clear()
    assert _next(events, "cleared") == {}


def test_store_keeps_the_newest() -> None:
    store = Store(max_messages=3)
    for i in range(7):
        store.add_message(
            provider="aspsms",
            account="a",
            sender=None,
            text=f"m{i}",
            encoding="gsm7",
            segments=1,
            flash=False,
            scheduled=None,
            report_url=None,
            raw={},
            fault=None,
            recipients=[(f"+4179000000{i}", str(i), "accepted")],
        )
    assert [m["text"] for m in store.messages()] == ["m6", "m5", "m4"]
    assert store.count() == 3
    assert store.recipient(message_id="1") == []  # the old recipients went with their messages


def test_server_bound_and_file_database(tmp_path: Any) -> None:
    server, client = start_dev_server(max_messages=5, db=str(tmp_path / "dev.db"))
    try:
        account = smsbridge.connect(client.account_url("allmysms"))
        for i in range(8):
            account.send("+33612345678", f"n{i}", ledger=False)
        assert [m["text"] for m in client.messages()] == ["n7", "n6", "n5", "n4", "n3"]
    finally:
        client.close()
        server.stop()
    assert (tmp_path / "dev.db").exists()


def test_foreign_pages_and_hosts_are_refused(smsbridge_dev: DevServerClient) -> None:
    url = f"{smsbridge_dev.base_url}/api/v1/messages"
    assert requests.delete(url, headers={"Origin": "https://evil.example"}, timeout=TIMEOUT).status_code == 403
    assert requests.get(url, headers={"Host": "evil.example:8025"}, timeout=TIMEOUT).status_code == 403
    assert requests.get(url, headers={"Origin": smsbridge_dev.base_url}, timeout=TIMEOUT).status_code == 200
    assert requests.get(url, headers={"Host": "localhost"}, timeout=TIMEOUT).status_code == 200
    # a provider's API answers whatever name the host app uses
    body = {"UserName": "k", "Password": "p", "Recipients": ["+41790000001:t1"], "MessageText": "x"}
    reply = requests.post(
        f"{smsbridge_dev.base_url}/SendTextSMS", json=body, headers={"Host": "json.aspsms.com"}, timeout=TIMEOUT
    )
    assert reply.json() == {"StatusCode": "1", "StatusInfo": "OK"}


def test_a_file_database_survives_a_restart(tmp_path: Any) -> None:
    db = str(tmp_path / "dev.db")
    server, client = start_dev_server(db=db, report_delay=0.05)
    try:
        account = smsbridge.connect(client.account_url("junubsms"))
        receipt = account.send("+61491570157", "kept", ledger=False).receipts[0]
        (message,) = client.messages()
        client.wait_for_status(message["id"], "failed")
    finally:
        client.close()
        server.stop()
    server, client = start_dev_server(db=db)
    try:
        assert [m["text"] for m in client.messages()] == ["kept"]
        account = smsbridge.connect(client.account_url("junubsms"))
        (report,) = account.delivery_status([receipt.message_id])
        assert report.status.value == "failed"
    finally:
        client.close()
        server.stop()
