"""The emulator for the devserver tests: one per session (``smsbridge_dev``), emptied per test."""

from __future__ import annotations

import pytest

pytest.importorskip("aiohttp")
