"""Typed values that cross the boundary between the core, plugins and host applications.

Outgoing values (``Recipient``, ``Message``) are built by the core after validation; results
(``Receipt``, ``SendResult``, ``Balance``, ``DeliveryReport``, ...) are built by plugins and
keep the redacted raw reply beside the parsed values.  Conversion to plain dicts lives in
``smsbridge.json_output``, not here; ``TextInfo`` is defined beside ``analyze`` in
``smsbridge.text`` (which imports nothing from here) and re-exported.  Every datetime is
timezone-aware.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from smsbridge.text import TextInfo, is_template, render

__all__ = [
    "AdminOperation",
    "AdminParam",
    "AdminResult",
    "Balance",
    "BulkSummary",
    "CallbackKind",
    "CallbackReply",
    "CallbackRequest",
    "CallbackSetup",
    "CallbackSpec",
    "Capabilities",
    "DeliveryReport",
    "DeliveryStatus",
    "Estimate",
    "InboundEvent",
    "InboundMessage",
    "InboundQuery",
    "Message",
    "ProviderSpec",
    "RawReply",
    "Receipt",
    "ReceiptStatus",
    "Recipient",
    "ReportEvent",
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
    ``wire`` is the number as the provider receives it, set when the core validated the
    recipient: what the provider's ``smsbridge_check_recipient`` returned, or by default the
    E.164 digits without ``+`` (``None``: a recipient the core did not validate).
    """

    number: str
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    reference: str | None = None
    wire: str | None = attrs.field(default=None, eq=False)

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
    """The outcome for one recipient.

    ``retryable``: a ``REJECTED`` recipient that was certainly not taken for a reason of the
    request, not of the recipient (the server dropped it from a batch, say): resuming the job
    sends it again.  A plain rejection (a number the provider refuses) is final.
    """

    recipient: str
    status: ReceiptStatus
    message_id: str | None = None
    reason: str | None = None
    code: str | None = None
    provider: str | None = None
    retryable: bool = False

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
    """The outcome of a whole bulk send: counts always, receipts when they were kept.

    With a ledger (the default) the counts describe the whole job ``job``, earlier runs
    included: ``total == accepted + rejected + unknown + pending``.  ``rejected`` counts every
    recipient certainly not taken; ``not_sent`` is the part of it whose request was refused
    as a whole (credit, credentials, rate limit, ...), which resuming the job sends again.
    ``pending`` recipients were not tried yet (the run stopped early).  ``duplicates`` rows
    repeated an earlier row's number and text: they were sent once and count with that row's
    outcome.  ``requests`` counts this run's provider requests.
    """

    provider: str
    total: int
    accepted: int
    rejected: int
    unknown: int
    requests: int
    receipts: tuple[Receipt, ...] | None = None
    pending: int = 0
    not_sent: int = 0
    duplicates: int = 0
    job: str | None = None

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
class ReportEvent:
    """A delivery report the receiver (or the polling backstop) just stored, for host-app hooks.

    ``effect`` says what the ledger did with it: ``final`` (a row reached its final state),
    ``noted`` (a newer interim status on a row), ``orphan`` (no send of that id yet: kept
    24 h and joined when the send is recorded).  Duplicates raise no event.  ``job`` and
    ``seq`` name the ledger row when one matched; ``source`` is ``callback`` (``account`` is
    the receiver's account name) or ``poll`` (``account`` is the account's masked URL).
    """

    account: str
    provider: str
    report: DeliveryReport
    effect: str
    job: str | None = None
    seq: int | None = None
    source: str = "callback"


@attrs.frozen
class InboundEvent:
    """A received message the receiver just stored (a duplicate raises none)."""

    account: str
    provider: str
    message: InboundMessage


@attrs.frozen
class AdminResult:
    operation: str
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    provider: str | None = None
    raw: RawReply | None = attrs.field(default=None, eq=False, repr=False, converter=_stored)


