"""Delivery-report simulation: magic numbers, timed status changes, the provider's callbacks.

Every recipient a provider took is ``accepted`` and later changes status on its own: magic
numbers (``MAGIC_NUMBERS``) choose the outcome, every other number is delivered after the
``report_delay`` setting.  Each change is kept (status polls answer it), published to the web
inbox, and sent in the provider's own callback format (the profile builds it) to the report
URL the send request named, else the server's ``report_url`` setting.  Callbacks are made
with explicit timeouts; what each one got back is kept for the REST API.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any

from smsbridge.devserver.profiles import EmulatedRecipient, EmulatorCallback

__all__ = ["CALLBACK_TIMEOUT", "DELAYED_SECONDS", "MAGIC_NUMBERS", "Callbacks", "magic_behaviour"]

log = logging.getLogger(__name__)

#: how long a callback to the host application may take (connect + answer)
CALLBACK_TIMEOUT = 5.0
#: how long a "delayed" number stays delayed before it is delivered
DELAYED_SECONDS = 5.0

#: number -> behaviour.  Australia's fictional-use mobile numbers (ACMA: 0491 570 156-159 are
#: reserved for drama, never assigned) pass every provider's number check except JorMall's,
#: which takes Jordanian mobiles only: Jordan reserves no fictional range, so JorMall's are
#: numbers from the +962 79 000 000x block, chosen to be unlikely rather than impossible.
MAGIC_NUMBERS: dict[str, str] = {
    "+61491570156": "delivered",
    "+61491570157": "failed",
    "+61491570158": "expired",
    "+61491570159": "delayed",
    "+962790000001": "delivered",
    "+962790000002": "failed",
    "+962790000003": "expired",
    "+962790000004": "delayed",
}

_BEHAVIOUR_TEXT = {
    "delivered": "delivered at once",
    "failed": "failed after the report delay",
    "expired": "expired after the report delay",
    "delayed": f"delayed (buffered) after the report delay, delivered {DELAYED_SECONDS:g} s later",
}
_MAGIC_DIGITS = {"".join(ch for ch in n if ch.isdigit()): b for n, b in MAGIC_NUMBERS.items()}


def magic_behaviour(number: str) -> str | None:
    """The magic behaviour of ``number`` (any writing: ``+61...``, ``61...``, ``0061...``)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    return _MAGIC_DIGITS.get(digits)


def magic_table() -> dict[str, str]:
    """The documented table the REST API returns: number -> what happens to it."""
    return {number: _BEHAVIOUR_TEXT[b] for number, b in MAGIC_NUMBERS.items()}


def plan(number: str, report_delay: float) -> list[tuple[float, str]]:
    """The status changes of a taken recipient: (seconds after acceptance, status)."""
    behaviour = magic_behaviour(number)
    if behaviour == "delivered":
        return [(0.0, "delivered")]
    if behaviour in ("failed", "expired"):
        return [(report_delay, behaviour)]
    if behaviour == "delayed":
        return [(report_delay, "delayed"), (report_delay + DELAYED_SECONDS, "delivered")]
    return [(report_delay, "delivered")]


class Callbacks:
    """Sends callback requests to the host application; keeps the last outcomes."""

    def __init__(self, keep: int = 200) -> None:
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=keep)
        self._session: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def send(self, callback: EmulatorCallback, kind: str, done: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Send ``callback`` in the background (never blocks the request being answered)."""
        task = asyncio.get_running_loop().create_task(self._send(callback, kind, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, callback: EmulatorCallback, kind: str, done: Callable[[dict[str, Any]], None] | None) -> None:
        import aiohttp

        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT, connect=CALLBACK_TIMEOUT)
            self._session = aiohttp.ClientSession(timeout=timeout)
        entry: dict[str, Any] = {
            "kind": kind,
            "method": callback.method,
            "url": callback.url,
            "status": None,
            "error": None,
        }
        try:
            async with self._session.request(
                callback.method, callback.url, data=callback.body or None, headers=dict(callback.headers)
            ) as response:
                await response.read()
                entry["status"] = response.status
        except Exception as exc:  # a host app that is down or slow must not stop the emulator
            entry["error"] = f"{type(exc).__name__}: {exc}"
            log.info("callback to %s failed: %s", callback.url, entry["error"])
        self.log.append(entry)
        if done is not None:
            done(entry)


def recipient_view(row: dict[str, Any]) -> EmulatedRecipient:
    """A store row (``Store.recipient``) as the profiles see it."""
    import datetime as dt

    return EmulatedRecipient(
        message=row["message"],
        number=row["number"],
        message_id=row["message_id"],
        status=row["status"],
        created=dt.datetime.fromisoformat(row["created"]),
        updated=dt.datetime.fromisoformat(row["updated"]),
        report_url=row["report_url"],
        text=row["text"],
        sender=row["sender"],
    )
