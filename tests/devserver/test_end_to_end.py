"""End to end: a tiny host application with each provider against ``smsbridge dev``.

For each of the four provider plugins the host app sends through its real account URL
(pointed at the emulator), finds the message in the emulator's inbox (REST API; the browser
test checks the web inbox), polls delivery status where the provider has it, and receives
the provider's delivery report (or, for playSMS, which makes no report callbacks, a received
message) at its own receiver, parsed by the plugin's own parser.

What each provider really offers decides the steps:

=========  =========  ===========  ==================================================
provider   status     report       callback
=========  =========  ===========  ==================================================
aspsms     poll       callback     the notification URL carried by the send
allmysms   poll       callback     the server's report URL (the account's webhook)
junubsms   poll       none         received messages: "SMS custom" POST to the receiver
jormall    none       none         (JorMall documents neither): the inbox shows the status
=========  =========  ===========  ==================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge.models import DeliveryStatus, ReceiptStatus

from .browser.chromium import browser, open_inbox
from .hostapp import HostApp

__all__ = ["browser"]  # chromium for this module (tests/devserver/browser/chromium.py), for the inbox step

NUMBER = "+61491570156"  # magic: delivered at once
JO_NUMBER = "+962790000001"  # JorMall's magic "delivered"
QUERY = "TRN=<TRN>&DST=<DST>&RSN=<RSN>&RCPNT=<RCPNT>&DSCTSUTC=<DSCTSUTC>&SCTSUTC=<SCTSUTC>"


@pytest.fixture
def host() -> Iterator[HostApp]:
    with HostApp() as app:
        yield app


def run_host_app(provider: str, dev: Any, host: HostApp) -> dict[str, Any]:
    """The host app's whole flow for ``provider``; returns the emulator's record of the message."""
    dev.update_settings(report_delay=0.05)
    url = dev.account_url(provider) + "&sender=HostApp"
    account = smsbridge.connect(url)
    host.accounts[provider] = account
    options: dict[str, Any] = {}
    if provider == "aspsms":
        options["notify_delivered"] = host.url("reports/aspsms") + "?" + QUERY
    elif provider == "allmysms":
        dev.update_settings(report_url=host.url("reports/allmysms"))
    elif provider == "junubsms":
        dev.update_settings(inbound_url=host.url("inbound/junubsms"))
    number = JO_NUMBER if provider == "jormall" else NUMBER
    result = account.send(number, f"Your {provider} code is 4821", options=options or None, ledger=False)
    receipt = result.receipts[0]
    assert receipt.status is ReceiptStatus.ACCEPTED
    (message,) = dev.wait_for_messages(1, provider=provider)
    assert message["text"] == f"Your {provider} code is 4821"
    assert message["recipients"][0]["number"] == number
    assert message["recipients"][0]["message_id"] == receipt.message_id
    dev.wait_for_status(message["id"], "delivered")
    if account.capabilities.delivery_status:
        (polled,) = account.delivery_status([receipt.message_id])
        assert polled.status is DeliveryStatus.DELIVERED
    if provider in ("aspsms", "allmysms"):
        report = host.wait_for_report(str(receipt.message_id))
        assert report.status is DeliveryStatus.DELIVERED
        assert report.provider == provider
    if provider == "junubsms":
        dev.add_inbound("junubsms", "+211912345678", "YES confirm", to="1234")
        (received,) = host.wait_for_inbound(1)
        assert received.text == "YES confirm" and received.provider == "junubsms"
    return message


@pytest.mark.parametrize("provider", ["jormall", "aspsms", "junubsms", "allmysms"])
def test_host_app_end_to_end(smsbridge_dev: Any, host: HostApp, browser: Any, provider: str) -> None:
    from playwright.sync_api import expect

    with open_inbox(browser, smsbridge_dev.base_url) as page:  # open before the app sends: the message arrives live
        message = run_host_app(provider, smsbridge_dev, host)
        assert message["provider"] == provider
        assert message["account"] == "d***r"
        # the web inbox shows it: text, provider, the delivered status, a thread for the number
        name = {p["id"]: p["name"] for p in smsbridge_dev.providers()["providers"]}[provider]
        bubble = page.locator(f'li.out[data-message-id="{message["id"]}"]')
        expect(bubble.locator(".text")).to_have_text(message["text"])
        expect(bubble.locator(".badge-provider")).to_have_text(name)
        expect(bubble.locator(".status")).to_have_text("delivered")
        number = message["recipients"][0]["number"]
        expect(page.locator(f'nav button.thread[data-number="{number}"]')).to_contain_text(message["text"])


def test_failed_report_reaches_the_host_app(smsbridge_dev: Any, host: HostApp) -> None:
    """A report set from the inbox (REST) is the provider's callback, parsed as failed."""
    smsbridge_dev.update_settings(report_url=host.url("reports/allmysms"), report_delay=30)
    account = smsbridge.connect(smsbridge_dev.account_url("allmysms"))
    host.accounts["allmysms"] = account
    receipt = account.send("+33612345678", "x", ledger=False).receipts[0]
    (message,) = smsbridge_dev.wait_for_messages(1)
    smsbridge_dev.report(message["id"], "failed")
    assert host.wait_for_report(str(receipt.message_id)).status is DeliveryStatus.FAILED
    (polled,) = account.delivery_status([receipt.message_id])
    assert polled.status is DeliveryStatus.FAILED


def test_aspsms_calls_only_the_notification_urls_the_send_named(smsbridge_dev: Any, host: HostApp) -> None:
    """ASPSMS takes one URL per outcome: a failure is reported to URLNonDeliveryNotification only."""
    smsbridge_dev.update_settings(report_delay=0.05, report_url=host.url("reports/unused"))
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    host.accounts["aspsms"] = account
    delivered_only = {"notify_delivered": host.url("reports/aspsms") + "?" + QUERY}
    failed = "+61491570157"  # magic: failed
    first = account.send(failed, "x", options=delivered_only, ledger=False).receipts[0]
    both = {**delivered_only, "notify_not_delivered": host.url("reports/aspsms") + "?" + QUERY}
    second = account.send(failed, "y", options=both, ledger=False).receipts[0]
    assert host.wait_for_report(str(second.message_id)).status is DeliveryStatus.FAILED
    for message in smsbridge_dev.messages():
        smsbridge_dev.wait_for_status(message["id"], "failed")
    assert [r.message_id for r in host.reports] == [second.message_id]
    assert str(first.message_id) not in str(smsbridge_dev.callbacks())
