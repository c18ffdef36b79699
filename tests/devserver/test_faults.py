"""Fault rules against the real plugins: what the client concludes, and what the emulator kept.

The promise under test: a fault after which the provider has the message (reset after the
body, timeout, truncated answer) ends "unknown" and is never sent twice; a refusal ends
"not sent"; and the emulator's record says which really happened.
"""

from __future__ import annotations

from typing import Any

import pytest

import smsbridge
from smsbridge.errors import Outcome, SmsBridgeError
from smsbridge.models import ReceiptStatus

NUMBER = {"aspsms": "+61491570156", "jormall": "+962791234567", "junubsms": "+61491570156", "allmysms": "+61491570156"}
PROVIDERS = list(NUMBER)
TAKEN = {"reset", "timeout", "truncated"}
# what the client concludes; JorMall documents no "no credit" answer, so the generic one is unreadable
OUTCOME = {
    "refuse": Outcome.NOT_SENT,
    "reset": Outcome.UNKNOWN,
    "timeout": Outcome.UNKNOWN,
    "http500": Outcome.UNKNOWN,  # a 5xx proves nothing about a send
    "html": Outcome.UNKNOWN,
    "truncated": Outcome.UNKNOWN,
    "rate_limited": Outcome.NOT_SENT,
    "no_credit": Outcome.NOT_SENT,
}


def _account(client: Any, provider: str) -> Any:
    return smsbridge.connect(client.account_url(provider) + "&sender=Shop&retries=0&timeout=0.5")


@pytest.mark.parametrize("kind", list(OUTCOME))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_fault_outcome(smsbridge_dev: Any, provider: str, kind: str) -> None:
    smsbridge_dev.update_settings(report_delay=0.05)
    smsbridge_dev.add_fault(kind, provider=provider, operation="send")
    with pytest.raises(SmsBridgeError) as caught:
        _account(smsbridge_dev, provider).send(NUMBER[provider], "hello", ledger=False)
    expected = Outcome.UNKNOWN if (provider, kind) == ("jormall", "no_credit") else OUTCOME[kind]
    assert caught.value.outcome is expected, repr(caught.value)
    (message,) = smsbridge_dev.messages()  # one request, one record: never sent twice
    assert message["fault"] == kind
    status = message["recipients"][0]["status"]
    if kind in TAKEN:
        assert status in ("accepted", "delivered")
        smsbridge_dev.wait_for_status(message["id"], "delivered")  # the provider took it: it goes out
    else:
        assert status == "rejected"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_bulk_reset_leaves_every_recipient_unknown(smsbridge_dev: Any, provider: str) -> None:
    numbers = ["+962791234567", "+962791234568"] if provider == "jormall" else ["+61491570156", "+61491570157"]
    smsbridge_dev.add_fault("reset", provider=provider, operation="send")
    url = smsbridge_dev.account_url(provider) + "&sender=Shop&retries=0"
    if provider == "junubsms":
        url += "&batch=10&force_batch=yes"
    summary = smsbridge.connect(url).bulk_send(numbers, "bulk", ledger=False)
    assert [r.status for r in summary.receipts] == [ReceiptStatus.UNKNOWN] * 2
    assert sum(len(m["recipients"]) for m in smsbridge_dev.messages()) == 2


def test_remaining_counts_down_then_answers_normally(smsbridge_dev: Any) -> None:
    rule = smsbridge_dev.add_fault("refuse", provider="aspsms", remaining=2)
    account = _account(smsbridge_dev, "aspsms")
    for _ in range(2):
        with pytest.raises(SmsBridgeError):
            account.send("+61491570156", "x", ledger=False)
    assert account.send("+61491570156", "x", ledger=False).receipts[0].status is ReceiptStatus.ACCEPTED
    assert [r["remaining"] for r in smsbridge_dev.faults() if r["id"] == rule["id"]] == [0]


def test_number_rule_hits_that_recipient_only(smsbridge_dev: Any) -> None:
    smsbridge_dev.add_fault("no_credit", number="+61491570157")
    account = _account(smsbridge_dev, "allmysms")
    assert account.send("+61491570156", "x", ledger=False).receipts[0].status is ReceiptStatus.ACCEPTED
    with pytest.raises(SmsBridgeError) as caught:
        account.send("+61491570157", "x", ledger=False)
    assert caught.value.outcome is Outcome.NOT_SENT


def _pattern(client: Any, seed: int) -> list[bool]:
    client.clear_faults()
    client.add_fault("http500", operation="balance", probability=0.5, seed=seed)
    account = _account(client, "aspsms")
    out = []
    for _ in range(16):
        try:
            account.balance()
            out.append(True)
        except SmsBridgeError:
            out.append(False)
    return out


def test_seeded_random_faults_repeat(smsbridge_dev: Any) -> None:
    first = _pattern(smsbridge_dev, 7)
    assert _pattern(smsbridge_dev, 7) == first
    assert True in first and False in first


def test_rules_switch_at_run_time(smsbridge_dev: Any) -> None:
    account = _account(smsbridge_dev, "junubsms")
    rule = smsbridge_dev.add_fault("rate_limited")
    with pytest.raises(SmsBridgeError):
        account.balance()
    smsbridge_dev.delete_fault(rule["id"])
    assert account.balance().amount > 0
    assert smsbridge_dev.faults() == []
