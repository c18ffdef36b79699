"""Retries and failover that never send the same SMS twice by accident.

The rule, everywhere: try again (same provider or the next) only when the message was
**certainly not taken**: the connection never opened, or the provider answered a refusal
that means "not taken" (authentication, credit, sender, rate limit, "temporary problem").
After a timeout or a reset once the request had left, the outcome is *unknown*: stop and say
so.  The one exception is a provider that de-duplicates by client id (JorMall's ``id``): the
same provider may be asked again with the same id, and its "duplicate id" answer then means
"accepted on the earlier attempt".

What is retried on the same account (``retries=N`` in the URL, backoff doubling from
``backoff=S`` seconds):

* ``ConnectError`` (nothing left the machine), ``ServiceUnavailableError`` and
  ``RateLimitedError`` (the provider said it took nothing);
* reads (balance, delivery status, inbound, estimate) after any transport failure;
* a send to a de-duplicating provider after an unknown outcome, with the same client id.

What moves a send to the next account of a failover group: any error whose outcome is
``NOT_SENT``.  What never does: ``OUTCOME_UNKNOWN``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from smsbridge.errors import (
    ConfigurationError,
    DuplicateError,
    NotSentError,
    Outcome,
    RateLimitedError,
    ServiceUnavailableError,
    SmsBridgeError,
    TransportError,
    UnreadableReplyError,
)

if TYPE_CHECKING:
    from smsbridge.account import Account
    from smsbridge.models import (
        AdminResult,
        Balance,
        BulkSummary,
        CallbackSpec,
        Capabilities,
        DeliveryReport,
        Estimate,
        InboundMessage,
        Message,
        Recipient,
        SendResult,
    )

__all__ = ["FailoverAccount", "FailoverChunks", "RetryPolicy"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRYABLE_NOT_SENT = (NotSentError, ServiceUnavailableError, RateLimitedError)


@attrs.define
class RetryPolicy:
    """How often and how fast to retry one account's calls; ``retries=0`` switches it off."""

    retries: int = 0
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    def run(
        self,
        call: Callable[[], T],
        *,
        provider: str,
        idempotent: bool = False,
        dedup: bool = False,
        on_duplicate: Callable[[], T] | None = None,
    ) -> T:
        """Call ``call`` until it succeeds or may not be retried; raise the final error.

        Once an attempt may have been taken (its outcome is unknown), the call's outcome can
        never again be "certainly not sent", whatever later attempts answer: a later refusal
        then raises the first unknown-outcome error, with every attempt in ``attempts``.
        """
        delay = self.backoff
        attempt = 0
        failures: list[SmsBridgeError] = []
        while True:
            attempt += 1
            try:
                return call()
            except DuplicateError:
                if attempt > 1 and on_duplicate is not None:
                    log.info("%s: retry answered 'duplicate id': the first attempt was accepted", provider)
                    return on_duplicate()
                raise
            except SmsBridgeError as exc:
                failures.append(exc)
                if attempt > self.retries or not self.retryable(exc, idempotent=idempotent, dedup=dedup):
                    final = _final(failures)
                    if final is exc:
                        raise
                    raise final
                log.warning(
                    "%s: attempt %d failed (%s); retrying in %.2fs", provider, attempt, type(exc).__name__, delay
                )
                self.sleep(delay)
                delay *= 2

    @staticmethod
    def retryable(exc: SmsBridgeError, *, idempotent: bool = False, dedup: bool = False) -> bool:
        if isinstance(exc, _RETRYABLE_NOT_SENT):
            return True
        if idempotent and isinstance(exc, (TransportError, UnreadableReplyError)):
            return True
        return dedup and exc.outcome is Outcome.UNKNOWN


