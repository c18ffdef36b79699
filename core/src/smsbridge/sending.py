"""The sending engine: from a checked message to provider requests and one receipt per recipient.

What it holds: chunking recipients into requests (``bulk_messages``), templates the provider
cannot fill (rendered here, equal texts grouped), the receipts rule (``checked``: exactly one
per recipient, in order, anything missing unknown), failures turned into receipts
(``request_safe``), concurrency (``concurrent``), the ledger writes of a send
(``ledgered``) and of a bulk run (``bulk_run``), and ``ChunkSender``, the unit the ledger drives.

Rules it keeps, whatever the provider:

* A bulk send reports exactly one receipt per recipient: accepted, rejected (with the reason)
  or unknown.  It streams: the input iterable is read chunk by chunk.  Within a request the
  receipts follow the input order; recipients rejected before any request come in results of
  their own (``details["requests"] == 0``).
* A request is retried only when the provider certainly did not take it, or, for a provider
  that de-duplicates by client id, with the same id (``Account.retry``, see
  ``smsbridge.resilience``).

The functions take the ``Account`` whose hooks, context and rules they use; this module
never imports ``smsbridge.account`` at run time (the account imports it).
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.errors import InvalidRecipientError, Outcome, SmsBridgeError, UnsupportedOperationError
from smsbridge.models import Message, Receipt, ReceiptStatus, Recipient, SendResult
from smsbridge.results import duplicate_result, merge
from smsbridge.text import is_template
from smsbridge.transport import is_foreign
from smsbridge.validation import rendered, shown

if TYPE_CHECKING:
    from smsbridge.account import Account
    from smsbridge.config import AccountSettings

__all__ = [
    "SEND_OPTIONS",
    "ChunkSender",
    "LedgerLike",
    "RecipientLike",
    "bulk_run",
    "deliver",
    "ledgered",
    "longest_send",
    "request_safe",
]

log = logging.getLogger("smsbridge")

RecipientLike = str | Recipient | Mapping[str, Any]
#: the keyword arguments of a send that make the message (the rest are about running it)
SEND_OPTIONS = ("sender", "schedule", "flash", "encoding", "options")
#: a ``Ledger``, a ledger URL, ``None`` (``SMSBRIDGE_LEDGER`` or the default file) or ``False`` (none)
LedgerLike = Any


@attrs.frozen
class Rejected:
    """A recipient refused before any request, with the receipt saying why."""

    receipt: Receipt


# ---------------------------------------------------------------------------- one send


def ledgered(
    account: Account,
    message: Message,
    *,
    text: str,
    given: dict[str, Any],
    idempotency_key: str | None,
    ledger: LedgerLike,
) -> SendResult:
    """Send a checked message, recorded in the ledger when one applies (``Account.send``)."""
    from smsbridge.ledger.sends import send_ledger

    store = send_ledger(ledger, idempotency_key)
    if store is None:
        return deliver(account, with_client_ref(account, message))
    from smsbridge.ledger.sends import ledgered_send

    return ledgered_send(
        store,
        message,
        key=idempotency_key,
        provider=account.provider,
        account=account.url,
        text=text,
        options=given,
        deduplicates=account.capabilities.deduplicates,
        deliver=lambda m: deliver(account, with_client_ref(account, m)),
        lease_ttl=longest_send(account.settings),
    )


def longest_send(s: AccountSettings) -> float:
    """How long one ``send`` may take at most: every attempt's timeouts, backoffs and a margin."""
    attempts = s.retries + 1
    return float((s.connect_timeout + s.timeout) * attempts + s.backoff * 2 ** min(attempts, 16) + 30)


def with_client_ref(account: Account, message: Message) -> Message:
    """A single send to a de-duplicating provider always carries a client id (retries reuse it)."""
    if account.capabilities.deduplicates and message.client_ref is None and len(message.recipients) == 1:
        return attrs.evolve(message, client_ref=uuid.uuid4().hex[:20])
    return message


