"""Debian's headless chromium driven by Playwright, for the tests of the dev server's web inbox.

``browser`` is one chromium a test module (the tests here, the end-to-end test one level up),
stopped when the module ends: Playwright's sync API keeps an asyncio loop running in the main
thread while it is started, and later tests call ``asyncio.run`` (the receiver's ASGI tests);
``open_inbox`` opens the inbox in a fresh context and fails the test on any script error.
Without Playwright or chromium the tests skip with a one-line reason; with
``SMSBRIDGE_REQUIRE_SERVICES=1`` (``.ci/run``) they fail instead (``smsbridge.testing.services``).
``playwright install`` is never needed: the browser is ``/usr/bin/chromium``
(``SMSBRIDGE_CHROMIUM`` to use another).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

import pytest

from smsbridge.testing.devserver import CHROMIUM, CHROMIUM_ARGS
from smsbridge.testing.services import require

HOW = "pip install -r requirements-dev.txt (Playwright) and apt-get install chromium; .ci/run does both"

# Playwright's sync API runs one driver per thread: every module shares this one
_shared: dict[str, Any] = {"users": 0}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless chromium, launched once for the browser tests of a module (about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("Playwright", False, "the playwright package is not installed", how=HOW)
        raise
    require("Chromium", os.access(CHROMIUM, os.X_OK), f"no executable at {CHROMIUM}", how=HOW)
    if not _shared["users"]:
        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared.pop("browser").close()
            _shared.pop("playwright").stop()


@contextlib.contextmanager
def open_inbox(browser: Any, base_url: str) -> Iterator[Any]:
    """The inbox at ``base_url`` in a fresh browser context, its live updates connected.

    Any script error or console error in the page fails the test when the context closes.
    """
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB", timezone_id="UTC")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.goto(f"{base_url}/")
    expect(page.get_by_role("status")).to_have_text("Live")
    try:
        yield page
    finally:
        context.close()
    assert errors == [], errors


def api(base: str, method: str, path: str, body: Any = None) -> Any:
    """One call to the dev server's REST API (``/api/v1``), JSON in and out."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}/api/v1{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def account_url(base: str, provider: str, user: str = "shop-user", password: str = "dev-password") -> str:
    """An account URL for ``provider`` at the dev server, built from the URL the server itself shows."""
    examples = {p["id"]: p["example_url"] for p in api(base, "GET", "/providers")["providers"]}
    parts = urlsplit(examples[provider])
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def secret_forms(*secrets: str, user: str | None = None, password: str | None = None) -> dict[str, str]:
    """Every form a secret takes in a page or on the wire (as tests/faults/secrets.py computes them)."""
    forms: dict[str, str] = {}
    for i, secret in enumerate(secrets):
        as_json = json.dumps(secret)[1:-1]
        for name, form in {
            "raw": secret,
            "percent": quote(secret, safe=""),
            "percent-keep-slash": quote(secret, safe="/"),
            "form-plus": quote_plus(secret),
            "json": as_json,
            "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
            "json-php": as_json.replace("/", "\\/"),
            "html": html.escape(secret, quote=True),
            "html-noquote": html.escape(secret, quote=False),
        }.items():
            forms[f"secret {i} {name}"] = form
    if user and password:
        forms["basic-auth"] = base64.b64encode(f"{user}:{password}".encode()).decode()
    return forms
