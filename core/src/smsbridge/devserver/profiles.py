"""Emulator profiles: how ``smsbridge dev`` answers one provider's real wire API.

A profile is framework-agnostic on purpose: a plugin ships one (``emulator.py``, returned by the
``smsbridge_emulator_profiles`` hook) without importing the web server.  The dev server turns
each HTTP request into an :class:`EmulatorRequest`, asks the profiles in turn which one
:meth:`~EmulatorProfile.matches` it, and hands it to that profile's
:meth:`~EmulatorProfile.handle` with an :class:`EmulatorApi`: the server's store (messages,
statuses, balance, inbound queue).  The profile answers an :class:`EmulatorResponse` in the
provider's own format, and builds the provider's own callback requests
(:meth:`~EmulatorProfile.report_callback`, :meth:`~EmulatorProfile.inbound_callback`) that the
server sends to the host application's receiver.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qs

import attrs

__all__ = [
    "EMULATOR_STATUSES",
    "WRONG_PASSWORD",
    "EmulatedMessage",
    "EmulatedRecipient",
    "EmulatorApi",
    "EmulatorCallback",
    "EmulatorInbound",
    "EmulatorProfile",
    "EmulatorRequest",
    "EmulatorResponse",
]

#: the password every profile answers with the provider's authentication error
WRONG_PASSWORD = "wrong"

#: the statuses a recipient goes through in the emulator
EMULATOR_STATUSES = ("accepted", "rejected", "delivered", "failed", "expired", "delayed")


def _multi(value: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    return {k: list(v) for k, v in (value or {}).items()}


@attrs.frozen
class EmulatorRequest:
    """One HTTP request to the emulator: the parts a provider API reads, nothing of the server.

    ``query`` and ``form`` are multi-dicts (every value of a repeated name, in order);
    ``headers`` have lower-case names.  ``form`` holds the URL-encoded body, when there is one.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = attrs.field(factory=dict, converter=_multi)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""
    form: Mapping[str, list[str]] = attrs.field(factory=dict, converter=_multi)

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes) -> EmulatorRequest:
        """A request from its raw parts (the form is read from an URL-encoded body)."""
        path, _, query = target.partition("?")
        lowered = {k.lower(): v for k, v in headers.items()}
        form: dict[str, list[str]] = {}
        if "application/x-www-form-urlencoded" in lowered.get("content-type", "") and body:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return cls(method.upper(), path, parse_qs(query, keep_blank_values=True), lowered, body, form)

    def arg(self, name: str, default: str | None = None, *, nocase: bool = False) -> str | None:
        """The first value of ``name`` in the query, else in the form (``nocase``: any letter case)."""
        for source in (self.query, self.form):
            if nocase:
                for key, values in source.items():
                    if key.lower() == name.lower() and values:
                        return values[0]
            elif source.get(name):
                return source[name][0]
        return default

    def json(self) -> Any:
        """The body as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


@attrs.frozen
class EmulatorResponse:
    """What the profile answers: status, body and content type, as the provider sends them."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def of_json(
        cls, data: Any, status: int = 200, content_type: str = "application/json; charset=utf-8"
    ) -> EmulatorResponse:
        return cls(status, json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), content_type)

    @classmethod
    def of_text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> EmulatorResponse:
        return cls(status, text.encode("utf-8"), content_type)


@attrs.frozen
class EmulatorCallback:
    """A request the emulator makes to the host application, as the provider would make it."""

    method: str
    url: str
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class EmulatedRecipient:
    """One recipient of a stored message, as status polls and reports see it."""

    message: int  # the stored message's id (the inbox's)
    number: str
    message_id: str | None
    status: str
    created: dt.datetime
    updated: dt.datetime
    report_url: str | None = None
    text: str = ""
    sender: str | None = None