@attrs.frozen
class CallbackRequest:
    """An HTTP request a provider made to the user's callback URL (delivery report webhook).

    ``query`` and ``form`` are decoded (UTF-8); ``body`` is the raw body (JSON is read by the
    plugin); ``headers`` have lower-case names.  For a signature check, ``target`` is the
    request target exactly as the provider sent it (path and query, percent-encoding
    untouched, mount prefix included) and ``url`` the full URL as received: never compare a
    signature against a normalised URL.  ``remote_addr`` is the client's address (through
    trusted proxies only).
    """

    method: str = "GET"
    query: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    form: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    path: str = "/"
    target: str = ""
    url: str = ""
    remote_addr: str | None = None


class CallbackKind(str, enum.Enum):
    """What a provider calls the receiver back for (the route's middle part)."""

    STATUS = "status"  # delivery reports
    INBOUND = "inbound"  # received messages


@attrs.frozen
class CallbackReply:
    """The answer a provider expects when its callback was taken (stored, or a duplicate).

    Anything else may make it retry for ever, or worse: playSMS sends a non-empty body back
    to the sender as an SMS reply.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


@attrs.frozen
class CallbackSetup:
    """How the provider learns the receiver's URL for one kind of callback.

    ``query`` is appended to the receiver URL as written (``TRN=<TRN>&DST=<DST>``: the
    provider substitutes the tags, so they must not be percent-encoded); ``options`` names
    the account URL options the URL goes into when the provider takes it with each request
    (ASPSMS's ``notify_delivered``...); ``where`` tells a person where to enter it otherwise.
    """

    query: str = ""
    options: tuple[str, ...] = ()
    where: str = ""


@attrs.frozen
class CallbackSpec:
    """How a provider calls back: what ``smsbridge_callback_spec`` returns.

    ``kinds`` maps each :class:`CallbackKind` the provider has to its setup.  ``verify`` is the
    provider's signature check (``None``: the provider does not sign its callbacks; the
    receiver's per-account token then authenticates them); it returns ``True`` only for a
    request the provider really signed.  ``reply`` is what the provider expects back;
    ``max_url_length`` the longest URL it takes.
    """

    kinds: Mapping[CallbackKind, CallbackSetup] = attrs.field(converter=_frozen_mapping)
    reply: CallbackReply = CallbackReply()
    verify: Callable[[CallbackRequest], bool] | None = attrs.field(default=None, eq=False, repr=False)
    signature: str = ""  # how the provider signs, in words (docs, ``smsbridge receiver url``)
    max_url_length: int | None = None
    methods: tuple[str, ...] = ("GET", "POST")


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
    callbacks: bool = False  # delivery reports pushed to the receiver (smsbridge_parse_callback)
    inbound_callbacks: bool = False  # received messages pushed to the receiver (smsbridge_parse_inbound_callback)
    estimate: bool = False
    scheduling: bool = False
    max_schedule_days: int = 3653  # how far ahead a schedule may be (ten years); the core refuses later ones
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
    ``known_hosts``: the provider's other documented hosts or domains (``josmsservice.com``);
    with ``default_host`` they are the hosts ``plain_http=yes`` is refused for, each one
    with every subdomain of it, however the host is written (case, trailing dot, full-width).
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
    known_hosts: tuple[str, ...] = ()  # the provider's other hosts or domains (never plain http)

    def is_known_host(self, host: str) -> bool:
        """True when ``host`` is the provider's default host, one of its ``known_hosts`` or under one."""
        name = _host_key(host)
        return any(
            name == known or name.endswith("." + known)
            for known in (_host_key(h) for h in (self.default_host, *self.known_hosts) if h)
        )


def _host_key(host: str) -> str:
    """A host name as DNS (and IDNA, which requests applies) sees it: ``JSON.ASPSMS.COM.``,
    ``ｊｓｏｎ.aspsms.com`` and ``json。aspsms。com`` all become ``json.aspsms.com``."""
    name = unicodedata.normalize("NFKC", host).casefold()
    for dot in ("\u3002", "\uff0e", "\uff61"):  # the full stops IDNA reads as dots
        name = name.replace(dot, ".")
    return name.strip().rstrip(".")
