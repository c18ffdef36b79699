"""The account object host applications use: one provider account, its operations typed.

``Account`` checks every argument (``smsbridge.validation``, and the provider's own rules
through its hooks) before any request, then hands sends to the sending engine
(``smsbridge.sending``) and runs reads and admin operations through the provider's hooks with
its retry policy (``smsbridge.resilience``).  Nothing is sent before every part of the
request is valid: a wrong type or value is a typed error with ``before_request=True``,
never an exception from inside a plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from smsbridge import numbers as _numbers
from smsbridge import sending, validation
from smsbridge.admin_params import convert_admin_params
from smsbridge.config import AccountSettings
from smsbridge.context import ProviderContext
from smsbridge.errors import (
    InvalidMessageError,
    InvalidRecipientError,
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
    Recipient,
    SendResult,
)
from smsbridge.plugins import ProviderHooks
from smsbridge.resilience import RetryPolicy
from smsbridge.results import summarize_run
from smsbridge.sending import SEND_OPTIONS, ChunkSender, LedgerLike, RecipientLike
from smsbridge.text import analyze, is_template
from smsbridge.transport import Redactor, Transport
from smsbridge.validation import items as _items

__all__ = ["SEND_OPTIONS", "Account", "ChunkSender", "LedgerLike", "RecipientLike", "TransportFactory"]

#: builds the transport an account uses from the one its settings describe
TransportFactory = Callable[[Transport], Transport]


def _injected(
    given: Transport | TransportFactory | None, built: Transport, secrets: Sequence[str], fields: Sequence[str]
) -> Transport:
    """The transport an account uses: ``built`` from its settings, unless one was injected."""
    if given is None:
        return built
    transport = given if isinstance(given, Transport) else given(built)
    if transport.redact is not built.redact:  # whatever it keeps or logs is redacted all the same
        transport.redact.add_fields(fields)
        for secret in secrets:
            transport.redact.add(secret)
    return transport


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
        transport: Transport | TransportFactory | None = None,
    ) -> None:
        """``transport``: the HTTP side to use instead of the one built from ``settings`` (a
        test's fake, a recording one): a ``Transport``, or a function given the built one that
        returns the one to use (``FakeTransport(built, replies)`` keeps its timeouts and
        redactor).  An injected transport learns the account's secrets for its redaction."""
        redactor = Redactor(secrets, fields=spec.secret_fields)
        built = Transport(
            spec.id,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.timeout,
            deadline=settings.deadline,
            redactor=redactor,
            rate=settings.rate,
            max_reply_bytes=settings.max_reply_bytes,
            ca_bundle=settings.ca_bundle,
        )
        transport = _injected(transport, built, secrets, spec.secret_fields)
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
        raw, params, ref = validation.recipient_parts(item, provider=self.provider)
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
        reference = validation.check_reference(ref, number=number, raw=raw, provider=self.provider)
        return Recipient(
            number=number, params=params, reference=reference, wire=wire or _numbers.to_digits(number)
        ), wire

    # the account's rules applied by smsbridge.validation's pure checks

    def _check_sender(self, sender: object) -> str | None:
        return validation.check_sender(
            sender, default=self.settings.sender, rule=self.capabilities.sender, provider=self.provider
        )

    def _check_string(self, value: object, what: str) -> str:
        return validation.check_string(value, what, provider=self.provider)

    def _check_text(self, text: object, encoding: str | None) -> None:
        validation.check_text(text, encoding, limit=self.capabilities.max_text_length, provider=self.provider)

    def _identifier(self, value: object, what: str) -> str:
        return validation.identifier(value, what, provider=self.provider)

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
        validation.check_options_mapping(options, provider=self.provider)
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
        validation.check_options(
            message.schedule, message.flash, message.encoding, caps=self.capabilities, provider=self.provider
        )
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
        given = {"sender": sender, "schedule": schedule, "flash": flash, "encoding": encoding, "options": options}
        return sending.ledgered(self, message, text=text, given=given, idempotency_key=idempotency_key, ledger=ledger)

    def _longest_send(self) -> float:
        """How long one ``send`` may take at most (a ledger lease's time to live)."""
        return sending.longest_send(self.settings)

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
                self._check_text(validation.rendered(message.text, r), encoding)
        return message

    # ------------------------------------------------------------------ bulk

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
        return sending.bulk_run(chunks, recipients, workers=workers or self.settings.workers, **options)

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
        return result

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
        validation.check_limit(limit, provider=self.provider)
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
        request = validation.check_callback_query(request, provider=self.provider)
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
        return spec

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
        return result

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
        validation.check_encoding(encoding, provider=self.provider)
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