def _final(failures: list[SmsBridgeError]) -> SmsBridgeError:
    """The error a sequence of failed attempts ends with.

    The last one, unless an earlier attempt may have been taken and the last says "not
    sent" (even before its request: the earlier one still may have gone): then the earlier
    one, because "not sent" would let failover send it again.
    """
    last = failures[-1]
    if last.outcome is Outcome.NOT_SENT:
        first_unknown = next((f for f in failures if f.outcome is Outcome.UNKNOWN), None)
        if first_unknown is not None:
            first_unknown.hint = (
                f"{first_unknown.hint}; a later attempt was refused ({type(last).__name__}: {last.message}), "
                "which does not undo the first"
            ).lstrip("; ")
            last = first_unknown
    if len(failures) > 1:
        last.attempts = list(failures)  # type: ignore[attr-defined]
    return last


@attrs.define
class _Health:
    failures: int = 0
    skipped_until: float = 0.0


class FailoverAccount:
    """Several accounts tried in order for sends; reads go to the first healthy one.

    Moves on only after a certainly-not-sent failure.  An account that failed
    ``failures_before_cooldown`` times in a row is skipped for ``cooldown`` seconds, then tried
    again; when every account is cooling down they are all tried anyway, in order.
    """

    def __init__(self, accounts: Sequence[Account], *, clock: Callable[[], float] = time.monotonic) -> None:
        if len(accounts) < 1:
            raise ConfigurationError("a failover group needs at least one account")
        self.accounts = list(accounts)
        self._health = [_Health() for _ in self.accounts]
        self._lock = threading.Lock()
        self._clock = clock

    def __repr__(self) -> str:
        return f"FailoverAccount({', '.join(a.url for a in self.accounts)})"

    @property
    def provider(self) -> str:
        return self.accounts[0].provider

    def close(self) -> None:
        for account in self.accounts:
            account.close()

    def __enter__(self) -> FailoverAccount:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ health

    def _order(self) -> list[int]:
        now = self._clock()
        with self._lock:
            healthy = [i for i, h in enumerate(self._health) if h.skipped_until <= now]
            cooling = [i for i, h in enumerate(self._health) if h.skipped_until > now]
        return healthy + cooling

    def _failed(self, index: int) -> None:
        account = self.accounts[index]
        with self._lock:
            health = self._health[index]
            health.failures += 1
            if health.failures >= account.settings.failures_before_cooldown:
                health.skipped_until = self._clock() + account.settings.cooldown
                health.failures = 0
                log.warning("failover: %s skipped for %.0fs", account.url, account.settings.cooldown)

    def _succeeded(self, index: int) -> None:
        with self._lock:
            self._health[index] = _Health()

    def _try(self, call: Callable[[Account], T]) -> T:
        errors: list[SmsBridgeError] = []
        for index in self._order():
            account = self.accounts[index]
            try:
                result = call(account)
            except SmsBridgeError as exc:
                if exc.outcome is not Outcome.NOT_SENT:
                    raise
                errors.append(exc)
                if not getattr(exc, "before_request", False):
                    self._failed(index)
                log.warning("failover: %s did not take the message (%s); trying the next", account.url, exc)
                continue
            self._succeeded(index)
            return result
        last = errors[-1]
        last.attempts = errors  # type: ignore[attr-defined]
        raise last

    # ------------------------------------------------------------------ operations

    def send(
        self, to: Any, text: str, *, idempotency_key: str | None = None, ledger: Any = None, **kwargs: Any
    ) -> SendResult:
        """Send through the first account that takes it; ``result.provider`` says which.

        ``idempotency_key`` and ``ledger`` as for ``Account.send``: the group's send is
        recorded once, whichever account takes it.
        """
        from smsbridge.ledger.sends import ledgered_send, send_ledger

        store = send_ledger(ledger, idempotency_key)
        if store is None:
            return self._try(lambda account: account.send(to, text, ledger=False, **kwargs))
        from smsbridge.sending import SEND_OPTIONS

        options: dict[str, Any] = {k: kwargs.get(k) for k in SEND_OPTIONS}
        options["flash"] = bool(options["flash"])
        message = self._checked_message(to, text, kwargs.get("client_ref"), options)

        def deliver(checked: Any) -> SendResult:
            again = {**kwargs, "client_ref": checked.client_ref}
            return self._try(lambda account: account.send(list(checked.recipients), text, ledger=False, **again))

        return ledgered_send(
            store,
            message,
            key=idempotency_key,
            provider=self.provider,
            account=_group_url(self),
            text=text,
            options=options,
            deduplicates=False,  # it may have gone to any member: never resent after a crash
            deliver=deliver,
            lease_ttl=sum(a._longest_send() for a in self.accounts),
        )

    def _checked_message(self, to: Any, text: str, client_ref: str | None, options: dict[str, Any]) -> Any:
        """The message as the first account whose rules take it checks it (for the ledger's rows)."""
        errors: list[SmsBridgeError] = []
        for index in self._order():
            try:
                return self.accounts[index]._send_message(to, text, client_ref=client_ref, **options)
            except SmsBridgeError as exc:
                if exc.outcome is not Outcome.NOT_SENT:
                    raise
                errors.append(exc)
        raise errors[-1]

    def chunk_sender(self, text: str, **options: Any) -> FailoverChunks:
        """Chunks for the ledger: each goes to the first account that takes it (see ``iter_bulk_send``)."""
        return FailoverChunks(self, text, options)

    def iter_bulk_send(
        self, recipients: Iterable[Any], text: str, *, workers: int | None = None, **kwargs: Any
    ) -> Iterator[SendResult]:
        """Bulk with failover per chunk, through the ledger like ``Account.iter_bulk_send``.

        Recipients go in chunks no larger than the smallest ``max_recipients`` of the group.
        A chunk that an account took nothing of, because its request was refused
        certainly-unsent, goes whole to the next account; a chunk with anything accepted or
        unknown is final.  Every recipient ends with exactly one receipt.
        """
        yield from self._bulk_run(recipients, text, workers=workers, **kwargs)

    def _bulk_run(
        self, recipients: Iterable[Any], text: str, *, workers: int | None = None, **kwargs: Any
    ) -> Iterable[SendResult]:
        from smsbridge.sending import SEND_OPTIONS, bulk_run

        send_options = {k: kwargs.pop(k) for k in SEND_OPTIONS if k in kwargs}
        chunks = self.chunk_sender(text, **send_options)
        return bulk_run(chunks, recipients, workers=workers or self.accounts[0].settings.workers, **kwargs)

    def bulk_send(
        self,
        recipients: Iterable[Any],
        text: str,
        *,
        on_result: Callable[[SendResult], None] | None = None,
        keep_receipts: bool | None = None,
        **kwargs: Any,
    ) -> BulkSummary:
        """Like ``Account.bulk_send``, with failover per chunk (see ``iter_bulk_send``)."""
        from smsbridge.results import summarize_run

        return summarize_run(self.provider, self._bulk_run(recipients, text, **kwargs), on_result, keep_receipts)

    def balance(self) -> Balance:
        return self._try(lambda a: a.balance())

    # reads, callbacks and admin go to the first account: they are not part of failover

    @property
    def capabilities(self) -> Capabilities:
        return self.accounts[0].capabilities

    def recipient(self, item: Any) -> Recipient:
        return self.accounts[0].recipient(item)

    def prepare(self, text: str, **options: Any) -> Message:
        return self.accounts[0].prepare(text, **options)

    def estimate(self, text: str, to: Any = (), **options: Any) -> Estimate:
        return self.accounts[0].estimate(text, to, **options)

    def delivery_status(self, message_ids: str | Iterable[str]) -> list[DeliveryReport]:
        return self.accounts[0].delivery_status(message_ids)

    def inbound(self, folder: str = "inbox", **options: Any) -> list[InboundMessage]:
        return self.accounts[0].inbound(folder, **options)

    def parse_callback(self, request: Any) -> list[DeliveryReport]:
        return self.accounts[0].parse_callback(request)

    def parse_inbound_callback(self, request: Any) -> list[InboundMessage]:
        return self.accounts[0].parse_inbound_callback(request)

    def callback_spec(self) -> CallbackSpec:
        return self.accounts[0].callback_spec()

    def admin(self, operation: str, **params: Any) -> AdminResult:
        return self.accounts[0].admin(operation, **params)

    def __getattr__(self, name: str) -> Any:
        # reads and admin go to the first account: they are not part of failover
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.accounts[0], name)


