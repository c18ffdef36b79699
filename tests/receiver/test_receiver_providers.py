"""Every provider's real callback shapes through the WSGI and the ASGI receiver, and the ledger rows they update.

The shapes, and where each is known from, are in ``tests/plugins/<plugin>/callback_samples.py``
(aspsms.txt and REFERENCE.md for ASPSMS; REFERENCE.md for AllMySMS; playSMS 1.4.8's source
for its SMS custom callbacks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest

from smsbridge.ledger import open_ledger
from smsbridge.models import CallbackKind
from smsbridge.testing.conformance import CallbackSample
from smsbridge.testing.receiver import asgi_request, wsgi_request

from .conftest import TOKEN, callback_samples, row_states, sent_job

ASPSMS = callback_samples("aspsms")
ALLMYSMS = callback_samples("allmysms")
PLAYSMS = callback_samples("junubsms")

ADAPTERS = ["wsgi", "asgi"]


def send(receiver: Any, adapter: str, sample: CallbackSample) -> Any:
    target = f"/acct/{sample.kind.value}/{TOKEN}" + (f"?{sample.query}" if sample.query else "")
    headers = {"Content-Type": sample.content_type} if sample.content_type else {}
    app = receiver.wsgi if adapter == "wsgi" else receiver.asgi
    request = wsgi_request if adapter == "wsgi" else asgi_request
    return request(app, sample.method, target, sample.body, headers)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("provider", ["aspsms", "server2sms"])
def test_aspsms_notification_urls_update_the_rows(
    make_receiver: Any, tmp_path: Any, adapter: str, provider: str
) -> None:
    """Source: aspsms.txt (notification URL tags and example), REFERENCE.md (values, reason codes)."""
    ledger = open_ledger(tmp_path / "l.db")
    numbers = ["+41791234560", "+41791234567", "+41791234568"]
    sent_job(ledger, "job", numbers, ["4242", "4243", "4244"], provider=provider)
    receiver = make_receiver({"acct": f"{provider}://KEY:PASS@default"}, ledger=ledger)
    for sample in ASPSMS.values():
        answer = send(receiver, adapter, sample)
        assert (answer.status, answer.body) == (200, b"")
    utc = dt.timezone.utc
    assert row_states(ledger, "job") == [
        ("delivered", "delivered", "0", dt.datetime(2021, 1, 21, 13, 46, 34, tzinfo=utc).timestamp()),
        ("accepted", "sent", "1", dt.datetime(2021, 1, 21, 13, 50, 2, tzinfo=utc).timestamp()),  # buffered
        ("failed", "failed", "2", dt.datetime(2021, 1, 21, 14, 0, tzinfo=utc).timestamp()),
    ]
    assert ledger.orphan_count() == 0


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_allmysms_webhooks_update_the_rows(make_receiver: Any, tmp_path: Any, adapter: str) -> None:
    """Source: REFERENCE.md (AllMySMS delivery webhook fields; statut 1 delivered, 2 not delivered, 3 sent)."""
    ledger = open_ledger(tmp_path / "l.db")
    ids = [
        "330792bd-8e0b-11e5-bf51-0025907cd72e",
        "7f1c9a52-8e0b-11e5-bf51-0025907cd72e",
        "9a3e1f00-8e0b-11e5-bf51-0025907cd72e",
    ]
    sent_job(ledger, "job", ["+33612345678", "+33612345679", "+33612345670"], ids, provider="allmysms")
    receiver = make_receiver({"acct": "allmysms://login:KEY@default"}, ledger=ledger)
    for sample in ALLMYSMS.values():
        answer = send(receiver, adapter, sample)
        assert (answer.status, answer.body) == (200, b"")
    assert [(state, status, code) for state, status, code, _ in row_states(ledger, "job")] == [
        ("delivered", "delivered", "1"),
        ("accepted", "sent", "3"),
        ("failed", "failed", "2"),
    ]


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("provider", ["junubsms", "playsms"])
def test_playsms_sms_custom_messages_are_stored_once(
    make_receiver: Any, tmp_path: Any, adapter: str, provider: str
) -> None:
    """Source: playSMS 1.4.8 plugin/feature/sms_custom/fn.php (POST of the substituted query, no id)."""
    url = (
        "junubsms://alice:TOKEN@default?timezone=Africa/Juba"
        if provider == "junubsms"
        else ("playsms://alice:TOKEN@sms.example.org/index.php?timezone=Africa/Juba")
    )
    ledger = open_ledger(tmp_path / "l.db")
    receiver = make_receiver({"acct": url}, ledger=ledger)
    for sample in PLAYSMS.values():
        for _ in range(2):  # a repeated request is the same message
            answer = send(receiver, adapter, sample)
            assert (answer.status, answer.body) == (200, b"")  # a body would be texted back to the sender
    messages = list(ledger.inbound())
    assert [(m.provider, m.sender, m.recipient, m.keyword, m.text) for m in messages] == [
        (provider, "+211988000008", "1234", "SMSB", "SMSB please call me"),
        (provider, "+211988000009", "1234", "SMSB", "SMSB مرحبا"),
    ]
    juba = dt.timezone(dt.timedelta(hours=2))  # Africa/Juba: UTC+2
    assert messages[0].received_at == dt.datetime(2026, 12, 1, 10, 15, 2, tzinfo=juba)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_bulk_send_then_its_reports(make_receiver: Any, tmp_path: Any, adapter: str) -> None:
    """End to end with memory://: bulk_send records message ids, the callbacks settle those rows."""
    import smsbridge

    ledger = open_ledger(tmp_path / "l.db")
    account = smsbridge.connect("memory://")
    summary = account.bulk_send(["+41791234567", "+41791234568"], "Hi", job="spring", ledger=ledger)
    assert summary.accepted == 2
    ids = [r.message_id for r in ledger.rows("spring")]
    receiver = make_receiver({"acct": account}, ledger=ledger)
    for message_id, status in zip(ids, ["delivered", "failed"], strict=True):
        sample = CallbackSample(
            kind=CallbackKind.STATUS,
            source="memory:// (smsbridge.builtin.memory_callbacks)",
            query=f"id={message_id}&status={status}",
        )
        assert send(receiver, adapter, sample).status == 200
    assert [r.state.value for r in ledger.rows("spring")] == ["delivered", "failed"]
    assert ledger.job("spring").counts() == {"delivered": 1, "failed": 1}


def test_the_aspsms_notification_url_holds_the_token_and_is_kept_secret(tmp_path: Any) -> None:
    """The receiver's URL goes into the account URL (notify_*): masked wherever the account shows."""
    import smsbridge
    from smsbridge.testing import fake_account, reply

    notify = f"https://sms.example.org/acct/status/{TOKEN}?TRN=<TRN>&DST=<DST>"
    url = f"aspsms://KEY:PASSWORD@default?sender=Shop&notify_delivered={quote(notify, safe='')}"
    account = fake_account(url, [reply('{"StatusCode":"1","StatusInfo":"OK"}', content_type="application/json")])
    assert TOKEN not in account.url and TOKEN not in repr(account) and "notify_delivered=****" in account.url
    ledger = open_ledger(tmp_path / "l.db")
    account.bulk_send(["+41791234567"], "Hi", job="j", ledger=ledger)
    assert TOKEN not in ledger.job("j").info.account
    (sent,) = account.ctx.http.sent
    assert sent.json["URLDeliveryNotification"] == notify  # ASPSMS still gets the real URL
    assert smsbridge.connect(url).callback_spec().max_url_length == 200
