"""The dev server's state: store, profiles, fault rules, settings, subscribers and timers.

No web framework here: :class:`DevServer` is what the handlers (``emulation``, ``api``) act on,
and :class:`RequestApi` is the :class:`~smsbridge.devserver.profiles.EmulatorApi` one provider
request's profile sees.  It needs a running asyncio loop for its timers (reports).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from smsbridge.config import mask_user
from smsbridge.devserver.faults import TAKEN, FaultRules
from smsbridge.devserver.profiles import (
    EmulatedMessage,
    EmulatedRecipient,
    EmulatorInbound,
    EmulatorProfile,
    EmulatorRequest,
)
from smsbridge.devserver.registry import load_profiles
from smsbridge.devserver.reports import Callbacks, plan, recipient_view
from smsbridge.devserver.store import DEFAULT_MAX_MESSAGES, Store
from smsbridge.redaction import Redactor
from smsbridge.text import analyze

__all__ = ["START_CREDITS", "DevServer", "RequestApi", "as_kept"]

log = logging.getLogger(__name__)

START_CREDITS = Decimal(10_000)
#: the longest a scheduled message waits for its reports (timers live in memory)
MAX_SCHEDULE_WAIT = 7 * 24 * 3600.0
_MASKED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


def as_kept(number: str) -> str:
    """A recipient as kept: E.164 for digits (``9627...``, ``009627...``, ``+9627...``), targets as given."""
    text = number.strip().replace(" ", "")
    if text.startswith("00") and text[2:].isdigit():
        return "+" + text[2:]
    if text.isdigit():
        return "+" + text
    return text


class RequestApi:
    """The :class:`EmulatorApi` one request's profile sees."""

    def __init__(
        self, server: DevServer, request: EmulatorRequest, profile: EmulatorProfile, fault: str | None
    ) -> None:
        self.server = server
        self.request = request
        self.profile = profile
        self.fault = fault
        self.stored: list[int] = []

    def store_message(self, message: EmulatedMessage) -> list[EmulatedRecipient]:
        return self.server.keep(message, self.request, self.profile, self.fault, self.stored)

    def lookup(self, provider: str, message_id: str) -> EmulatedRecipient | None:
        rows = [r for r in self.server.store.recipient(message_id=message_id) if r["provider"] == provider]
        return recipient_view(rows[-1]) if rows else None

    def new_id(self) -> int:
        return self.server.new_id()

    def balance(self, provider: str, account: str) -> Decimal:
        return self.server.credits.get((provider, account), START_CREDITS)

    def inbound(self, provider: str, *, since_id: int = 0, limit: int = 100) -> list[EmulatorInbound]:
        return [_inbound_view(i) for i in self.server.store.inbound(provider=provider, since_id=since_id, limit=limit)]

    def report_url(self) -> str | None:
        url = self.server.settings["report_url"]
        return str(url) if url else None


def _report_url(row: dict[str, Any], status: str, default: str | None) -> str | None:
    """Where ``status`` is reported for this recipient: the message's URL for that status
    (ASPSMS names one per outcome, and calls only those named), its one URL, else ``default``."""
    if row.get("report_urls"):
        url = json.loads(row["report_urls"]).get(status)
        return str(url) if url else None
    return row["report_url"] or default


def _inbound_view(row: dict[str, Any]) -> EmulatorInbound:
    return EmulatorInbound(
        id=row["id"],
        provider=row["provider"],
        sender=row["sender"],
        to=row["to"],
        text=row["text"],
        created=dt.datetime.fromisoformat(row["created"]),
    )