@attrs.frozen
class EmulatedMessage:
    """What a send request carried, for :meth:`EmulatorApi.store_message`."""

    provider: str
    account: str
    text: str
    recipients: Sequence[tuple[str, str | None]]  # (number as sent, provider message id or None)
    sender: str | None = None
    flash: bool = False
    scheduled: str | None = None  # the schedule as the request wrote it (shown in the inbox)
    scheduled_at: dt.datetime | None = None  # the same, read (aware): reports wait until then
    report_url: str | None = None  # where this message's reports go (else the server's setting)
    #: per status (``delivered``, ``failed``...), for providers that take one URL per outcome
    #: (ASPSMS); a status the mapping leaves out gets no callback when the mapping is not empty
    report_urls: Mapping[str, str] = attrs.field(factory=dict)
    encoding: str | None = None  # "gsm7" / "ucs2" when the request says; else the text decides
    secrets: Sequence[str] = ()  # values to hide in the kept raw request (passwords, tokens)


@attrs.frozen
class EmulatorInbound:
    """A received message waiting in the emulator's inbound queue."""

    id: int
    provider: str
    sender: str
    to: str | None
    text: str
    created: dt.datetime


class EmulatorApi(Protocol):
    """What a profile may ask of the emulator while it answers a request."""

    def store_message(self, message: EmulatedMessage) -> list[EmulatedRecipient]:
        """Keep a message the provider took; one recipient a number, with its message id.

        A recipient given no message id gets a fresh numeric one.  Delivery reports are
        scheduled for it (magic numbers, rules), unless the request is answered with a fault
        that means "not taken", in which case every recipient is kept as ``rejected``.
        """
        ...

    def lookup(self, provider: str, message_id: str) -> EmulatedRecipient | None:
        """The recipient a message id was given to, with its current status."""
        ...

    def new_id(self) -> int:
        """A fresh number for a provider message id (increasing, never reused in a run)."""
        ...

    def balance(self, provider: str, account: str) -> Decimal:
        """The account's credits: a start amount, less one credit per segment sent."""
        ...

    def inbound(self, provider: str, *, since_id: int = 0, limit: int = 100) -> list[EmulatorInbound]:
        """Received messages for ``provider`` with an id above ``since_id``, oldest first."""
        ...

    def report_url(self) -> str | None:
        """The report URL setting (where reports go when the send request names none)."""
        ...


class EmulatorProfile:
    """One provider's wire API in the emulator; subclass and override what the provider has.

    ``id`` is the provider id (``aspsms``); ``example_url`` an account URL for the emulator with
    ``{host}`` where ``127.0.0.1:8025`` goes; ``secret_fields`` the wire fields whose values are
    masked in the kept raw request.
    """

    id: str = ""
    name: str = ""
    example_url: str = ""
    secret_fields: tuple[str, ...] = ()

    def matches(self, request: EmulatorRequest) -> bool:
        """Whether this request is for this provider's API (by path, then by what it carries)."""
        raise NotImplementedError

    def operation(self, request: EmulatorRequest) -> str:
        """``send``, ``balance``, ``status``, ``inbound`` or ``admin``: what fault rules match on."""
        return "send"

    def recipients(self, request: EmulatorRequest) -> list[str]:
        """The numbers a send request addresses (for fault rules naming a recipient)."""
        return []

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        """Answer the request as the provider does."""
        raise NotImplementedError

    def fault_response(self, kind: str, request: EmulatorRequest) -> EmulatorResponse | None:
        """The provider's own answer for ``refuse``, ``rate_limited`` or ``no_credit``; ``None``: generic."""
        return None

    def report_callback(self, recipient: EmulatedRecipient, url: str) -> EmulatorCallback | None:
        """The provider's delivery-report request for ``recipient``'s current status, to ``url``."""
        return None

    def inbound_callback(self, message: EmulatorInbound, url: str) -> EmulatorCallback | None:
        """The provider's received-message request to ``url``; ``None`` when it has none."""
        return None