def deliver(account: Account, message: Message) -> SendResult:
    """Send a checked message: one request, or one a chunk when it is too big for one."""
    recipients = message.recipients
    if len(recipients) == 1 and not (is_template(message.text) and not account.capabilities.templating):
        return send_one(account, message)
    results: list[SendResult] = []
    for chunk in bulk_messages(account, iter(message.recipients), message):
        assert isinstance(chunk, Message)  # every recipient is valid here: no pre-request result
        if results and account.capabilities.deduplicates:  # it would drop a second request with the id
            chunk = attrs.evolve(chunk, client_ref=None)
        if len(chunk.recipients) == 1 and not results:
            results.append(send_one(account, chunk))
        elif not results:
            results.append(request(account, chunk))
        else:
            results.append(request_safe(account, chunk))
    return merge(account.provider, results, message.client_ref)


def send_one(account: Account, message: Message) -> SendResult:
    use_bulk = not account.hooks.implements("smsbridge_send")
    dedup = account.capabilities.deduplicates and message.client_ref is not None

    def attempt() -> SendResult:
        result = account.hooks.bulk_send(account.ctx, message) if use_bulk else account.hooks.send(account.ctx, message)
        return checked(account.provider, message, result)

    return account.retry.run(
        attempt,
        provider=account.provider,
        dedup=dedup,
        on_duplicate=lambda: duplicate_result(account.provider, message),
    )


def request(account: Account, message: Message) -> SendResult:
    """One provider request for ``message``; raises its typed error."""
    if len(message.recipients) == 1 and account.hooks.implements("smsbridge_send"):
        return send_one(account, message)

    def attempt() -> SendResult:
        result = account.hooks.bulk_send(account.ctx, message)
        return checked(account.provider, message, result)

    return account.retry.run(attempt, provider=account.provider, dedup=False)


def request_safe(account: Account, message: Message) -> SendResult:
    """Like ``request`` but a failure becomes one receipt a recipient, never an exception."""
    provider = account.provider
    try:
        return request(account, message)
    except SmsBridgeError as exc:
        status = {
            Outcome.NOT_SENT: ReceiptStatus.REJECTED,
            Outcome.UNKNOWN: ReceiptStatus.UNKNOWN,
            Outcome.ALREADY_ACCEPTED: ReceiptStatus.ACCEPTED,
        }[exc.outcome]
        code = getattr(exc, "code", None)
        refused = exc.outcome is Outcome.NOT_SENT  # the request was refused, not the recipients: retryable
        return SendResult(
            provider=provider,
            receipts=tuple(
                Receipt(r.number, status, reason=str(exc), code=code, provider=provider, retryable=refused)
                for r in message.recipients
            ),
            raw=getattr(exc, "raw", None),
            client_ref=message.client_ref,
            details={"error": type(exc).__name__, "requests": 1},
        )
    except Exception as exc:  # a plugin bug: the request may have left, so: unknown
        if is_foreign(exc):
            raise  # a time limit or signal of the caller's: it decides (the outcome is unknown)
        log.exception("plugin %s failed while sending", provider)
        return SendResult(
            provider=provider,
            receipts=tuple(
                Receipt(
                    r.number,
                    ReceiptStatus.UNKNOWN,
                    reason=f"plugin error: {type(exc).__name__}",
                    provider=provider,
                )
                for r in message.recipients
            ),
            details={"error": type(exc).__name__, "requests": 1},
        )


def checked(provider: str, message: Message, result: SendResult | None) -> SendResult:
    """Exactly one receipt per recipient, in order; anything missing is unknown."""
    if result is None:
        raise UnsupportedOperationError("this provider plugin cannot send", provider=provider)
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
                    provider=provider,
                )
            )
    details = dict(result.details)
    details.setdefault("requests", 1)
    return attrs.evolve(result, receipts=tuple(ordered), details=details)


# ---------------------------------------------------------------------------- bulk


