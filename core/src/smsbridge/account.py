"""The account object host applications use: validation, chunking, retries, dispatch.

Rules this module keeps, whatever the provider:

* Nothing is sent before every part of the request is valid (numbers, sender, text, schedule).
  Every argument of every public method is checked first: a wrong type or value (``sender=12345``,
  a lone surrogate, a schedule in year 9999, a sender with a zero-width or control character) is
  a typed error with ``before_request=True``, never an exception from inside a plugin.
* A bulk send reports exactly one receipt per recipient: accepted, rejected (with the reason)
  or unknown.  It streams: the input iterable is read chunk by chunk.  Within a request the
  receipts follow the input order; recipients rejected before any request come in results of
  their own (``details["requests"] == 0``).
* A request is retried only when the provider certainly did not take it, or, for a provider
  that de-duplicates by client id, with the same id (see ``smsbridge.delivery``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs

from smsbridge import numbers as _numbers
from smsbridge.admin_params import convert_admin_params
from smsbridge.config import AccountSettings
from smsbridge.context import ProviderContext
from smsbridge.delivery import RetryPolicy
from smsbridge.errors import (
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    Outcome,
    SmsBridgeError,
    UnsupportedOperationError,
)
from smsbridge.models import (
    AdminResult,
    Balance,
    BulkSummary,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    Estimate,
    InboundMessage,
    InboundQuery,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    Recipient,
    SendResult,
)
from smsbridge.plugins import ProviderHooks
from smsbridge.text import analyze, invisible_character, is_template, render, unsendable
from smsbridge.transport import Redactor, Transport, is_foreign

__all__ = [
    "SEND_OPTIONS",
    "Account",
    "ChunkSender",
    "LedgerLike",
    "RecipientLike",
    "bulk_run",
    "summarize",
    "summarize_run",
]

log = logging.getLogger("smsbridge")

RecipientLike = str | Recipient | Mapping[str, Any]
#: the keyword arguments of a send that make the message (the rest are about running it)
SEND_OPTIONS = ("sender", "schedule", "flash", "encoding", "options")
#: a ``Ledger``, a ledger URL, ``None`` (``SMSBRIDGE_LEDGER`` or the default file) or ``False`` (none)
LedgerLike = Any

_RECIPIENT_KEYS = ("to", "number", "recipient", "phone")
_ENCODINGS = ("gsm7", "ucs2")
_NUMERIC_SENDER = re.compile(r"\+?[0-9]+")


@attrs.frozen
class _Rejected:
    receipt: Receipt


class Account:
    """One provider account.  Safe to share between threads; close it (or use ``with``)."""

    def __init__(
        self,
        spec: ProviderSpec,
        hooks: ProviderHooks,
        config: Any,
        settings: AccountSettings,
        *,
        masked_url: str,
        secrets: Sequence[str] = (),
    ) -> None:
        redactor = Redactor(secrets, fields=spec.secret_fields)
        transport = Transport(
            spec.id,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.timeout,
            deadline=settings.deadline,
            redactor=redactor,
            rate=settings.rate,
            max_reply_bytes=settings.max_reply_bytes,
            ca_bundle=settings.ca_bundle,
        )
        self.spec = spec
        self.hooks = hooks
        self.settings = settings
        self.url = masked_url
        self._capabilities = hooks.adjust_capabilities(config, spec.capabilities) or spec.capabilities
        self.ctx = ProviderContext(
            spec=spec,
            config=config,
            settings=settings,
            http=transport,
            redact=redactor,
            capabilities=self._capabilities,
        )
        self.retry = RetryPolicy(retries=settings.retries, backoff=settings.backoff)

    # ------------------------------------------------------------------ basics

    @property
    def provider(self) -> str:
        return self.spec.id

    @property
    def capabilities(self) -> Capabilities:
        """The provider's capabilities for this account (a config may adjust them, e.g. batch size)."""
        return self._capabilities

    def __repr__(self) -> str:
        return f"Account(provider={self.provider!r}, url={self.url!r})"

    def close(self) -> None:
        self.ctx.http.close()

    def __enter__(self) -> Account:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ validation

    def _error_kwargs(self) -> dict[str, Any]:
        return {"provider": self.provider, "before_request": True}

    def recipient(self, item: RecipientLike) -> Recipient:
        """Normalise one recipient (E.164, provider rules) or raise ``InvalidRecipientError``."""
        return self._recipient_and_wire(item)[0]

    def wire_number(self, number: str) -> str:
        """``number`` as the provider will receive it on the wire."""
        recipient, wire = self._recipient_and_wire(number)
        return wire or _numbers.to_digits(recipient.number)

    def _recipient_and_wire(self, item: RecipientLike) -> tuple[Recipient, str | None]:
        """The normalised recipient and the provider's wire form (``None``: the default)."""
        if isinstance(item, Recipient):
            raw, params, ref = item.number, dict(item.params), item.reference
            if not isinstance(raw, str):
                raise InvalidRecipientError(
                    f"a Recipient's number must be a string, not {type(raw).__name__}",
                    recipient=repr(raw),
                    **self._error_kwargs(),
                )
        elif isinstance(item, Mapping):
            key = next((k for k in _RECIPIENT_KEYS if k in item), None)
            if key is None:
                raise InvalidRecipientError(
                    f"a recipient record has no number (expected one of {', '.join(_RECIPIENT_KEYS)})",
                    recipient=None,
                    **self._error_kwargs(),
                )
            raw = str(item[key])
            ref = item.get("reference")
            nested = item.get("params")
            params = dict(nested) if isinstance(nested, Mapping) else {}
            params.update(
                {str(k): str(v) for k, v in item.items() if k not in (key, "reference", "params") and v is not None}
            )
        elif isinstance(item, str):
            raw, params, ref = item, {}, None
        else:
            raise InvalidRecipientError(
                f"a recipient must be a string, a Recipient or a mapping, not {type(item).__name__}",
                recipient=repr(item),
                **self._error_kwargs(),
            )
        region = self.settings.region or self.spec.default_region
        number = _numbers.normalize(
            raw,
            region=region,
            provider=self.provider,
            targets=self.capabilities.targets,
            check=self.settings.number_check,
        )
        try:
            wire = self.hooks.check_recipient(self.ctx, number)
        except InvalidRecipientError as exc:
            if exc.recipient is None:
                exc.recipient = raw
            raise
        reference = str(ref) if ref is not None else None
        hidden = invisible_character(reference) if reference is not None else None
        if hidden:
            raise InvalidRecipientError(
                f"the reference {reference!r} of {number} holds {hidden}", recipient=raw, **self._error_kwargs()
            )
        return Recipient(
            number=number, params=params, reference=reference, wire=wire or _numbers.to_digits(number)
        ), wire

    def _check_sender(self, sender: object) -> str | None:
        sender = sender if sender is not None else self.settings.sender
        rule = self.capabilities.sender
        if sender is not None and not isinstance(sender, str):
            raise InvalidSenderError(
                f"the sender must be a string, not {type(sender).__name__}",
                hint='e.g. sender="Shop", or a number as text: sender="41791234567"',
                **self._error_kwargs(),
            )
        if sender is None or sender == "":
            if rule.required:
                raise InvalidSenderError(
                    "this provider needs a sender id: pass sender= or set ?sender= in the account URL",
                    **self._error_kwargs(),
                )
            return None
        hidden = invisible_character(sender)
        if hidden:
            raise InvalidSenderError(
                f"sender {sender!r} contains {hidden}: control and invisible characters are not allowed in a sender",
                hint="type the sender id again as plain visible text",
                **self._error_kwargs(),
            )
        numeric = _NUMERIC_SENDER.fullmatch(sender) is not None
        if numeric and not rule.numeric_allowed:
            raise InvalidSenderError(f"sender {sender!r}: numeric senders are not accepted", **self._error_kwargs())
        if not numeric or not rule.numeric_allowed:
            if not rule.min_length <= len(sender) <= rule.max_length:
                raise InvalidSenderError(
                    f"sender {sender!r} has {len(sender)} characters; this provider takes "
                    f"{rule.min_length}-{rule.max_length}",
                    **self._error_kwargs(),
                )
            if rule.pattern and not re.fullmatch(rule.pattern, sender):
                raise InvalidSenderError(
                    f"sender {sender!r} does not match the provider's rule"
                    + (f": {rule.description}" if rule.description else ""),
                    **self._error_kwargs(),
                )
        elif len(sender.lstrip("+")) > rule.numeric_max_length:
            raise InvalidSenderError(
                f"sender {sender!r} has more than {rule.numeric_max_length} digits", **self._error_kwargs()
            )
        return sender

    def _check_string(self, value: object, what: str) -> str:
        """``value`` as a string that can travel, or ``InvalidMessageError`` naming ``what``."""
        if not isinstance(value, str):
            raise InvalidMessageError(f"{what} must be a string, not {type(value).__name__}", **self._error_kwargs())
        problem = unsendable(value)
        if problem:
            raise InvalidMessageError(f"{what} holds {problem}", **self._error_kwargs())
        return value

    def _check_text(self, text: object, encoding: str | None) -> None:
        text = self._check_string(text, "the text")
        if not text.strip():
            raise InvalidMessageError("the text is empty", **self._error_kwargs())
        limit = self.capabilities.max_text_length
        if limit is not None and len(text) > limit:
            info = analyze(text, encoding=encoding)
            raise InvalidMessageError(
                f"the text has {len(text)} characters ({info.segments} {info.encoding} segments); "
                f"this provider takes at most {limit}",
                **self._error_kwargs(),
            )

    def _check_encoding(self, encoding: object) -> None:
        if encoding is not None and encoding not in _ENCODINGS:
            raise InvalidMessageError(f"unknown encoding {encoding!r}: use gsm7 or ucs2", **self._error_kwargs())

    def _check_options(self, schedule: object, flash: object, encoding: object) -> None:
        caps = self.capabilities
        self._check_encoding(encoding)
        if not isinstance(flash, bool):
            raise InvalidMessageError(f"flash must be True or False, not {flash!r}", **self._error_kwargs())
        if schedule is not None:
            if not caps.scheduling:
                raise UnsupportedOperationError("this provider cannot schedule messages", **self._error_kwargs())
            if not isinstance(schedule, dt.datetime) or schedule.utcoffset() is None:
                raise InvalidMessageError(
                    "the schedule time must be a timezone-aware datetime",
                    hint="e.g. datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)",
                    **self._error_kwargs(),
                )
            now = dt.datetime.now(dt.timezone.utc)
            if schedule <= now:
                raise InvalidMessageError(
                    f"the schedule time {schedule.isoformat()} is in the past", **self._error_kwargs()
                )
            if schedule - now > dt.timedelta(days=caps.max_schedule_days):
                raise InvalidMessageError(
                    f"the schedule time {schedule.isoformat()} is more than {caps.max_schedule_days} days ahead, "
                    f"the most {self.provider} takes",
                    hint="check the year",
                    **self._error_kwargs(),
                )
        if flash and not caps.flash:
            raise UnsupportedOperationError("this provider cannot send flash messages", **self._error_kwargs())

    def _identifier(self, value: object, what: str) -> str:
        """A client reference or message id as the provider gets it: visible, non-empty text."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = self._check_string(value, what)
        hidden = invisible_character(text)
        if not text.strip() or hidden:
            raise InvalidMessageError(
                f"{what} {text!r} " + (f"contains {hidden}" if hidden else "is empty"), **self._error_kwargs()
            )
        return text

    def _check_options_mapping(self, options: object) -> None:
        """Per-message provider options: a mapping with string names; the plugin checks the values' types."""
        if options is not None:
            if not isinstance(options, Mapping):
                raise InvalidMessageError(
                    f"options must be a mapping of option names to values, not {type(options).__name__}",
                    **self._error_kwargs(),
                )
            for key, value in options.items():
                self._check_string(key, "an option name")
                if isinstance(value, str):
                    self._check_string(value, f"option {key!r}")

    def _message(
        self,
        recipients: tuple[Recipient, ...],
        text: str,
        *,
        sender: str | None,
        schedule: dt.datetime | None,
        flash: bool,
        client_ref: str | None,
        encoding: str | None,
        options: Mapping[str, Any] | None,
    ) -> Message:
        self._check_options_mapping(options)
        message = Message(
            recipients=recipients,
            text=text,
            sender=sender,
            schedule=schedule,
            flash=flash,
            client_ref=self._identifier(client_ref, "client_ref") if client_ref is not None else None,
            encoding=encoding,
            options=options or {},
        )
        message = self.hooks.rewrite_message(self.ctx, message)
        assert isinstance(message, Message), "smsbridge_rewrite_message must return a Message or None"
        self._check_options(message.schedule, message.flash, message.encoding)
        self._check_text(message.text, message.encoding)
        return attrs.evolve(message, sender=self._check_sender(message.sender))

    def prepare(
        self,
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Message:
        """The message as ``send`` would hand it to the provider (rewrites applied, every
        check made), without recipients and without sending: for dry runs and previews."""
        return self._message(
            (),
            text,
            sender=sender,
            schedule=schedule,
            flash=flash,
            client_ref=None,
            encoding=encoding,
            options=options,
        )

    # ------------------------------------------------------------------ sending

    def send(
        self,
        to: RecipientLike | Iterable[RecipientLike],
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        client_ref: str | None = None,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        ledger: LedgerLike = None,
    ) -> SendResult:
        """Send ``text`` to one number or a few.

        Everything is validated first: an invalid number raises ``InvalidRecipientError`` and
        nothing is sent.  A refused request raises its typed error when nothing was accepted;
        once something was accepted, later failures become receipts instead, so no outcome
        is lost.  A text with ``{name}`` fields is a template filled from each recipient's
        ``params`` (``{{`` is a literal brace there); any other text goes as written.
        ``client_ref`` travels to providers that keep one (JorMall ``id``,
        AllMySMS CLIMSGID); for a provider that de-duplicates it is generated when missing.

        ``idempotency_key`` (your own id for this message, e.g. a notification id) makes the
        send happen at most once: it is recorded in the ledger with its outcome, and another
        call with the same key sends nothing and returns the recorded outcome (unless the
        earlier attempt was certainly not sent, which is retried).  ``ledger``: where to
        record (a ``Ledger`` or URL; ``None``: ``SMSBRIDGE_LEDGER`` when set or a key is
        given; ``False``: never).
        """
        message = self._send_message(
            to,
            text,
            sender=sender,
            schedule=schedule,
            flash=flash,
            client_ref=client_ref,
            encoding=encoding,
            options=options,
        )
        from smsbridge.ledger.sends import send_ledger

        store = send_ledger(ledger, idempotency_key)
        if store is None:
            return self._deliver(self._with_client_ref(message))
        from smsbridge.ledger.sends import ledgered_send

        given = {"sender": sender, "schedule": schedule, "flash": flash, "encoding": encoding, "options": options}
        return ledgered_send(
            store,
            message,
            key=idempotency_key,
            provider=self.provider,
            account=self.url,
            text=text,
            options=given,
            deduplicates=self.capabilities.deduplicates,
            deliver=lambda m: self._deliver(self._with_client_ref(m)),
            lease_ttl=self._longest_send(),
        )

    def _longest_send(self) -> float:
        """How long one ``send`` may take at most: every attempt's timeouts, backoffs and a margin."""
        s = self.settings
        attempts = s.retries + 1
        return float((s.connect_timeout + s.timeout) * attempts + s.backoff * 2 ** min(attempts, 16) + 30)

    def _send_message(
        self,
        to: RecipientLike | Iterable[RecipientLike],
        text: str,
        *,
        sender: str | None,
        schedule: dt.datetime | None,
        flash: bool,
        client_ref: str | None,
        encoding: str | None,
        options: Mapping[str, Any] | None,
    ) -> Message:
        """The message ``send`` would send, every part checked; raises before any request."""
        items = _items(to)
        if not items:
            raise InvalidRecipientError("no recipient given", recipient=None, **self._error_kwargs())
        recipients = tuple(self.recipient(item) for item in items)
        message = self._message(
            recipients,
            text,
            sender=sender,
            schedule=schedule,
            flash=flash,
            client_ref=client_ref,
            encoding=encoding,
            options=options,
        )
        if is_template(message.text):
            for r in recipients:
                self._check_text(_render(message.text, r), encoding)
        return message

    def _with_client_ref(self, message: Message) -> Message:
        """A single send to a de-duplicating provider always carries a client id (retries reuse it)."""
        if self.capabilities.deduplicates and message.client_ref is None and len(message.recipients) == 1:
            return attrs.evolve(message, client_ref=uuid.uuid4().hex[:20])
        return message

    def _deliver(self, message: Message) -> SendResult:
        """Send a checked message: one request, or one a chunk when it is too big for one."""
        recipients = message.recipients
        if len(recipients) == 1 and not (is_template(message.text) and not self.capabilities.templating):
            return self._send_one(message)
        results: list[SendResult] = []
        for chunk in self._bulk_messages(iter(message.recipients), message):
            assert isinstance(chunk, Message)  # every recipient is valid here: no pre-request result
            if results and self.capabilities.deduplicates:  # it would drop a second request with the id
                chunk = attrs.evolve(chunk, client_ref=None)
            if len(chunk.recipients) == 1 and not results:
                results.append(self._send_one(chunk))
            elif not results:
                results.append(self._request(chunk))
            else:
                results.append(self._request_safe(chunk))
        return _merge(self.provider, results, message.client_ref)

    def _send_one(self, message: Message) -> SendResult:
        use_bulk = not self.hooks.implements("smsbridge_send")
        dedup = self.capabilities.deduplicates and message.client_ref is not None

        def attempt() -> SendResult:
            result = self.hooks.bulk_send(self.ctx, message) if use_bulk else self.hooks.send(self.ctx, message)
            return self._checked(message, result)

        return self.retry.run(
            attempt, provider=self.provider, dedup=dedup, on_duplicate=lambda: duplicate_result(self.provider, message)
        )

    def _request(self, message: Message) -> SendResult:
        """One provider request for ``message``; raises its typed error."""
        if len(message.recipients) == 1 and self.hooks.implements("smsbridge_send"):
            return self._send_one(message)

        def attempt() -> SendResult:
            result = self.hooks.bulk_send(self.ctx, message)
            return self._checked(message, result)

        return self.retry.run(attempt, provider=self.provider, dedup=False)

    def _request_safe(self, message: Message) -> SendResult:
        """Like ``_request`` but a failure becomes one receipt a recipient, never an exception."""
        try:
            return self._request(message)
        except SmsBridgeError as exc:
            status = {
                Outcome.NOT_SENT: ReceiptStatus.REJECTED,
                Outcome.UNKNOWN: ReceiptStatus.UNKNOWN,
                Outcome.ALREADY_ACCEPTED: ReceiptStatus.ACCEPTED,
            }[exc.outcome]
            code = getattr(exc, "code", None)
            refused = exc.outcome is Outcome.NOT_SENT  # the request was refused, not the recipients: retryable
            return SendResult(
                provider=self.provider,
                receipts=tuple(
                    Receipt(r.number, status, reason=str(exc), code=code, provider=self.provider, retryable=refused)
                    for r in message.recipients
                ),
                raw=getattr(exc, "raw", None),
                client_ref=message.client_ref,
                details={"error": type(exc).__name__, "requests": 1},
            )
        except Exception as exc:  # a plugin bug: the request may have left, so: unknown
            if is_foreign(exc):
                raise  # a time limit or signal of the caller's: it decides (the outcome is unknown)
            log.exception("plugin %s failed while sending", self.provider)
            return SendResult(
                provider=self.provider,
                receipts=tuple(
                    Receipt(
                        r.number,
                        ReceiptStatus.UNKNOWN,
                        reason=f"plugin error: {type(exc).__name__}",
                        provider=self.provider,
                    )
                    for r in message.recipients
                ),
                details={"error": type(exc).__name__, "requests": 1},
            )

    def _checked(self, message: Message, result: SendResult | None) -> SendResult:
        """Exactly one receipt per recipient, in order; anything missing is unknown."""
        if result is None:
            raise UnsupportedOperationError("this provider plugin cannot send", provider=self.provider)
        pool: dict[str, deque[Receipt]] = {}
        for receipt in result.receipts:
            pool.setdefault(receipt.recipient, deque()).append(receipt)
        ordered = []
        for r in message.recipients:
            found = pool.get(r.number)
            if found:
                ordered.append(found.popleft())
            else:
                ordered.append(
                    Receipt(
                        r.number,
                        ReceiptStatus.UNKNOWN,
                        reason="the provider's reply did not mention this recipient",
                        provider=self.provider,
                    )
                )
        details = dict(result.details)
        details.setdefault("requests", 1)
        return attrs.evolve(result, receipts=tuple(ordered), details=details)

    # ------------------------------------------------------------------ bulk

    def _prepare_stream(
        self, recipients: Iterable[RecipientLike], template: Message
    ) -> Iterator[Recipient | _Rejected]:
        templated = is_template(template.text)
        for item in recipients:
            try:
                recipient = self.recipient(item)
                if templated:
                    self._check_text(_render(template.text, recipient), template.encoding)
            except SmsBridgeError as exc:
                shown = exc.recipient if isinstance(exc, InvalidRecipientError) and exc.recipient else _shown(item)
                yield _Rejected(
                    Receipt(
                        shown,
                        ReceiptStatus.REJECTED,
                        reason=str(exc),
                        code=getattr(exc, "code", None),
                        provider=self.provider,
                    )
                )
                continue
            yield recipient

    def _bulk_messages(
        self, stream: Iterator[Recipient | _Rejected], template: Message
    ) -> Iterator[Message | SendResult]:
        """Group recipients into requests; pre-request rejections come out as their own results."""
        size = max(1, self.capabilities.max_recipients)
        own_templates = self.capabilities.templating
        templated = is_template(template.text)
        batch: list[Recipient] = []
        batch_text: str | None = None
        rejected: list[Receipt] = []

        def flush() -> Iterator[Message | SendResult]:
            nonlocal batch, batch_text, rejected
            if rejected:
                yield SendResult(provider=self.provider, receipts=tuple(rejected), details={"requests": 0})
                rejected = []
            if batch:
                text = template.text if own_templates or batch_text is None else batch_text
                yield attrs.evolve(template, recipients=tuple(batch), text=text)
                batch, batch_text = [], None

        for item in stream:
            if isinstance(item, _Rejected):
                rejected.append(item.receipt)
                if len(rejected) >= size and not batch:
                    yield from flush()
                continue
            if not own_templates and templated:
                text = _render(template.text, item)
                item = attrs.evolve(item, params={})
                if batch and text != batch_text:
                    yield from flush()
                batch_text = text
            batch.append(item)
            if len(batch) >= size:
                yield from flush()
        yield from flush()

    def chunk_sender(
        self,
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> ChunkSender:
        """What the ledger drives: one request-sized chunk of recipients at a time.

        The text and options are checked (and rewritten by plugins) once, here.
        """
        template = self.prepare(text, sender=sender, schedule=schedule, flash=flash, encoding=encoding, options=options)
        given = {"sender": sender, "schedule": schedule, "flash": flash, "encoding": encoding, "options": options}
        return ChunkSender(self, template, text=text, options=given)

    def iter_bulk_send(
        self,
        recipients: Iterable[RecipientLike],
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        workers: int | None = None,
        job: str | None = None,
        ledger: LedgerLike = None,
        allow_repeats: bool = False,
        resend_unknown: bool = False,
        wait: float | None = None,
    ) -> Iterator[SendResult]:
        """Send to any iterable of recipients; yield one ``SendResult`` per request.

        Recipients may be numbers, ``Recipient`` objects or mappings (``{"to": ..., "name": ...}``)
        whose other keys fill ``{name}`` fields of ``text`` (a literal brace is ``{{``; a
        recipient missing a field is rejected, never sent a raw placeholder).  Invalid
        recipients are reported rejected; the others still go out.  ``workers`` > 1 sends that
        many requests at once.

        Every bulk send goes through the send ledger (``smsbridge.ledger``): the recipients are
        recorded first (streamed, never held in memory), each request's recipients are
        claimed in the ledger before the request leaves and get their outcome after it, so a
        crash or a kill never leads to a second SMS.  ``job`` names the job (generated when
        not given); running the same job again resumes it: recipients with an outcome are not
        sent again, those whose request was in flight at a crash become ``unknown`` (resent
        only through a provider that de-duplicates, with the same client id), unless
        ``resend_unknown``.  The same number with the same text is sent once per job unless
        ``allow_repeats``.  ``ledger``: a ``Ledger``, a ledger URL, ``None`` for
        ``SMSBRIDGE_LEDGER`` or the default file, or ``False`` for no ledger at all (no crash
        safety, no de-duplication: for throw-away sends only).  ``wait``: seconds to wait for
        another run of the same job to finish instead of refusing at once.

        Yields the results of the requests this call makes (and of the rejections it finds);
        recipients settled by an earlier run of the job are not yielded again.
        """
        yield from self._bulk_run(
            recipients,
            text,
            sender=sender,
            schedule=schedule,
            flash=flash,
            encoding=encoding,
            options=options,
            workers=workers,
            job=job,
            ledger=ledger,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
        )

    def _bulk_run(
        self, recipients: Iterable[RecipientLike], text: str, *, workers: int | None = None, **options: Any
    ) -> Iterable[SendResult]:
        chunks = self.chunk_sender(text, **{k: options.pop(k) for k in SEND_OPTIONS if k in options})
        return bulk_run(chunks, recipients, workers=workers or self.settings.workers, **options)

    def _concurrent(self, stream: Iterator[Message | SendResult], workers: int) -> Iterator[SendResult]:
        pending: deque[Future[SendResult] | SendResult] = deque()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"smsbridge-{self.provider}") as pool:
            for item in stream:
                pending.append(item if isinstance(item, SendResult) else pool.submit(self._request_safe, item))
                while len(pending) > workers * 2:
                    yield _resolve(pending.popleft())
            while pending:
                yield _resolve(pending.popleft())

    def bulk_send(
        self,
        recipients: Iterable[RecipientLike],
        text: str,
        *,
        on_result: Callable[[SendResult], None] | None = None,
        keep_receipts: bool | None = None,
        **kwargs: Any,
    ) -> BulkSummary:
        """Send to every recipient and sum up (see ``iter_bulk_send`` for the options).

        ``on_result`` sees each request's result as it completes; receipts are kept in the
        summary unless ``keep_receipts=False`` (the default when ``on_result`` is given, so
        memory stays flat for any number of recipients).  With a ledger the summary counts
        the whole job, earlier runs included, and its receipts come from the ledger.
        """
        return summarize_run(self.provider, self._bulk_run(recipients, text, **kwargs), on_result, keep_receipts)

    # ------------------------------------------------------------------ other operations

    def _unsupported(self, what: str) -> UnsupportedOperationError:
        return UnsupportedOperationError(f"{self.provider} has no {what}", **self._error_kwargs())

    def balance(self) -> Balance:
        if not self.capabilities.balance:
            raise self._unsupported("balance operation")
        result = self.retry.run(lambda: self.hooks.balance(self.ctx), provider=self.provider, idempotent=True)
        if result is None:
            raise self._unsupported("balance operation")
        return result  # type: ignore[no-any-return]

    def delivery_status(self, message_ids: str | Iterable[str]) -> list[DeliveryReport]:
        ids = [self._identifier(i, "message id") for i in _items(message_ids)]
        if not self.capabilities.delivery_status:
            raise self._unsupported("delivery status")
        if not ids:
            return []
        result = self.retry.run(
            lambda: self.hooks.delivery_status(self.ctx, ids), provider=self.provider, idempotent=True
        )
        if result is None:
            raise self._unsupported("delivery status")
        return list(result)

    def inbound(
        self, folder: str = "inbox", *, since_id: str | None = None, limit: int | None = None, **options: Any
    ) -> list[InboundMessage]:
        if not self.capabilities.inbound:
            raise self._unsupported("inbound messages")
        if not self._check_string(folder, "the folder").strip():
            raise InvalidMessageError("the folder is empty", **self._error_kwargs())
        if since_id is not None:
            since_id = self._identifier(since_id, "since_id")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise InvalidMessageError(
                f"limit must be a whole number of 1 or more, not {limit!r}", **self._error_kwargs()
            )
        for key, value in options.items():
            if isinstance(value, str):
                self._check_string(value, f"option {key!r}")
        query = InboundQuery(folder=folder, since_id=since_id, limit=limit, options=options)
        result = self.retry.run(lambda: self.hooks.inbound(self.ctx, query), provider=self.provider, idempotent=True)
        if result is None:
            raise self._unsupported("inbound messages")
        return list(result)

    def parse_callback(self, request: CallbackRequest | Mapping[str, str]) -> list[DeliveryReport]:
        """Delivery reports from a request the provider made to your callback URL."""
        if not self.capabilities.callbacks:
            raise self._unsupported("delivery-report callbacks")
        if not isinstance(request, CallbackRequest):
            if not isinstance(request, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in request.items()
            ):
                raise InvalidMessageError(
                    "a callback is a CallbackRequest or the mapping of its query parameters (strings to strings)",
                    **self._error_kwargs(),
                )
            request = CallbackRequest(query=dict(request))
        result = self.hooks.parse_callback(self.ctx, request)
        if result is None:
            raise self._unsupported("delivery-report callbacks")
        return list(result)

    def callback_spec(self) -> CallbackSpec:
        """How the provider calls back (kinds, URL setup, signature check, expected reply).

        Raises ``ConfigurationError`` when the account lacks a secret its signature check
        needs, and ``UnsupportedOperationError`` for a provider that makes no callbacks.
        """
        caps = self.capabilities
        if not (caps.callbacks or caps.inbound_callbacks):
            raise self._unsupported("callbacks")
        spec = self.hooks.callback_spec(self.ctx)
        if spec is None:
            raise self._unsupported("callback declaration (smsbridge_callback_spec) in its plugin")
        return spec  # type: ignore[no-any-return]

    def parse_inbound_callback(self, request: CallbackRequest | Mapping[str, str]) -> list[InboundMessage]:
        """Received messages from a request the provider made to your inbound callback URL."""
        if not self.capabilities.inbound_callbacks:
            raise self._unsupported("inbound-message callbacks")
        if not isinstance(request, CallbackRequest):
            request = CallbackRequest(query=dict(request))
        result = self.hooks.parse_inbound_callback(self.ctx, request)
        if result is None:
            raise self._unsupported("inbound-message callbacks")
        return list(result)

    def admin(self, operation: str, **params: Any) -> AdminResult:
        """Run a named operation the provider declares (see ``capabilities.admin_operations``)."""
        declared = self.capabilities.admin_operation(operation) if isinstance(operation, str) else None
        if declared is None:
            known = ", ".join(op.name for op in self.capabilities.admin_operations) or "none"
            raise UnsupportedOperationError(
                f"unknown operation {operation!r}; {self.provider} has: {known}", **self._error_kwargs()
            )
        names = {p.name for p in declared.params}
        unknown = sorted(set(params) - names)
        if unknown:
            raise InvalidMessageError(
                f"{operation}: unknown parameter(s) {', '.join(unknown)}; takes: {', '.join(sorted(names)) or 'none'}",
                provider=self.provider,
                before_request=True,
            )
        missing = [p.name for p in declared.params if p.required and params.get(p.name) in (None, "")]
        if missing:
            raise InvalidMessageError(
                f"{operation}: missing required parameter(s) {', '.join(missing)}",
                provider=self.provider,
                before_request=True,
            )
        for name, value in params.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str):  # the plugin checks types; text that cannot travel is the core's
                    self._check_string(item, f"{operation}: parameter {name!r}")
        params = convert_admin_params(declared, params, provider=self.provider)
        result = self.retry.run(lambda: self.hooks.admin(self.ctx, operation, dict(params)), provider=self.provider)
        if result is None:
            raise self._unsupported(f"operation {operation!r} in its plugin")
        return result  # type: ignore[no-any-return]

    def estimate(
        self,
        text: str,
        to: RecipientLike | Iterable[RecipientLike] = (),
        *,
        sender: str | None = None,
        encoding: str | None = None,
        provider_cost: bool = True,
    ) -> Estimate:
        """Encoding, segments and, where the provider can tell, its own cost, without sending."""
        self._check_string(text, "the text")
        self._check_encoding(encoding)
        recipients = tuple(self.recipient(i) for i in _items(to if to is not None else ()))
        info = analyze(text, encoding=encoding)
        estimate = Estimate(
            text=info,
            recipients=len(recipients),
            segments_total=info.segments * max(1, len(recipients)),
            provider=self.provider,
        )
        if provider_cost and self.capabilities.estimate and recipients:
            message = self._message(
                recipients,
                text,
                sender=sender,
                schedule=None,
                flash=False,
                client_ref=None,
                encoding=encoding,
                options=None,
            )
            theirs = self.retry.run(
                lambda: self.hooks.estimate(self.ctx, message), provider=self.provider, idempotent=True
            )
            if theirs is not None:
                estimate = attrs.evolve(
                    estimate,
                    provider_cost=theirs.provider_cost,
                    cost_unit=theirs.cost_unit,
                    provider_segments=theirs.provider_segments,
                    raw=theirs.raw,
                )
        return estimate


