"""``op=ds`` (delivery status) and ``op=in|ix|sx`` (received messages).

An id is a ``smslog_id`` (digits) or a queue code (32 or 64 hex characters), told apart by
shape.  A queue holds every destination of one ``pv`` request, so it can answer several
reports; those are fetched page by page with ``c`` and ``last``.  "No rows" answers
(ERR 400/401/402/501) are reports without a status yet, not failures of the call.
Times (``dt``, ``update``) carry no zone on the wire: they are read in the account's
``timezone`` option (UTC by default).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.context import ProviderContext
from smsbridge.errors import InvalidMessageError
from smsbridge.models import DeliveryReport, DeliveryStatus, InboundMessage, InboundQuery
from smsbridge.wire import unreadable
from smsbridge_junubsms import codes
from smsbridge_junubsms.wire import Reply, call, items_of, text_of

__all__ = ["FOLDERS", "PAGE", "delivery_status", "id_kind", "inbound", "local_time"]

PAGE = 100  # reports a queue page asks for (c)
MAX_PAGES = 100  # a server that ignores ``last`` must not loop for ever
FOLDERS = {"in": "in", "incoming": "in", "inbox": "ix", "ix": "ix", "sandbox": "sx", "sx": "sx"}
INBOUND_FILTERS = ("src", "dst", "dt", "kwd", "queue", "smslog_id")
_QUEUE = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{64})$")
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")


def id_kind(ident: str) -> str | None:
    """``smslog_id``, ``queue`` or ``None`` for an id of neither shape."""
    if ident.isdigit() and len(ident) <= 20 and ident.isascii():
        return "smslog_id"
    if _QUEUE.match(ident):
        return "queue"
    return None


def local_time(ctx: ProviderContext, value: Any) -> dt.datetime | None:
    """``YYYY-MM-DD hh:mm:ss`` in the server's zone -> aware datetime; zero or junk dates -> None."""
    text = text_of(value)
    match = _TIME.match(text or "")
    if not match:
        return None
    try:
        parts = [int(p or 0) for p in match.groups()]
        naive = dt.datetime(*parts)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        return None
    return naive.replace(tzinfo=ctx.config.tz)


def _rows(ctx: ProviderContext, answer: Reply) -> list[Mapping[str, Any]]:
    if answer.no_data is not None:
        return []
    rows = items_of(answer.data.get("data"))
    if rows is None or not all(isinstance(r, Mapping) for r in rows):
        raise unreadable(answer.raw, ctx.provider, "the data list is not a list of rows")
    return list(rows)


def _report(ctx: ProviderContext, ident: str, row: Mapping[str, Any], answer: Reply) -> DeliveryReport:
    code = text_of(row.get("status"))
    status = codes.DS_STATUS.get(code or "", DeliveryStatus.UNKNOWN)
    return DeliveryReport(
        message_id=ident,
        status=status,
        recipient=text_of(row.get("dst")) or None,
        provider_code=code,
        provider_text={"0": "pending", "1": "sent", "2": "failed", "3": "delivered"}.get(code or ""),
        submitted_at=local_time(ctx, row.get("dt")),
        updated_at=local_time(ctx, row.get("update")),
        provider=ctx.provider,
        raw=answer.raw,
    )


def _nothing(ctx: ProviderContext, ident: str, answer: Reply) -> DeliveryReport:
    code = answer.no_data
    status = codes.DS_EMPTY.get(code or "", DeliveryStatus.UNKNOWN)
    return DeliveryReport(
        message_id=ident,
        status=status,
        provider_code=code,
        provider_text=text_of(answer.data.get("error_string")) or codes.error_text(code) if code else None,
        reason="no delivery report yet" if code else "the reply has no row for this id",
        provider=ctx.provider,
        raw=answer.raw,
    )


def _by_smslog_id(ctx: ProviderContext, ident: str) -> list[DeliveryReport]:
    answer = call(ctx, "ds", [("smslog_id", ident)], no_data_ok=True)
    for row in _rows(ctx, answer):
        if text_of(row.get("smslog_id")) == ident:
            return [_report(ctx, ident, row, answer)]
    return [_nothing(ctx, ident, answer)]


