"""``op=ds`` (delivery status) and ``op=in|ix|sx`` (received messages).

Ids are those of ``smsbridge_junubsms.ids``.  "No rows" answers (ERR 400/401/402/501) are
reports without a status yet, not failures of the call.  Times carry no zone on the wire:
each operation's are read in its own frame (``smsbridge_junubsms.clock``).

Paging.  playSMS sorts both listings newest first (``ORDER BY p_datetime`` / ``in_datetime
DESC``) and applies ``last`` as ``id > last`` before ``LIMIT c``: a full page is the *newest*
``c`` rows above ``last``, not the next ``c``, so "page on with the highest id seen" skips
rows.  A page is complete only when it holds fewer than ``c`` rows.  So:

* a queue's reports are read in buckets by the destination's last digits (the ``dst`` filter
  matches a suffix): a full bucket is split ten ways, until every bucket is complete;
* received messages after ``since_id`` are read with a ``c`` that grows until the page is
  complete, then given oldest first, so that polling with the highest id seen loses nothing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.plugin import (
    Answer,
    DeliveryReport,
    DeliveryStatus,
    InboundMessage,
    InboundQuery,
    InvalidMessageError,
    before_request,
    check_options,
    records_of,
    text_of,
)
from smsbridge_junubsms import codes
from smsbridge_junubsms.ids import MessageRef, is_smslog_id
from smsbridge_junubsms.wire import Ctx, call, unreadable

__all__ = ["FOLDERS", "PAGE", "delivery_status", "inbound"]

PAGE = 100  # rows a ds page asks for (c)
MAX_DS_REQUESTS = 2000  # a server that ignores the dst filter must not make this explode
INBOUND_PAGES = (100, 1000, 10000)  # the growing c of an inbound read after since_id
FOLDERS = {"in": "in", "incoming": "in", "inbox": "ix", "ix": "ix", "sandbox": "sx", "sx": "sx"}
INBOUND_FILTERS = ("src", "dst", "dt", "kwd", "queue", "smslog_id")
_STATES = {"0": "pending", "1": "sent", "2": "failed", "3": "delivered"}


def _rows(ctx: Ctx, answer: Answer, op: str) -> list[Mapping[str, Any]]:
    """A listing's rows.  Success is ``data`` (no status) or a "no data" ERR; anything else is unreadable."""
    if answer.code is not None:
        return []
    if "data" not in answer.data:
        raise unreadable(ctx, answer.raw, op, f"op={op} answered neither rows nor an error")
    rows = records_of(answer.data.get("data"))
    if rows is None:
        raise unreadable(ctx, answer.raw, op, "the data list is not a list of rows")
    return rows


def _id_order(ident: str) -> tuple[int, str]:
    """Numeric order of ids without int() on junk (``"²"``, 5,000 digits): those come last."""
    return (len(ident), ident) if is_smslog_id(ident) else (99, ident)


# ---------------------------------------------------------------------------- delivery status


def _report(ctx: Ctx, ident: str, row: Mapping[str, Any], answer: Answer) -> DeliveryReport:
    code = text_of(row.get("status"))
    clock = ctx.config.clock
    return DeliveryReport(
        message_id=ident,
        status=codes.DS_STATUS.get(code or "", DeliveryStatus.UNKNOWN),
        recipient=text_of(row.get("dst")) or None,
        provider_code=code,
        provider_text=_STATES.get(code or ""),
        submitted_at=clock.read(row.get("dt"), "ds"),
        updated_at=clock.read(row.get("update"), "ds"),
        raw=answer.raw,
    )


def _nothing(ctx: Ctx, ref: MessageRef, answer: Answer) -> DeliveryReport:
    code = answer.code
    if code == "401":
        reason = "still in the server's queue (scheduled, or about to be sent)"
    elif code == "402":
        reason = "the queue was processed but holds no report for this id"
    elif code == "400" and ref.queue:
        reason = "no report and no queue: not a message of this account (right after sending, ask again in a second)"
    elif code == "400":
        reason = (
            "no report for this smslog_id: unknown, or still queued (the id with its queue code, "
            "as receipts give it, tells the two apart)"
        )
    else:
        reason = "the reply has no row for this id"
    return DeliveryReport(
        message_id=str(ref),
        status=codes.DS_EMPTY.get(code or "", DeliveryStatus.UNKNOWN),
        provider_code=code,
        provider_text=(text_of(answer.data.get("error_string")) or codes.error_text(code)) if code else None,
        reason=reason,
        raw=answer.raw,
    )


def _by_smslog_id(ctx: Ctx, ref: MessageRef) -> DeliveryReport:
    assert ref.smslog_id is not None
    fields = [("smslog_id", ref.smslog_id)] + ([("queue", ref.queue)] if ref.queue else [])
    answer = call(ctx, "ds", fields, no_data_ok=True)
    for row in _rows(ctx, answer, "ds"):
        if text_of(row.get("smslog_id")) == ref.smslog_id:
            return _report(ctx, str(ref), row, answer)
    return _nothing(ctx, ref, answer)