class FailoverChunks:
    """A failover group's ``ChunkSender``: a chunk goes to the first account that takes it.

    Each member checks (and rewrites) the text with its own rules, on first use.  A member
    that cannot take the message at all (its rules refuse the sender, say) counts as a
    refusal of the chunk, certainly not sent, and the next one is tried.
    """

    def __init__(self, group: FailoverAccount, text: str, options: dict[str, Any]) -> None:
        self.group = group
        self._text = text
        self._options = options
        self._members: dict[int, Any] = {}
        first = self._member(0)
        if isinstance(first, SmsBridgeError):
            raise first
        self.template = first.template
        self.text = text
        self.options = first.options
        self.provider = group.provider
        self.account_url = _group_url(group)
        self.workers = group.accounts[0].settings.workers
        self.size = min(max(1, a.capabilities.max_recipients) for a in group.accounts)
        self.groups_by_text = _templated(first) and any(not a.capabilities.templating for a in group.accounts)
        self.deduplicates = False  # the chunk may have gone to any member: never resent

    def _member(self, index: int) -> Any:
        if index not in self._members:
            try:
                self._members[index] = self.group.accounts[index].chunk_sender(self._text, **self._options)
            except SmsBridgeError as exc:
                self._members[index] = exc
        return self._members[index]

    def text_for(self, recipient: Any) -> str:
        return self._member(0).text_for(recipient)  # type: ignore[no-any-return]

    def validate(self, items: Iterable[Any]) -> Iterator[Any]:
        return self._member(0).validate(items)  # type: ignore[no-any-return]

    def __call__(
        self, recipients: Sequence[Any], *, client_ref: str | None = None, validated: bool = True
    ) -> list[SendResult]:
        group = self.group
        results: list[SendResult] = []
        for index in group._order():
            member = self._member(index)
            account = group.accounts[index]
            if isinstance(member, SmsBridgeError):
                results = [_refusal(account.provider, recipients, member)]
            else:
                results = member(recipients, validated=validated and index == 0)
            if not _refused_whole(results):
                group._succeeded(index)
                return results
            group._failed(index)
            log.warning("failover: %s refused a chunk of %d; trying the next", account.url, len(recipients))
        return results

    def run(self, recipients: Iterable[Any] | None, *, workers: int, **job: Any) -> Iterable[SendResult]:
        """``bulk_run`` through the group's chunks (what ``Job.resume`` starts)."""
        from smsbridge.sending import bulk_run

        return bulk_run(self, recipients, workers=workers, **job)

    def stream(self, recipients: Iterable[Any], workers: int) -> Iterator[SendResult]:
        """Without a ledger: chunks of the group's size, each through ``__call__``."""
        batch: list[Any] = []
        for item in recipients:
            batch.append(item)
            if len(batch) >= self.size:
                yield from self(batch, validated=False)
                batch = []
        if batch:
            yield from self(batch, validated=False)


def _group_url(group: FailoverAccount) -> str:
    return f"failover({' '.join(a.url for a in group.accounts)})"


def _templated(chunks: Any) -> bool:
    from smsbridge.text import is_template

    return is_template(chunks.template.text)


def _refusal(provider: str, recipients: Sequence[Any], exc: SmsBridgeError) -> SendResult:
    from smsbridge.models import Receipt, ReceiptStatus, SendResult

    def number(r: Any) -> str:
        return str(getattr(r, "number", r))

    return SendResult(
        provider=provider,
        receipts=tuple(
            Receipt(
                number(r), ReceiptStatus.REJECTED, reason=str(exc), code=getattr(exc, "code", None), provider=provider
            )
            for r in recipients
        ),
        details={"error": type(exc).__name__, "requests": 0},
    )


def _refused_whole(results: list[SendResult]) -> bool:
    """True when a request was refused certainly-unsent and nothing was accepted or unknown."""
    from smsbridge.models import ReceiptStatus

    refused = any(r.details.get("error") for r in results)
    clean = all(rc.status is ReceiptStatus.REJECTED for r in results for rc in r.receipts)
    return refused and clean