def prepare_stream(
    account: Account, recipients: Iterable[RecipientLike], template: Message
) -> Iterator[Recipient | Rejected]:
    """Each recipient checked by ``account`` (and its filled template text), or its rejection."""
    templated = is_template(template.text)
    for item in recipients:
        try:
            recipient = account.recipient(item)
            if templated:
                account._check_text(rendered(template.text, recipient), template.encoding)
        except SmsBridgeError as exc:
            name = exc.recipient if isinstance(exc, InvalidRecipientError) and exc.recipient else shown(item)
            yield Rejected(
                Receipt(
                    name,
                    ReceiptStatus.REJECTED,
                    reason=str(exc),
                    code=getattr(exc, "code", None),
                    provider=account.provider,
                )
            )
            continue
        yield recipient


def bulk_messages(
    account: Account, stream: Iterator[Recipient | Rejected], template: Message
) -> Iterator[Message | SendResult]:
    """Group recipients into requests; pre-request rejections come out as their own results."""
    provider = account.provider
    size = max(1, account.capabilities.max_recipients)
    own_templates = account.capabilities.templating
    templated = is_template(template.text)
    batch: list[Recipient] = []
    batch_text: str | None = None
    rejected: list[Receipt] = []

    def flush() -> Iterator[Message | SendResult]:
        nonlocal batch, batch_text, rejected
        if rejected:
            yield SendResult(provider=provider, receipts=tuple(rejected), details={"requests": 0})
            rejected = []
        if batch:
            text = template.text if own_templates or batch_text is None else batch_text
            yield attrs.evolve(template, recipients=tuple(batch), text=text)
            batch, batch_text = [], None

    for item in stream:
        if isinstance(item, Rejected):
            rejected.append(item.receipt)
            if len(rejected) >= size and not batch:
                yield from flush()
            continue
        if not own_templates and templated:
            text = rendered(template.text, item)
            item = attrs.evolve(item, params={})
            if batch and text != batch_text:
                yield from flush()
            batch_text = text
        batch.append(item)
        if len(batch) >= size:
            yield from flush()
    yield from flush()


def concurrent(account: Account, stream: Iterator[Message | SendResult], workers: int) -> Iterator[SendResult]:
    """``request_safe`` for each message of ``stream``, ``workers`` at a time, results in order."""
    pending: deque[Future[SendResult] | SendResult] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"smsbridge-{account.provider}") as pool:
        for item in stream:
            pending.append(item if isinstance(item, SendResult) else pool.submit(request_safe, account, item))
            while len(pending) > workers * 2:
                yield _resolve(pending.popleft())
        while pending:
            yield _resolve(pending.popleft())


def _resolve(item: Future[SendResult] | SendResult) -> SendResult:
    return item.result() if isinstance(item, Future) else item


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
        return rendered(self.template.text, recipient) if is_template(self.template.text) else self.template.text

    def validate(self, items: Iterable[RecipientLike]) -> Iterator[Recipient | Receipt]:
        """One answer per item, in order: the normalised recipient, or the receipt rejecting it."""
        for item in prepare_stream(self.account, items, self.template):
            yield item.receipt if isinstance(item, Rejected) else item

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
        stream: Iterator[Recipient | Rejected] = (
            iter(recipients) if validated else prepare_stream(account, recipients, template)
        )
        return [
            item if isinstance(item, SendResult) else request_safe(account, item)
            for item in bulk_messages(account, stream, template)
        ]

    def stream(self, recipients: Iterable[RecipientLike], workers: int) -> Iterator[SendResult]:
        """Send to ``recipients`` without a ledger, streaming: no crash safety, no de-duplication."""
        account = self.account
        messages = bulk_messages(account, prepare_stream(account, recipients, self.template), self.template)
        if workers <= 1:
            for item in messages:
                yield item if isinstance(item, SendResult) else request_safe(account, item)
            return
        yield from concurrent(account, messages, workers)

    def run(self, recipients: Iterable[RecipientLike] | None, *, workers: int, **job: Any) -> Iterable[SendResult]:
        """``bulk_run`` through these chunks (what ``Job.resume`` starts)."""
        return bulk_run(self, recipients, workers=workers, **job)


def bulk_run(
    chunks: Any,
    recipients: Iterable[RecipientLike] | None,
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