def _by_queue(ctx: Ctx, ref: MessageRef) -> list[DeliveryReport]:
    """Every destination of a queue, read in complete buckets of destination suffixes."""
    assert ref.queue is not None
    queue = ref.queue
    found: dict[str, DeliveryReport] = {}
    first: Answer | None = None
    incomplete = ""
    pending = [""]  # destination suffixes still to read
    requests = 0
    while pending:
        suffix = pending.pop()
        if requests >= MAX_DS_REQUESTS:
            incomplete = f"stopped after {requests} requests"
            break
        fields = [("queue", queue), ("c", str(PAGE))] + ([("dst", "0" + suffix)] if suffix else [])
        answer = call(ctx, "ds", fields, no_data_ok=True)
        requests += 1
        first = first or answer
        rows = [r for r in _rows(ctx, answer, "ds") if (text_of(r.get("queue")) or queue).lower() == queue]
        if suffix and any(not (text_of(r.get("dst")) or "").endswith(suffix) for r in rows):
            incomplete = "the server ignores the dst filter, so a queue of more than 100 cannot be read whole"
        elif len(rows) >= PAGE and len(suffix) < 15:
            pending.extend(d + suffix for d in "9876543210")  # complete only below c rows: split it
            continue
        elif len(rows) >= PAGE:
            incomplete = "more destinations end in the same 15 digits than one page holds"
        for row in rows:
            found.setdefault(text_of(row.get("smslog_id")) or f"row{len(found)}", _report(ctx, queue, row, answer))
        if incomplete:
            break
    reports = [found[k] for k in sorted(found, key=_id_order)]
    if incomplete:
        reports.append(
            DeliveryReport(
                message_id=queue,
                status=DeliveryStatus.UNKNOWN,
                reason=f"more destinations than these {len(reports)}: {incomplete}; the others are unknown",
                raw=first.raw if first else None,
            )
        )
    if not reports and first is not None:
        return [_nothing(ctx, ref, first)]
    return reports


def _inbox(ctx: Ctx, ref: MessageRef) -> DeliveryReport:
    return DeliveryReport(
        message_id=str(ref),
        status=DeliveryStatus.DELIVERED,
        recipient=ref.user,
        reason="written into the user's playSMS inbox while the send was answered; "
        "playSMS keeps no delivery report for @user targets",
    )


def delivery_status(ctx: Ctx, message_ids: Sequence[str]) -> list[DeliveryReport]:
    """One report per destination id; one per destination of a queue code."""
    refs = []
    for ident in message_ids:
        ref = MessageRef.parse(ident) if isinstance(ident, str) else None
        if ref is None:
            raise before_request(
                InvalidMessageError,
                f"{ident!r} is not a playSMS message id: a smslog_id (digits), a queue code (32 or 64 hex "
                "characters), or the two joined by ':' as receipts give them",
            )
        refs.append(ref)
    reports: list[DeliveryReport] = []
    for ref in refs:
        if ref.user:
            reports.append(_inbox(ctx, ref))
        elif ref.smslog_id:
            reports.append(_by_smslog_id(ctx, ref))
        else:
            reports.extend(_by_queue(ctx, ref))
    return reports


# ---------------------------------------------------------------------------- received messages


def _message(ctx: Ctx, op: str, row: Mapping[str, Any], answer: Answer) -> InboundMessage:
    ident = text_of(row.get("id"))
    if not ident:
        raise unreadable(ctx, answer.raw, op, f"an op={op} row without an id")
    text = row["msg"] if isinstance(row.get("msg"), str) else text_of(row.get("msg")) or ""
    return InboundMessage(
        id=ident,
        sender=text_of(row.get("src")) or "",
        # playSMS stores injected and @user texts HTML-escaped ("Tom &amp; Jerry")
        text=html.unescape(text),
        recipient=text_of(row.get("dst")) or None,
        received_at=ctx.config.clock.read(row.get("dt"), op),
        keyword=text_of(row.get("kwd")) or None,
        raw=answer.raw,
    )


def inbound(ctx: Ctx, query: InboundQuery) -> list[InboundMessage]:
    """``folder``: ``in`` (incoming, op=in), ``inbox`` (op=ix) or ``sandbox`` (op=sx), oldest first.

    With ``since_id`` every message after that id is read (see the module doc) and ``limit``
    keeps the oldest ones; without it, ``limit`` gives the newest (the server's own order).
    Options ``src``, ``dst``, ``dt``, ``kwd``, ``queue``, ``smslog_id`` filter as the server
    does.  Always read as JSON: in XML playSMS drops a text holding ``&`` (an empty element).
    """
    op = FOLDERS.get(query.folder.lower()) if isinstance(query.folder, str) else None
    if op is None:
        raise before_request(InvalidMessageError, f"unknown inbound folder {query.folder!r}: use in, inbox or sandbox")
    since = None
    if query.since_id is not None:
        since = str(query.since_id).strip()
        if not is_smslog_id(since):
            raise before_request(InvalidMessageError, f"since_id {query.since_id!r} must be a message id (digits)")
    limit = query.limit
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise before_request(InvalidMessageError, "limit must be a positive number")
    check_options(query.options, INBOUND_FILTERS, provider="playSMS", what="inbound filter")
    filters = [(k, str(query.options[k])) for k in INBOUND_FILTERS if query.options.get(k) is not None]
    if since is None:
        page = [("c", str(query.limit))] if query.limit is not None else []
        answer = call(ctx, op, [*filters, *page], no_data_ok=True, fmt="json")
        rows = _rows(ctx, answer, op)
    else:
        for size in INBOUND_PAGES:
            answer = call(ctx, op, [("last", since), ("c", str(size)), *filters], no_data_ok=True, fmt="json")
            rows = _rows(ctx, answer, op)
            if len(rows) < size:
                break
        else:
            raise InvalidMessageError(
                f"more than {INBOUND_PAGES[-1]} messages after since_id {since}: playSMS lists newest first, so "
                "they cannot be read oldest first",
                hint="poll more often, or narrow the read with a filter such as dt=YYYY-MM-DD or src=",
            )
    rows = sorted(rows, key=lambda r: _id_order(text_of(r.get("id")) or ""))
    if since is not None and query.limit is not None:
        rows = rows[: query.limit]
    return [_message(ctx, op, row, answer) for row in rows]
