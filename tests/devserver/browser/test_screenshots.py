"""The screenshots of docs/dev-server.md, taken from a real inbox.

Each provider the server emulates sends through a real smsbridge account; one recipient is a
magic number (delivered at once), one send meets a fault rule, one number replies.  The test
always runs the scene and takes the pictures; only with ``SMSBRIDGE_SCREENSHOTS=1`` are they
written to docs/img (the pictures change only when someone means to change them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import SmsBridgeError

from .chromium import account_url, api

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) with the reason
    expect = None

IMG = Path(__file__).resolve().parents[3] / "docs" / "img"

# a number each provider takes (JorMall: Jordanian mobiles; playSMS here serves South Sudan)
NUMBERS = {
    "jormall": "+962791234567",
    "aspsms": "+41791234567",
    "server2sms": "+41781234567",
    "allmysms": "+33612345678",
    "playsms": "+211921234567",
    "junubsms": "+211921234567",
}
TEXTS = {
    "jormall": "مرحبا! رمز التحقق الخاص بك هو 4242. صالح لمدة عشر دقائق، لا تشاركه مع أحد.",
    "aspsms": "Your order #1042 has shipped and will arrive on Thursday. Track it at https://shop.example/t/1042",
    "server2sms": "Reminder: your appointment is tomorrow at 09:30.",
    "allmysms": "Votre code de connexion est 831 442. Il expire dans 5 minutes.",
    "playsms": "Your balance is 12.50 SSP. Top up at any agent.",
    "junubsms": "Your balance is 12.50 SSP. Top up at any agent.",
}


def test_screenshots_for_the_docs(page: Any, dev: Any, tmp_path: Path) -> None:
    img = IMG if os.environ.get("SMSBRIDGE_SCREENSHOTS") == "1" else tmp_path
    img.mkdir(parents=True, exist_ok=True)
    providers = [p["id"] for p in api(dev.base_url, "GET", "/providers")["providers"] if p["id"] in NUMBERS]
    magic = next(n for n in api(dev.base_url, "GET", "/providers")["magic_numbers"] if n.startswith("+61"))
    for provider in providers:
        with smsbridge.connect(account_url(dev.base_url, provider)) as account:
            account.send(NUMBERS[provider], TEXTS[provider], sender="Shop" if provider != "playsms" else None)
    with smsbridge.connect(account_url(dev.base_url, "aspsms")) as account:
        account.send([NUMBERS["aspsms"], magic], "Flash sale today only: 20% off everything with code SPRING.")
        api(
            dev.base_url,
            "POST",
            "/faults",
            {"kind": "http500", "provider": "aspsms", "operation": "send", "remaining": 1},
        )
        with pytest.raises(SmsBridgeError):
            account.send(NUMBERS["aspsms"], "Your password was changed. Not you? Call us.")
        api(
            dev.base_url,
            "POST",
            "/faults",
            {"kind": "timeout", "provider": None, "operation": "balance", "probability": 0.25, "seed": 7},
        )
    api(
        dev.base_url,
        "POST",
        "/inbound",
        {
            "provider": "aspsms",
            "sender": NUMBERS["aspsms"],
            "to": None,
            "text": "Thanks! Can I change the delivery address?",
        },
    )

    expect(page.locator("li.out")).to_have_count(len(providers) + 2)
    expect(page.locator('.status[data-status="delivered"]')).to_have_count(1)  # the magic number
    page.screenshot(path=str(img / "dev-inbox.png"))

    page.locator(f'nav button.thread[data-number="{NUMBERS["aspsms"]}"]').click()
    expect(page.locator("li.in")).to_have_count(1)
    page.locator("li.out", has_text="Flash sale").locator("details.raw summary").click()
    page.locator("li.out", has_text="Flash sale").get_by_role(
        "button", name=f"Mark {NUMBERS['aspsms']} delivered"
    ).click()
    expect(page.locator("li.out", has_text="Flash sale").locator(".status")).to_have_text("delivered")
    page.screenshot(path=str(img / "dev-inbox-thread.png"))

    page.get_by_text("Providers and magic numbers").click()
    expect(page.get_by_role("table").first).to_contain_text("127.0.0.1")
    page.set_viewport_size({"width": 1400, "height": 2000})  # the controls whole, not scrolled
    page.locator("aside.tools").screenshot(path=str(img / "dev-inbox-controls.png"))
    for name in ("dev-inbox.png", "dev-inbox-thread.png", "dev-inbox-controls.png"):
        assert (img / name).stat().st_size > 10_000
