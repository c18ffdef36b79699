"""Typed values that cross the boundary between the core, plugins and host applications.

Outgoing values (``Recipient``, ``Message``) are built by the core after validation; results
(``Receipt``, ``SendResult``, ``Balance``, ``DeliveryReport``, ...) are built by plugins and
keep the redacted raw reply beside the parsed values.  Conversion to plain dicts lives in
``smsbridge.converters``, not here.  Every datetime is timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "AdminOperation",
    "AdminParam",
    "AdminResult",
    "Balance",
    "BulkSummary",
    "CallbackRequest",
    "Capabilities",
    "DeliveryReport",
    "DeliveryStatus",
    "Estimate",
    "InboundMessage",
    "InboundQuery",
    "Message",
    "ProviderSpec",
    "RawReply",
    "Receipt",
    "ReceiptStatus",
    "Recipient",
    "SendResult",
    "SenderRule",
    "TextInfo",
]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


_SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


@attrs.frozen
class RawReply:
    """What the provider really answered.

    The transport hands a plugin the reply as it came, with the account's ``redactor``
    attached, so that the parser reads the real text.  Whatever keeps a reply (an error, a
    result model) keeps ``redacted()``: a copy with every secret of the account hidden in
    body, URL and headers, and no redactor.  The repr is always redacted.
    """

    status: int
    body: str
    content_type: str = ""
    url: str = ""
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping, repr=False)
    truncated: bool = False
    redactor: Callable[[str], str] | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)
    _kept: RawReply | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def redacted(self) -> RawReply:
        """This reply as it may be shown or stored: secrets hidden, no redactor attached."""
        redact = self.redactor
        if redact is None:
            return self
        kept = self._kept
        if kept is None:  # once per reply, however many results keep it
            parts = [self.body, self.url, *self.headers.values()]
            whole = "\x00".join(parts)
            if redact(whole) != whole:  # one pass for the usual case: nothing to hide
                parts = [redact(part) for part in parts]
            body, url, *values = parts
            headers = {
                k: "***" if k.lower() in _SENSITIVE_HEADERS else v for k, v in zip(self.headers, values, strict=True)
            }
            kept = RawReply(self.status, body, self.content_type, url, headers, self.truncated)
            object.__setattr__(self, "_kept", kept)  # a cache, not state: the reply stays frozen
        return kept

    def __repr__(self) -> str:
        body = self.redacted().body
        preview = body if len(body) <= 120 else body[:117] + "..."
        return f"RawReply(status={self.status}, content_type={self.content_type!r}, body={preview!r})"


def _stored(reply: RawReply | None) -> RawReply | None:
    """What a result keeps of a reply: the redacted copy."""
    return reply.redacted() if reply is not None else None


# ---------------------------------------------------------------------------- outgoing


@attrs.frozen
class Recipient:
    """One destination: an E.164 number, or a provider target such as ``@user``/``#group``.

    ``params`` fill the message template for this recipient; ``reference`` is a caller-chosen
    id the provider keeps for it (ASPSMS TRN, JorMall ``id``) where the provider has one.
    """

    number: str
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    reference: str | None = None

    @property
    def is_target(self) -> bool:
        return self.number[:1] in ("@", "#")


@attrs.frozen
class Message:
    """One provider request's worth of sending: a text to 1..max_recipients recipients.

    ``text`` may hold ``{name}`` fields filled from each recipient's ``params``
    (see ``text_for``).  ``client_ref`` is the caller's reference for the whole request
    (AllMySMS CLIMSGID, JorMall ``id`` for a single send).  ``options`` holds
    provider-specific per-message options the plugin documents.
    """

    recipients: tuple[Recipient, ...]
    text: str
    sender: str | None = None
    schedule: dt.datetime | None = None
    flash: bool = False
    client_ref: str | None = None
    encoding: str | None = None  # "gsm7" / "ucs2" forced by the caller; None = detect
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)

    @property
    def is_templated(self) -> bool:
        return any(r.params for r in self.recipients)

    def text_for(self, recipient: Recipient) -> str:
        """The text this recipient receives: a template (a text with ``{name}`` fields) filled
        from its ``params``, any other text as written.  A missing field is a ``KeyError``
        (the core rejects such recipients before any hook sees them)."""
        from smsbridge.text import is_template, render

        if not recipient.params or not is_template(self.text):
            return self.text  # not a template, or already rendered by the core
        return render(self.text, recipient.params)


# ---------------------------------------------------------------------------- results


class ReceiptStatus(str, enum.Enum):
    """What happened to one recipient of a send request."""

    ACCEPTED = "accepted"  # the provider took it (scheduled counts as accepted)
    REJECTED = "rejected"  # certainly not taken for this recipient
    UNKNOWN = "unknown"  # the request's outcome is unknown; do not resend blindly


@attrs.frozen
class Receipt:
    """The outcome for one recipient."""

    recipient: str
    status: ReceiptStatus
    message_id: str | None = None
    reason: str | None = None
    code: str | None = None
    provider: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is ReceiptStatus.ACCEPTED


@attrs.frozen
class SendResult:
    """The outcome of one send request (or of a whole ``send`` call): one receipt a recipient."""

    provider: str
    receipts: tuple[Receipt, ...]
    raw: RawReply | None = attrs.field(default=None, eq=False, converter=_stored)
    client_ref: str | None = None
    scheduled: bool = False
    cost: Decimal | None = None
    details: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping, eq=False)

    @property
    def accepted(self) -> list[Receipt]:
        return [r for r in self.receipts if r.status is ReceiptStatus.ACCEPTED]

    @property
    def rejected(self) -> list[Receipt]:
        return [r for r in self.receipts if r.status is ReceiptStatus.REJECTED]

    @property
    def unknown(self) -> list[Receipt]:
        return [r for r in self.receipts if r.status is ReceiptStatus.UNKNOWN]

    @property
    def ok(self) -> bool:
        """True when every recipient was accepted."""
        return bool(self.receipts) and all(r.accepted for r in self.receipts)

    @property
    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.receipts if r.message_id]


@attrs.frozen
class BulkSummary:
    """The outcome of a whole bulk send: counts always, receipts when they were kept."""

    provider: str
    total: int
    accepted: int
    rejected: int
    unknown: int
    requests: int
    receipts: tuple[Receipt, ...] | None = None

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.accepted == self.total


@attrs.frozen
class Balance:
    amount: Decimal
    unit: str = "credits"
    provider: str | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, converter=_stored)


class DeliveryStatus(str, enum.Enum):
    """Provider-independent delivery state; the provider's own code stays on the report."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        return self in (
            DeliveryStatus.DELIVERED,
            DeliveryStatus.FAILED,
            DeliveryStatus.EXPIRED,
            DeliveryStatus.REJECTED,
        )


