"""Fixtures of the browser tests: the session's dev server (``smsbridge_dev``), the inbox open."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .chromium import browser, open_inbox

__all__ = ["browser"]  # chromium for this module (tests/devserver/browser/chromium.py)


@pytest.fixture
def dev(smsbridge_dev: Any) -> Any:
    """The session's dev server (the ``smsbridge_dev`` fixture), emptied, with no automatic reports.

    ``report_delay`` is an hour, so a status changes only when a test changes it.
    """
    smsbridge_dev.update_settings(report_delay=3600)
    return smsbridge_dev


@pytest.fixture
def page(browser: Any, dev: Any) -> Iterator[Any]:
    """The inbox open in a fresh browser context, its live updates connected; no script error allowed."""
    with open_inbox(browser, dev.base_url) as page:
        yield page
