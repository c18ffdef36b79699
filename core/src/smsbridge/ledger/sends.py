"""Single sends through the ledger: at most once per idempotency key, with the outcome kept.

A ledgered ``send`` is a job of kind ``send`` whose id is ``send:<key>`` (your notification
id, an OTP request id) or a generated one.  It follows the bulk rules, on a small scale: the
recipients are recorded, claimed before the request, settled after.  Calling ``send`` again
with the same key therefore never sends again while an outcome exists: it returns the
recorded outcome, as a ``SendResult`` with ``details["replayed"]``.  The exception is an
attempt that was certainly not sent (the request was refused whole): that one is retried.
A claim left by a crash is ``unknown`` (or sent again with its stored client id through a
provider that de-duplicates, which is safe); a send with the same key running at the same
moment elsewhere makes the second one fail with ``JobBusyError`` before it sends.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from smsbridge.errors import ConfigurationError, DuplicateError, JobBusyError, Outcome, SmsBridgeError
from smsbridge.ledger.lease import describe_owner, new_owner
from smsbridge.ledger.models import JobSpec, LedgerRow, RowOutcome
from smsbridge.ledger.runner import STALE_REASON, job_options, new_job_id, outcomes_of
from smsbridge.ledger.states import RowState
from smsbridge.ledger.store import Ledger
from smsbridge.models import Message, SendResult

__all__ = ["KEY_PREFIX", "ledgered_send", "send_ledger"]

log = logging.getLogger("smsbridge.ledger")

KEY_PREFIX = "send:"

_ERROR_STATE = {
    Outcome.NOT_SENT: RowState.NOT_SENT,
    Outcome.UNKNOWN: RowState.UNKNOWN,
    Outcome.ALREADY_ACCEPTED: RowState.ACCEPTED,
}


def send_ledger(ledger: Any, key: str | None) -> Ledger | None:
    """The ledger a single send records in, or ``None`` for an unrecorded send.

    ``ledger=False``: none (an idempotency key then is a mistake); a ``Ledger`` or URL: that
    one; ``None``: ``SMSBRIDGE_LEDGER`` when it is set, or the default ledger when a key is
    given, else none.
    """
    from smsbridge.ledger.opening import LEDGER_ENV, resolve_ledger

    if ledger is False:
        if key is not None:
            raise ConfigurationError("an idempotency key needs a ledger to keep it in; do not pass ledger=False")
        return None
    if ledger is None and key is None and not os.environ.get(LEDGER_ENV, "").strip():
        return None
    return resolve_ledger(ledger)


def ledgered_send(
    ledger: Ledger,
    message: Message,
    *,
    key: str | None,
    provider: str,
    account: str,
    text: str,
    options: Mapping[str, Any],
    deduplicates: bool,
    deliver: Callable[[Message], SendResult],
    lease_ttl: float = 120.0,
) -> SendResult:
    """Send ``message`` (already checked) once per ``key``, recording it in ``ledger``.

    ``lease_ttl``: how long a send may take at most (its timeouts and retries); a call with
    the same key meanwhile is refused as in progress, unless the sending process is gone.
    """
    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise ConfigurationError("an idempotency key is a non-empty string")
    job = f"{KEY_PREFIX}{key}" if key is not None else new_job_id("send")
    stored = job_options(options, allow_repeats=True)
    stored["to"] = [r.number for r in message.recipients]
    spec = JobSpec(id=job, provider=provider, account=account, text=text, options=stored, kind="send")
    single = len(message.recipients) == 1
    ref = message.client_ref
    if ref is None and deduplicates and single:
        ref = uuid.uuid4().hex[:20]
    attempt = uuid.uuid4().hex
    owner = new_owner()
    if ledger.begin_send(spec, message.recipients, attempt, client_ref=ref, owner=owner, ttl=lease_ttl):
        return _attempt(ledger, job, provider, owner, attempt, message, ref, deliver)
    # the key was used before: what became of that send?
    ledger.open_job(spec)  # the same message, or JobMismatchError
    holder = ledger.acquire_lease(job, owner, lease_ttl)
    if holder is not None:
        raise JobBusyError(
            f"a send with idempotency key {key!r} is in progress in {describe_owner(holder)}; it is not sent again",
            holder=holder,
            hint="wait for it to finish, then ask again: the recorded outcome is returned",
        )
    try:
        return _again(ledger, job, provider, owner, message, ref, deduplicates, deliver)
    except BaseException:
        ledger.release_lease(job, owner)  # the outcome was recorded without it, or nothing was done
        raise


def _again(
    ledger: Ledger,
    job: str,
    provider: str,
    owner: str,
    message: Message,
    ref: str | None,
    deduplicates: bool,
    deliver: Callable[[Message], SendResult],
) -> SendResult:
    """A key used before, its lease now ours: replay the outcome, or finish what was not sent."""
    single = len(message.recipients) == 1
    for claim in ledger.stale_claims(job):  # the process that claimed them is gone
        if deduplicates and single and claim.client_ref is not None and claim.provider == provider:
            attempt = uuid.uuid4().hex
            if ledger.reclaim(job, claim.attempt, attempt):
                log.warning("send %s: resending a request cut short by a crash with its client id", job)
                return _attempt(ledger, job, provider, owner, attempt, message, claim.client_ref, deliver, resend=True)
        ledger.settle_unknown(job, claim.attempt, STALE_REASON)
    rows = list(ledger.rows(job))
    sendable = [r.seq for r in rows if r.state in (RowState.PENDING, RowState.NOT_SENT)]
    if not sendable:
        ledger.release_lease(job, owner)
        return _replay(rows, job, provider)
    if len(sendable) != len(message.recipients):  # a part was settled by an earlier call
        by_seq = dict(enumerate(message.recipients))
        message = attrs.evolve(message, recipients=tuple(by_seq[s] for s in sendable))
    ref = next((r.client_ref for r in rows if r.client_ref), None) or ref
    attempt = uuid.uuid4().hex
    ledger.claim(job, sendable, attempt, provider=provider, client_ref=ref)
    return _attempt(ledger, job, provider, owner, attempt, message, ref, deliver, sendable)


def _attempt(
    ledger: Ledger,
    job: str,
    provider: str,
    owner: str,
    attempt: str,
    message: Message,
    ref: str | None,
    deliver: Callable[[Message], SendResult],
    seqs: list[int] | None = None,
    *,
    resend: bool = False,
) -> SendResult:
    seqs = seqs if seqs is not None else list(range(len(message.recipients)))
    if ref is not None:
        message = attrs.evolve(message, client_ref=ref)
    try:
        result = deliver(message)
    except SmsBridgeError as exc:
        if resend and isinstance(exc, DuplicateError):
            # the request a crash cut short had been taken: the provider ignored this resend
            from smsbridge.results import duplicate_result

            result = duplicate_result(provider, message)
        else:
            state = _ERROR_STATE[exc.outcome]  # not sent: the next call with the key tries again
            ledger.record(
                job,
                attempt,
                [
                    RowOutcome(seq, state, provider=exc.provider, reason=str(exc), code=getattr(exc, "code", None))
                    for seq in seqs
                ],
                release=owner,
            )
            raise
    except BaseException as exc:
        ledger.settle_unknown(job, attempt, f"interrupted while the request was in flight ({type(exc).__name__})")
        ledger.release_lease(job, owner)
        raise
    outcomes = outcomes_of(seqs, message.recipients, [result])
    ledger.record(job, attempt, outcomes, release=owner)
    return attrs.evolve(result, details={**result.details, "job": job})


def _replay(rows: list[LedgerRow], job: str, provider: str) -> SendResult:
    return SendResult(
        provider=next((r.provider for r in rows if r.provider), provider),
        receipts=tuple(r.receipt() for r in rows),
        client_ref=next((r.client_ref for r in rows if r.client_ref), None),
        details={"replayed": True, "job": job},
    )