class ChunkSender:
    """Sends one request-sized chunk of recipients through an account: the unit the ledger claims.

    ``size`` is the most recipients one request takes; when ``groups_by_text`` every
    recipient of a chunk must receive the same text (the provider fills no per-recipient
    fields, so the core renders them and groups equal texts).  ``deduplicates``: a resend
    with the same ``client_ref`` is ignored by the provider (single sends only).
    """

    def __init__(
        self, account: Account, template: Message, *, text: str | None = None, options: Mapping[str, Any] | None = None
    ) -> None:
        self.account = account
        self.template = template
        self.text = template.text if text is None else text  # as the caller gave it (a job's identity)
        self.options = dict(options or {})
        caps = account.capabilities
        self.provider = account.provider
        self.account_url = account.url
        self.workers = account.settings.workers
        self.size = max(1, caps.max_recipients)
        self.groups_by_text = not caps.templating and is_template(template.text)
        self.deduplicates = caps.deduplicates

    def text_for(self, recipient: Recipient) -> str:
        """The text ``recipient`` receives (the template filled in)."""
        return _render(self.template.text, recipient) if is_template(self.template.text) else self.template.text

    def validate(self, items: Iterable[RecipientLike]) -> Iterator[Recipient | Receipt]:
        """One answer per item, in order: the normalised recipient, or the receipt rejecting it."""
        for item in self.account._prepare_stream(items, self.template):
            yield item.receipt if isinstance(item, _Rejected) else item

    def __call__(
        self, recipients: Sequence[Recipient], *, client_ref: str | None = None, validated: bool = True
    ) -> list[SendResult]:
        """Send ``recipients`` (at most ``size``, one text when ``groups_by_text``): one result a request.

        ``validated``: the recipients were checked by this account already (skip it again).
        ``client_ref`` travels with a single recipient (a de-duplicating provider's id).
        Never raises for a provider or transport failure: it becomes receipts.
        """
        account = self.account
        template = self.template if client_ref is None else attrs.evolve(self.template, client_ref=client_ref)
        stream: Iterator[Recipient | _Rejected] = (
            iter(recipients) if validated else account._prepare_stream(recipients, template)
        )
        return [
            item if isinstance(item, SendResult) else account._request_safe(item)
            for item in account._bulk_messages(stream, template)
        ]

    def stream(self, recipients: Iterable[RecipientLike], workers: int) -> Iterator[SendResult]:
        """Send to ``recipients`` without a ledger, streaming: no crash safety, no de-duplication."""
        account = self.account
        messages = account._bulk_messages(account._prepare_stream(recipients, self.template), self.template)
        if workers <= 1:
            for item in messages:
                yield item if isinstance(item, SendResult) else account._request_safe(item)
            return
        yield from account._concurrent(messages, workers)


