"""``smsbridge dev``'s callbacks into the core's own receiver (``smsbridge.receiver``), unchanged.

The receiver checks its per-account token, decodes strictly, parses with the plugin and keeps
each report in its ledger once: what a host application that runs ``smsbridge serve`` sees.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

import smsbridge
from smsbridge.models import DeliveryStatus
from smsbridge.receiver import Receiver, ReceiverAccount


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(smsbridge_dev: Any, tmp_path: Path) -> Iterator[tuple[Receiver, str, list[Any], list[Any]]]:
    reports: list[Any] = []
    inbound: list[Any] = []
    accounts = {
        name: ReceiverAccount(smsbridge.connect(smsbridge_dev.account_url(provider)), token=secrets.token_urlsafe(24))
        for name, provider in (("shop-aspsms", "aspsms"), ("shop-allmysms", "allmysms"), ("shop-junub", "junubsms"))
    }
    built = Receiver(
        accounts, ledger=str(tmp_path / "receiver.db"), on_report=reports.append, on_inbound=inbound.append
    )
    server = make_server("127.0.0.1", 0, built.wsgi, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield built, f"http://127.0.0.1:{server.server_address[1]}", reports, inbound
    finally:
        server.shutdown()
        server.server_close()
        built.close()


def _wait(items: list[Any], count: int) -> list[Any]:
    deadline = time.monotonic() + 10
    while len(items) < count:
        assert time.monotonic() < deadline, f"only {len(items)} of {count} callbacks arrived"
        time.sleep(0.02)
    return items


def test_reports_and_inbound_reach_the_core_receiver(smsbridge_dev: Any, receiver: Any) -> None:
    built, public, reports, inbound = receiver
    smsbridge_dev.update_settings(
        report_delay=0.05,
        report_url=built.url("shop-allmysms", "status", public),
        inbound_url=built.url("shop-junub", "inbound", public),
    )
    aspsms_url = built.url("shop-aspsms", "status", public)
    aspsms = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    options = {"notify_delivered": aspsms_url, "notify_not_delivered": aspsms_url}
    first = aspsms.send(["+61491570156", "+61491570158"], "a", options=options, ledger=False)
    second = smsbridge.connect(smsbridge_dev.account_url("allmysms")).send("+61491570157", "b", ledger=False)
    smsbridge_dev.add_inbound("junubsms", "+211912345678", "HELP me", to="1234")
    _wait(reports, 3)
    got = {(e.provider, e.report.message_id): e.report.status for e in reports}
    assert got == {
        ("aspsms", first.receipts[0].message_id): DeliveryStatus.DELIVERED,
        ("aspsms", first.receipts[1].message_id): DeliveryStatus.EXPIRED,
        ("allmysms", second.receipts[0].message_id): DeliveryStatus.FAILED,
    }
    (message,) = _wait(inbound, 1)
    assert message.message.text == "HELP me" and message.provider == "junubsms"
    assert all(c["status"] == 200 for c in smsbridge_dev.callbacks()), smsbridge_dev.callbacks()
