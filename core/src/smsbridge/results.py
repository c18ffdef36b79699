"""Arithmetic on send results: merging a send's requests, counting a run's outcomes, and the
result of a resend the provider ignored as a duplicate.

Kept below the ledger and the sending engine (it imports neither): the ledger counts its
jobs with ``summarize_run`` and settles resends with ``duplicate_result``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from smsbridge.models import BulkSummary, Message, Receipt, ReceiptStatus, SendResult

__all__ = ["duplicate_result", "merge", "summarize", "summarize_run"]


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


def merge(provider: str, results: list[SendResult], client_ref: str | None) -> SendResult:
    """One result for a send that took several requests (receipts in order, requests summed)."""
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