class DevServer:
    """The emulator's state: store, profiles, fault rules, settings, SSE subscribers, timers."""

    def __init__(
        self,
        *,
        db: str = ":memory:",
        max_messages: int = DEFAULT_MAX_MESSAGES,
        report_url: str | None = None,
        inbound_url: str | None = None,
        report_delay: float = 0.5,
        profiles: Sequence[EmulatorProfile] | None = None,
    ) -> None:
        self.store = Store(db, max_messages=max_messages)
        self.profiles: list[EmulatorProfile] = list(load_profiles() if profiles is None else profiles)
        self.by_id = {p.id: p for p in self.profiles}
        self.faults = FaultRules()
        self.settings: dict[str, Any] = {
            "report_url": report_url,
            "inbound_url": inbound_url,
            "report_delay": report_delay,
        }
        self.credits: dict[tuple[str, str], Decimal] = {}
        self.callbacks = Callbacks()
        self.subscribers: set[asyncio.Queue[tuple[str, Any] | None]] = set()
        self.timers: dict[int, list[asyncio.TimerHandle]] = {}
        self.stopping = asyncio.Event()
        self._next_id = int(dt.datetime.now().timestamp() * 1000) % 1_000_000_000 * 10
        self._id_lock = threading.Lock()
        self._redactors: dict[tuple[str, tuple[str, ...]], Redactor] = {}

    def new_id(self) -> int:
        with self._id_lock:
            self._next_id += 1
            return self._next_id

    # ------------------------------------------------------------------ events

    def publish(self, event: str, data: Any) -> None:
        for queue in list(self.subscribers):
            try:
                queue.put_nowait((event, data))
            except asyncio.QueueFull:  # a stalled browser tab: end its stream rather than grow
                self.subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    # ------------------------------------------------------------------ messages

    def keep(
        self,
        message: EmulatedMessage,
        request: EmulatorRequest,
        profile: EmulatorProfile,
        fault: str | None,
        stored: list[int],
    ) -> list[EmulatedRecipient]:
        """Store a message the profile received; schedule its reports unless the fault refused it."""
        taken = fault is None or fault in TAKEN
        status = "accepted" if taken else "rejected"
        recipients = [(as_kept(n), mid if mid else str(self.new_id()), status) for n, mid in message.recipients]
        info = analyze(message.text, encoding=message.encoding)
        raw = self.raw(request, profile, message.secrets)
        ident = self.store.add_message(
            provider=message.provider,
            account=mask_user(message.account),  # as smsbridge shows a URL's user: K***1
            sender=message.sender,
            text=message.text,
            encoding=info.encoding,
            segments=info.segments,
            flash=message.flash,
            scheduled=message.scheduled,
            report_url=message.report_url,
            raw=raw,
            fault=fault,
            recipients=recipients,
            report_urls=dict(message.report_urls),
        )
        stored.append(ident)
        if taken:
            key = (message.provider, message.account)
            self.credits[key] = self.credits.get(key, START_CREDITS) - info.segments * len(recipients)
        rows = self.store.recipient(message=ident)
        if self.subscribers:  # read back for the inbox only when one is listening
            full = self.store.message(ident)
            if full is not None:
                self.publish("message", full)
        if taken:
            delay = float(self.settings["report_delay"])
            if message.scheduled_at is not None:  # the provider sends it then: reports follow
                ahead = (message.scheduled_at - dt.datetime.now(dt.timezone.utc)).total_seconds()
                delay += min(max(ahead, 0.0), MAX_SCHEDULE_WAIT)
            loop = asyncio.get_running_loop()
            for row in rows:
                for after, new_status in plan(row["number"], delay):
                    handle = loop.call_later(after, self.change_status, row["rid"], new_status)
                    self.timers.setdefault(row["rid"], []).append(handle)
        return [recipient_view(row) for row in rows]

    def raw(self, request: EmulatorRequest, profile: EmulatorProfile, secrets: Sequence[str]) -> dict[str, Any]:
        """The request as the inbox shows it: credentials masked (fields, headers, secret values)."""
        key = (profile.id, tuple(secrets))
        redact = self._redactors.get(key)
        if redact is None:  # building one compiles its expressions: keep the recent ones
            if len(self._redactors) >= 256:
                self._redactors.clear()
            redact = self._redactors[key] = Redactor(secrets, fields=profile.secret_fields)
        headers = {k: ("***" if k in _MASKED_HEADERS else redact(v)) for k, v in request.headers.items()}
        target = request.path
        if request.query:
            target += "?" + urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        return {
            "method": request.method,
            "path": redact(target),
            "headers": headers,
            "body": redact(request.body.decode("utf-8", "replace")),
        }

    def change_status(self, rid: int, status: str, *, cancel: bool = False) -> None:
        """Set a recipient's status, tell the inbox, send the provider's report callback."""
        if cancel:
            for handle in self.timers.pop(rid, []):
                handle.cancel()
        found = self.store.recipient_by_id(rid)
        if found is None:  # dropped by the bound (or cleared) before its report was due
            self.timers.pop(rid, None)
            return
        self.store.set_status(rid, status)
        row = dict(found, status=status, updated=dt.datetime.now(dt.timezone.utc).isoformat())
        self.publish("status", {"message": row["message"], "number": row["number"], "status": status})
        if status in ("delivered", "failed", "expired") and not cancel:
            self.timers.pop(rid, None)
        profile = self.by_id.get(row["provider"])
        url = _report_url(row, status, self.settings["report_url"])
        if profile is None or not url:
            return
        try:
            callback = profile.report_callback(recipient_view(row), url)
        except Exception:
            log.exception("profile %s could not build a report callback", profile.id)
            return
        if callback is not None:
            self.callbacks.send(callback, "report")

    def add_inbound(self, provider: str, sender: str, to: str | None, text: str) -> dict[str, Any]:
        item = self.store.add_inbound(provider, as_kept(sender), as_kept(to) if to else None, text)
        self.publish("inbound", item)
        profile = self.by_id.get(provider)
        url = self.settings["inbound_url"]
        if profile is not None and url:
            callback = profile.inbound_callback(_inbound_view(item), url)
            if callback is not None:
                self.callbacks.send(callback, "inbound")
        return item

    async def close(self) -> None:
        self.stopping.set()
        for handles in self.timers.values():
            for handle in handles:
                handle.cancel()
        self.timers.clear()
        for queue in list(self.subscribers):
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(None)
        await self.callbacks.close()