def bulk_run(
    chunks: Any,
    recipients: Iterable[RecipientLike],
    *,
    workers: int,
    ledger: LedgerLike = None,
    **job: Any,
) -> Iterable[SendResult]:
    """The results of a bulk send through ``chunks`` (a ``ChunkSender`` or a failover group's),
    through the ledger unless ``ledger is False``."""
    if ledger is False:
        return chunks.stream(recipients, workers)  # type: ignore[no-any-return]
    from smsbridge.ledger.runner import JobRun

    return JobRun(chunks, recipients, workers=workers, ledger=ledger, **job)


def summarize_run(
    provider: str,
    results: Iterable[SendResult],
    on_result: Callable[[SendResult], None] | None = None,
    keep_receipts: bool | None = None,
) -> BulkSummary:
    """``summarize`` the results of a run; a ledgered run's summary then describes its whole job."""
    summary = summarize(provider, results, on_result, keep_receipts)
    job_summary = getattr(results, "job_summary", None)
    return job_summary(summary) if callable(job_summary) else summary


def summarize(
    provider: str,
    results: Iterable[SendResult],
    on_result: Callable[[SendResult], None] | None = None,
    keep_receipts: bool | None = None,
) -> BulkSummary:
    """Count the outcomes of a stream of results, passing each to ``on_result`` as it comes."""
    keep = keep_receipts if keep_receipts is not None else on_result is None
    kept: list[Receipt] = []
    counts = dict.fromkeys(ReceiptStatus, 0)
    requests = 0
    for result in results:
        requests += int(result.details.get("requests", 1))
        for receipt in result.receipts:
            counts[receipt.status] += 1
        if keep:
            kept.extend(result.receipts)
        if on_result is not None:
            on_result(result)
    return BulkSummary(
        provider=provider,
        total=sum(counts.values()),
        accepted=counts[ReceiptStatus.ACCEPTED],
        rejected=counts[ReceiptStatus.REJECTED],
        unknown=counts[ReceiptStatus.UNKNOWN],
        requests=requests,
        receipts=tuple(kept) if keep else None,
    )