def _by_queue(ctx: ProviderContext, queue: str) -> list[DeliveryReport]:
    reports: list[DeliveryReport] = []
    seen: set[str] = set()
    last: int | None = None
    first_answer: Reply | None = None
    for _ in range(MAX_PAGES):
        fields = [("queue", queue), ("c", str(PAGE))]
        if last is not None:
            fields.append(("last", str(last)))
        answer = call(ctx, "ds", fields, no_data_ok=True)
        first_answer = first_answer or answer
        rows = _rows(ctx, answer)
        fresh = 0
        for row in rows:
            row_id = text_of(row.get("smslog_id")) or ""
            queue_of_row = text_of(row.get("queue"))
            if queue_of_row and queue_of_row.lower() != queue.lower():
                continue
            if row_id in seen:
                continue
            seen.add(row_id)
            fresh += 1
            reports.append(_report(ctx, queue, row, answer))
            if row_id.isdigit():
                last = max(last or 0, int(row_id))
        if len(rows) < PAGE or not fresh or last is None:
            break
    if not reports and first_answer is not None:
        return [_nothing(ctx, queue, first_answer)]
    return reports


def delivery_status(ctx: ProviderContext, message_ids: Sequence[str]) -> list[DeliveryReport]:
    """One report per smslog_id; one per destination of a queue code."""
    kinds = []
    for ident in message_ids:
        kind = id_kind(ident.strip())
        if kind is None:
            raise InvalidMessageError(
                f"{ident!r} is neither a playSMS smslog_id (digits) nor a queue code (32 or 64 hex characters)",
                provider=ctx.provider,
                before_request=True,
            )
        kinds.append((ident.strip(), kind))
    reports: list[DeliveryReport] = []
    for ident, kind in kinds:
        reports.extend(_by_smslog_id(ctx, ident) if kind == "smslog_id" else _by_queue(ctx, ident))
    return reports


def inbound(ctx: ProviderContext, query: InboundQuery) -> list[InboundMessage]:
    """``folder``: ``in`` (incoming, op=in), ``inbox`` (op=ix) or ``sandbox`` (op=sx).

    ``since_id`` is ``last`` (that id itself is not returned), ``limit`` is ``c``; options
    ``src``, ``dst``, ``dt``, ``kwd``, ``queue``, ``smslog_id`` filter as the server does.
    """
    op = FOLDERS.get(query.folder.lower()) if isinstance(query.folder, str) else None
    if op is None:
        raise InvalidMessageError(
            f"unknown inbound folder {query.folder!r}: use in, inbox or sandbox",
            provider=ctx.provider,
            before_request=True,
        )
    fields: list[tuple[str, str]] = []
    if query.since_id is not None:
        since = str(query.since_id).strip()
        if not (since.isdigit() and since.isascii()):
            raise InvalidMessageError(
                f"since_id {query.since_id!r} must be a message id (digits)", provider=ctx.provider, before_request=True
            )
        fields.append(("last", since))
    if query.limit is not None:
        if isinstance(query.limit, bool) or not isinstance(query.limit, int) or query.limit < 1:
            raise InvalidMessageError("limit must be a positive number", provider=ctx.provider, before_request=True)
        fields.append(("c", str(query.limit)))
    unknown = sorted(set(query.options) - set(INBOUND_FILTERS))
    if unknown:
        raise InvalidMessageError(
            f"unknown inbound filter(s) {', '.join(unknown)}; playSMS takes: {', '.join(INBOUND_FILTERS)}",
            provider=ctx.provider,
            before_request=True,
        )
    fields.extend((k, str(query.options[k])) for k in INBOUND_FILTERS if query.options.get(k) is not None)
    answer = call(ctx, op, fields, no_data_ok=True)
    messages = []
    for row in _rows(ctx, answer):
        ident = text_of(row.get("id"))
        if not ident:
            raise unreadable(answer.raw, ctx.provider, f"an op={op} row without an id")
        messages.append(
            InboundMessage(
                id=ident,
                sender=text_of(row.get("src")) or "",
                text=row["msg"] if isinstance(row.get("msg"), str) else text_of(row.get("msg")) or "",
                recipient=text_of(row.get("dst")) or None,
                received_at=local_time(ctx, row.get("dt")),
                keyword=text_of(row.get("kwd")) or None,
                provider=ctx.provider,
                raw=answer.raw,
            )
        )
    return messages
