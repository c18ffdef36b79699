"""``Answer``: the one shape of what a plugin's request-and-read function returns.

Every provider plugin has one function that sends a request and maps the reply to data or a
typed error (``call``).  What it returns when the reply is not a refusal is an ``Answer``:
the data read from the body, the raw reply (for results' ``raw=``), and, where the provider's
envelope has them, its status code and its own words.
"""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge.models import RawReply

__all__ = ["Answer"]


@attrs.frozen
class Answer:
    """A reply read: ``data`` (decoded JSON or XML, or the value the reply holds), ``raw``, the
    provider's ``code`` and ``text`` (``None`` when its envelope has none)."""

    data: Any
    raw: RawReply
    code: str | None = None
    text: str | None = None