@attrs.frozen
class DeliveryReport:
    message_id: str
    status: DeliveryStatus
    recipient: str | None = None
    provider_code: str | None = None
    provider_text: str | None = None
    reason: str | None = None
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    provider: str | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, repr=False, converter=_stored)


@attrs.frozen
class InboundQuery:
    """Filters for inbound messages; a plugin ignores what its provider cannot filter on."""

    folder: str = "inbox"  # provider-specific: "in", "inbox", "sandbox", ...
    since_id: str | None = None
    limit: int | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)


@attrs.frozen
class InboundMessage:
    id: str
    sender: str
    text: str
    recipient: str | None = None
    received_at: dt.datetime | None = None
    keyword: str | None = None
    provider: str | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, repr=False, converter=_stored)


@attrs.frozen
class AdminResult:
    operation: str
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    provider: str | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, repr=False, converter=_stored)


@attrs.frozen
class CallbackRequest:
    """An HTTP request a provider made to the user's callback URL (delivery report webhook)."""

    method: str = "GET"
    query: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    form: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    path: str = "/"


@attrs.frozen
class TextInfo:
    """How a text travels: GSM-7 or UCS-2, how many units, how many segments."""

    encoding: str  # "gsm7" or "ucs2"
    characters: int
    units: int  # septets for gsm7 (extension characters count two), UTF-16 units for ucs2
    segments: int
    per_segment: int
    unsupported: tuple[str, ...] = ()  # characters that forced UCS-2


@attrs.frozen
class Estimate:
    """What a send would cost before sending: the core's count plus the provider's own figure."""

    text: TextInfo
    recipients: int
    segments_total: int
    provider: str | None = None
    provider_cost: Decimal | None = None
    cost_unit: str | None = None
    provider_segments: int | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, repr=False, converter=_stored)


# ---------------------------------------------------------------------------- declarations


@attrs.frozen
class SenderRule:
    """What a provider accepts as sender id (originator / TPOA)."""

    min_length: int = 1
    max_length: int = 11
    pattern: str | None = None  # regex an alphanumeric sender must match in full
    numeric_allowed: bool = True  # a phone number is accepted as sender
    numeric_max_length: int = 16  # digits of a numeric sender (without "+")
    required: bool = False  # the provider needs a sender on every message
    description: str = ""


@attrs.frozen
class AdminParam:
    name: str
    type: str = "str"  # "str", "int", "bool", "decimal", "datetime", "list"
    required: bool = False
    description: str = ""


@attrs.frozen
class AdminOperation:
    name: str
    description: str = ""
    params: tuple[AdminParam, ...] = ()


@attrs.frozen
class Capabilities:
    """What a provider can do and its limits; the core validates and chunks with these."""

    max_recipients: int = 1
    max_text_length: int | None = None
    sender: SenderRule = SenderRule()
    send: bool = True
    bulk_send: bool = False
    balance: bool = False
    delivery_status: bool = False
    inbound: bool = False
    callbacks: bool = False
    estimate: bool = False
    scheduling: bool = False
    flash: bool = False
    unicode: bool = True
    templating: bool = False  # the provider fills per-recipient fields itself
    targets: bool = False  # accepts @user / #group style targets
    deduplicates: bool = False  # a resend with the same client id is ignored by the provider
    admin_operations: tuple[AdminOperation, ...] = ()

    def admin_operation(self, name: str) -> AdminOperation | None:
        for op in self.admin_operations:
            if op.name == name:
                return op
        return None


@attrs.frozen
class ProviderSpec:
    """A provider a plugin offers: what ``smsbridge_providers`` returns, one per provider id.

    ``config_class`` is an attrs class built from the URL's credentials and options (see
    ``smsbridge.config``).  ``secret_fields`` names the wire fields (query, form, JSON/XML
    keys, headers) that carry credentials: the test kit filters them from cassettes.
    ``host_required``: the provider is software people host themselves (playSMS), so
    ``@default`` means nothing and ``connect`` refuses a URL without a host.
    """

    id: str
    config_class: type
    capabilities: Capabilities
    default_host: str
    description: str = ""
    default_path: str = ""
    default_region: str | None = None
    docs_url: str | None = None
    secret_fields: tuple[str, ...] = ()
    host_required: bool = False  # no usual host (self-hosted software): the URL must name one
