"""The web inbox in a real browser: what a host-app developer sees when the app sends.

Messages are sent through real smsbridge accounts at the dev server's provider APIs (the same
path a host application takes); the page is never reloaded, so every change shown arrived
over the live updates (``/api/v1/events``).
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import SmsBridgeError

from .chromium import account_url, api, secret_forms

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) with the reason
    expect = None

A, B = "+41791234567", "+33612345678"


def bubble(page: Any, text: str) -> Any:
    return page.locator("li.out", has_text=text)


def thread(page: Any, number: str) -> Any:
    return page.locator(f'nav button.thread[data-number="{number}"]')


def mark_unreloaded(page: Any) -> None:
    page.evaluate("window.__notReloaded = true")


def assert_unreloaded(page: Any) -> None:
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"


def test_a_sent_message_appears_live(page: Any, dev: Any) -> None:
    mark_unreloaded(page)
    text = "Your code is 4242"
    expect(bubble(page, text)).to_have_count(0)
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        result = account.send(A, text, sender="Shop")
    assert result.accepted
    expect(bubble(page, text)).to_be_visible()
    expect(thread(page, A)).to_contain_text(text)
    expect(bubble(page, text)).to_contain_text("ASPSMS")
    expect(bubble(page, text).locator(".status")).to_have_text("accepted")
    expect(bubble(page, text)).to_contain_text("from Shop")
    assert_unreloaded(page)


def test_threads_group_messages_by_recipient(page: Any, dev: Any) -> None:
    mark_unreloaded(page)
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as aspsms:
        aspsms.send(A, "first to A")
        aspsms.send(A, "second to A")
    with smsbridge.connect(account_url(dev.base_url, "allmysms")) as allmysms:
        allmysms.send(B, "only one to B")
        allmysms.send([A, B], "to both")

    expect(thread(page, A).locator(".count")).to_have_text("3")
    expect(thread(page, B).locator(".count")).to_have_text("2")
    # newest conversation first, its last text shown
    expect(page.locator("nav button.thread[data-number]").first).to_contain_text("to both")

    thread(page, A).click()
    expect(page.locator("#conversation-title")).to_have_text(A)
    expect(page.locator("li.out")).to_have_count(3)
    expect(page.locator("li.out .text")).to_have_text(["first to A", "second to A", "to both"])  # oldest first

    thread(page, B).click()
    expect(page.locator("#conversation-title")).to_have_text(B)
    expect(page.locator("li.out .text")).to_have_text(["only one to B", "to both"])
    expect(page.locator("li.out .recipient")).to_have_count(2)  # only B's line in B's thread
    expect(bubble(page, "to both")).to_contain_text("AllMySMS")

    # a message sent while a thread is open joins it live, and only it
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as aspsms:
        aspsms.send(B, "late to B")
        aspsms.send(A, "late to A")
    expect(bubble(page, "late to B")).to_be_visible()
    expect(thread(page, A).locator(".count")).to_have_text("4")
    expect(bubble(page, "late to A")).to_have_count(0)
    assert_unreloaded(page)


def ucs2_segments(text: str) -> int:
    """Segments of a UCS-2 text of BMP characters: 70 in one SMS, 67 a part when concatenated."""
    return 1 if len(text) <= 70 else math.ceil(len(text) / 67)


def test_badges_show_encoding_and_segments(page: Any, dev: Any) -> None:
    arabic = "مرحبا بكم في متجرنا. رمز التحقق الخاص بك هو 4242، وهو صالح لمدة عشر دقائق. لا تشاركه مع أحد من فضلك."
    assert len(arabic) > 70
    latin = "Your parcel is on its way. " * 7  # GSM 03.38: 160 in one SMS, 153 a part
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send(A, arabic)
        account.send(A, latin)

    arabic_bubble = bubble(page, "مرحبا بكم")
    expect(arabic_bubble.locator(".badge-encoding")).to_have_text("UCS-2")
    expect(arabic_bubble.locator(".badge-segments")).to_have_text(f"{ucs2_segments(arabic)} segments")
    assert arabic_bubble.locator(".text").get_attribute("dir") == "auto"  # right to left where the text is

    latin_bubble = bubble(page, "parcel")
    expect(latin_bubble.locator(".badge-encoding")).to_have_text("GSM-7")
    expect(latin_bubble.locator(".badge-segments")).to_have_text(f"{math.ceil(len(latin) / 153)} segments")

    # the badges show what the server counted
    kept = {m["text"]: m for m in api(dev.base_url, "GET", "/messages")["messages"]}
    assert (kept[arabic]["encoding"], kept[arabic]["segments"]) == ("ucs2", ucs2_segments(arabic))
    assert kept[latin]["encoding"] == "gsm7"


# the characters each encoding writes differently (as tests/faults/secrets.py); ASPSMS's userkey
# is as secret as its password (the plugin's SECRET_FIELDS name both)
KEY = 'kéy/AbC+dEf=="&<x'
PASSWORD = 'pä"s/s+w &<rd-1'


def open_raw_panel(page: Any, dev: Any, text: str) -> str:
    with smsbridge.connect(account_url(dev.base_url, "aspsms", KEY, PASSWORD)) as account:
        account.send(A, text, sender="Shop")
    raw = bubble(page, text).locator("details.raw")
    expect(raw.locator("pre")).to_be_hidden()
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_be_visible()
    shown = raw.locator("pre").inner_text()
    kept = api(dev.base_url, "GET", "/messages")["messages"][0]["raw"]
    assert shown.startswith(f"{kept['method']} {kept['path']}")
    assert text in shown  # the body is there, only its credentials are not
    return page.content() + "\n" + page.locator("body").inner_text()


def leaked(page_text: str, forms: dict[str, str]) -> list[str]:
    return sorted(name for name, form in forms.items() if form in page_text)


def test_the_raw_request_shows_no_password(page: Any, dev: Any) -> None:
    assert leaked(open_raw_panel(page, dev, "raw panel check"), secret_forms(PASSWORD)) == []


def test_the_raw_request_shows_no_userkey(page: Any, dev: Any) -> None:
    forms = secret_forms(KEY, user=KEY, password=PASSWORD)
    assert leaked(open_raw_panel(page, dev, "raw panel check"), forms) == []
    # the account is shown as smsbridge shows a URL's user: first and last character
    assert api(dev.base_url, "GET", "/messages")["messages"][0]["account"] == f"{KEY[0]}***{KEY[-1]}"


def test_a_fault_rule_added_in_the_page_fails_the_next_send(page: Any, dev: Any) -> None:
    form = page.get_by_role("form", name="Add a fault rule")
    form.get_by_label("Fault").select_option("http500")
    form.get_by_label("Provider").select_option("aspsms")
    form.get_by_label("Operation").select_option("send")
    form.get_by_label("Times").fill("1")
    form.get_by_role("button", name="Add fault rule").click()

    rules = page.get_by_role("list", name="Fault rules")
    expect(rules.locator("li")).to_have_count(1)
    expect(rules).to_contain_text("HTTP 500")
    kept = api(dev.base_url, "GET", "/faults")["rules"]
    assert [(r["kind"], r["provider"], r["operation"], r["remaining"]) for r in kept] == [
        ("http500", "aspsms", "send", 1)
    ]

    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        with pytest.raises(SmsBridgeError):
            account.send(A, "this one meets the fault")
        failed = bubble(page, "this one meets the fault")
        expect(failed.locator(".badge-fault")).to_have_text("fault: http500")
        expect(failed.locator(".status")).to_have_text("rejected")
        # the rule was for one request: the next send goes through
        assert account.send(A, "this one goes through").accepted
    expect(bubble(page, "this one goes through").locator(".status")).to_have_text("accepted")
    expect(bubble(page, "this one goes through").locator(".badge-fault")).to_have_count(0)


def test_a_fault_rule_is_removed_in_the_page(page: Any, dev: Any) -> None:
    form = page.get_by_role("form", name="Add a fault rule")
    form.get_by_label("Fault").select_option("refuse")
    form.get_by_role("button", name="Add fault rule").click()
    rules = page.get_by_role("list", name="Fault rules")
    expect(rules.locator("li")).to_have_count(1)
    rule_id = api(dev.base_url, "GET", "/faults")["rules"][0]["id"]
    page.get_by_role("button", name=f"Remove fault rule {rule_id}: refuse").click()
    expect(rules).to_have_count(0)
    expect(page.get_by_text("No fault rules")).to_be_visible()
    assert api(dev.base_url, "GET", "/faults")["rules"] == []
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        assert account.send(A, "no fault any more").accepted


def test_a_delivery_report_control_changes_the_status(page: Any, dev: Any) -> None:
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        result = account.send([A, B], "report me")
        message_ids = {r.recipient: r.message_id for r in result.accepted}
        message = bubble(page, "report me")
        line_a = message.locator(f'.recipient[data-number="{A}"]')
        line_b = message.locator(f'.recipient[data-number="{B}"]')
        expect(line_a.locator(".status")).to_have_text("accepted")

        message.get_by_role("button", name=f"Mark {A} failed").click()
        expect(line_a.locator(".status")).to_have_text("failed")
        expect(line_b.locator(".status")).to_have_text("accepted")  # the other recipient keeps its own
        message.get_by_role("button", name=f"Mark {B} delivered").click()
        expect(line_b.locator(".status")).to_have_text("delivered")

        # the provider's status poll answers what the page shows
        polled = account.delivery_status([message_ids[A], message_ids[B]])
    assert {r.message_id: r.status.value for r in polled} == {message_ids[A]: "failed", message_ids[B]: "delivered"}


def test_an_inbound_message_from_the_form_appears(page: Any, dev: Any) -> None:
    mark_unreloaded(page)
    form = page.get_by_role("form", name="Simulate an inbound message")
    form.get_by_label("Provider").select_option("aspsms")
    form.get_by_label("From").fill(A)
    form.get_by_label("Text").fill("STOP please")
    form.get_by_role("button", name="Receive").click()

    received = page.get_by_role("list", name="Inbound messages")
    expect(received).to_contain_text("STOP please")
    expect(received).to_contain_text(A)
    expect(form.get_by_label("Text")).to_have_value("")
    kept = api(dev.base_url, "GET", "/inbound")["inbound"]
    assert [(i["provider"], i["sender"], i["text"]) for i in kept] == [("aspsms", A, "STOP please")]

    # a reply joins its sender's conversation, left of what the app sent
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send(A, "Reply STOP to stop")
    thread(page, A).click()
    expect(page.locator("ol.messages > li")).to_have_count(2)
    expect(page.locator("li.in")).to_contain_text("STOP please")
    assert_unreloaded(page)


def test_delete_all_empties_the_inbox(page: Any, dev: Any) -> None:
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send(A, "to be deleted")
    expect(bubble(page, "to be deleted")).to_be_visible()
    page.get_by_role("button", name="Delete all messages").click()
    expect(bubble(page, "to be deleted")).to_have_count(0)
    expect(page.locator("nav button.thread[data-number]")).to_have_count(0)
    assert api(dev.base_url, "GET", "/messages")["messages"] == []


def test_a_message_sent_while_the_page_loads_its_snapshot_appears(browser: Any, dev: Any) -> None:
    """An event that arrives while the page fetches its first snapshot is neither lost nor counted twice.

    The page's first ``GET /api/v1/messages`` is held: its answer is fetched (without the
    message), then the message is sent and its event reaches the page, then the stale answer
    is delivered.
    """
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send(A, "before the page")

        def stale_snapshot(route: Any) -> None:
            answer = route.fetch()
            assert "during the snapshot" not in answer.text()
            account.send(A, "during the snapshot")
            time.sleep(0.5)  # its event reaches the page before the snapshot does
            route.fulfill(response=answer)

        context = browser.new_context()
        try:
            page = context.new_page()
            page.route("**/api/v1/messages?*", stale_snapshot, times=1)
            page.goto(f"{dev.base_url}/")
            expect(page.get_by_role("status")).to_have_text("Live")
            expect(page.locator("li.out .text")).to_have_text(["before the page", "during the snapshot"])
            expect(thread(page, A).locator(".count")).to_have_text("2")
        finally:
            context.close()


def test_older_messages_load_on_demand(page: Any, dev: Any) -> None:
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send(A, "the oldest one", flash=True)
        for i in range(100):
            account.send(A, f"filler {i}")
    page.reload()  # the first snapshot is one page of 100, newest first
    expect(page.get_by_role("status")).to_have_text("Live")
    expect(page.locator("li.out")).to_have_count(100)
    expect(bubble(page, "the oldest one")).to_have_count(0)
    page.get_by_role("button", name="Load older messages").click()
    expect(page.locator("li.out")).to_have_count(101)
    expect(bubble(page, "the oldest one").locator(".badge-flash")).to_have_text("flash")
    expect(page.locator("li.out .text").first).to_have_text("the oldest one")  # oldest at the top
    expect(page.get_by_role("button", name="Load older messages")).to_have_count(0)