def _render(text: str, recipient: Recipient) -> str:
    try:
        return render(text, recipient.params)
    except KeyError as exc:
        raise InvalidMessageError(
            f"the template needs field {exc.args[0]!r} for {recipient.number}",
            recipient=recipient.number,
            before_request=True,
        ) from None
    except ValueError as exc:  # smsbridge.text.TemplateError: malformed, or too long once filled
        raise InvalidMessageError(str(exc), recipient=recipient.number, before_request=True) from None


def _items(value: Any) -> list[Any]:
    """One item (a string, a mapping, a ``Recipient``, anything not iterable) or the items of an iterable."""
    if isinstance(value, (str, bytes, Recipient, Mapping)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _shown(item: Any) -> str:
    if isinstance(item, Recipient):
        return item.number
    if isinstance(item, Mapping):
        return str(next((item[k] for k in _RECIPIENT_KEYS if k in item), item))
    return str(item)


def _resolve(item: Future[SendResult] | SendResult) -> SendResult:
    return item.result() if isinstance(item, Future) else item


def duplicate_result(provider: str, message: Message) -> SendResult:
    """The result of a resend that the provider ignored as a duplicate id: accepted earlier."""
    return SendResult(
        provider=provider,
        receipts=tuple(
            Receipt(
                r.number,
                ReceiptStatus.ACCEPTED,
                message_id=message.client_ref,
                reason="accepted on an earlier attempt: the retry was ignored as a duplicate id",
                provider=provider,
            )
            for r in message.recipients
        ),
        client_ref=message.client_ref,
        details={"duplicate_of_earlier_attempt": True},
    )


def _merge(provider: str, results: list[SendResult], client_ref: str | None) -> SendResult:
    if len(results) == 1:
        return results[0]
    return SendResult(
        provider=provider,
        receipts=tuple(r for res in results for r in res.receipts),
        raw=results[-1].raw,
        client_ref=client_ref,
        scheduled=any(r.scheduled for r in results),
        details={"requests": sum(int(r.details.get("requests", 1)) for r in results)},
    )
