"""Delivery reports: InquireDeliveryNotifications and the notification-URL callbacks.

Both speak the same vocabulary: a TRN, a DeliveryStatus (-1 not yet submitted or rejected,
0 delivered, 1 buffered, 2 not delivered) and a 3-digit reason code that means nothing once
the message is delivered (it can hold junk such as ``":"`` before submission).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.plugin import (
    CallbackRequest,
    DeliveryReport,
    DeliveryStatus,
    InvalidMessageError,
    RawReply,
    UnreadableReplyError,
    before_request,
    parse_time,
    parse_zone,
    text_of,
    unreadable,
)
from smsbridge_aspsms import codes
from smsbridge_aspsms.config import SWISS_ZONE, trn_problem
from smsbridge_aspsms.wire import Ctx, call

__all__ = ["inquire", "parse_callback", "read_time", "status_of"]


def _digits(value: str) -> bool:
    """ASCII digits only: ``"²²²".isdigit()`` is true, and ``int("²")`` fails."""
    return value.isascii() and value.isdigit()


def _reason_code(value: str | None) -> str | None:
    """A usable 3-digit reason code, or ``None`` for blanks and junk such as ``":"`` or ``"²²²"``."""
    if value and len(value) == 3 and _digits(value):
        return value
    return None


def status_of(delivery_status: str | None, reason_code: str | None) -> DeliveryStatus:
    """The core status for an ASPSMS DeliveryStatus.

    ``-1`` is "not yet submitted or rejected": with a real reason code it is read as
    rejected, without one as still queued (an inference).  ``2`` with reason 108 (validity
    expired) is ``EXPIRED``.
    """
    if delivery_status is None:
        return DeliveryStatus.UNKNOWN
    status = codes.DELIVERY_STATUS.get(delivery_status, DeliveryStatus.UNKNOWN)
    if delivery_status == "-1" and reason_code is not None:
        return DeliveryStatus.REJECTED
    if status is DeliveryStatus.FAILED and reason_code == "108":
        return DeliveryStatus.EXPIRED
    return status


def _reason(status: DeliveryStatus, code: str | None, description: str | None) -> str | None:
    if status is DeliveryStatus.DELIVERED or code is None:
        return None
    text = description or codes.reason_text(code)
    return f"{code} {text}" if text else code


def read_time(value: Any, *, assume: str = "UTC") -> dt.datetime | None:
    """An ISO 8601 or ``ddmmyyyyhhmmss`` provider time, made aware; ``None`` when unreadable.

    A time without an offset is taken in zone ``assume`` (UTC for the ``...UTC`` fields, Swiss
    time for the others).
    """
    text = text_of(value)
    formats = ("%d%m%Y%H%M%S",) if text and len(text) == 14 and text.isdigit() else ()
    try:
        return parse_time(text, parse_zone(assume), formats=formats)
    except ValueError:  # the zone is unknown here (no tz database)
        return None


def _report(ctx: Ctx, entry: Mapping[str, Any], raw: RawReply | None) -> DeliveryReport | None:
    trn = text_of(entry.get("TransactionReferenceNumber"))
    if not trn:
        return None
    delivery_status = text_of(entry.get("DeliveryStatus"))
    reason_code = _reason_code(text_of(entry.get("Reasoncode")))
    status = status_of(delivery_status, reason_code)
    return DeliveryReport(
        message_id=trn,
        status=status,
        provider_code=delivery_status,
        provider_text=text_of(entry.get("DeliveryStatusDescription"))
        or codes.DELIVERY_STATUS_TEXT.get(delivery_status or ""),
        reason=_reason(status, reason_code, text_of(entry.get("ReasoncodeDescription"))),
        submitted_at=read_time(entry.get("SubmissionDate")),
        updated_at=read_time(entry.get("NotificationDate")),
        raw=raw,
    )


def inquire(ctx: Ctx, message_ids: Sequence[str]) -> list[DeliveryReport]:
    """InquireDeliveryNotifications for TRNs: one report per id, in order (UNKNOWN when none)."""
    trns = [str(i).strip() for i in message_ids]
    for trn in trns:
        problem = trn_problem(trn)
        if problem:
            raise before_request(
                InvalidMessageError, f"{problem} (delivery status takes the TRNs returned as message ids)"
            )
    answer = call(
        ctx, "InquireDeliveryNotifications", {"TransactionReferenceNumbers": ";".join(trns)}, success=("0", "1")
    )
    entries = answer.data.get("DeliveryNotifications")
    if entries is None:
        entries = []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise unreadable(answer.raw, ctx.provider, "DeliveryNotifications is not a list of objects")
    latest: dict[str, DeliveryReport] = {}
    for entry in entries:
        report = _report(ctx, entry, answer.raw)
        if report is None:
            continue
        seen = latest.get(report.message_id)
        if seen is None or _not_older(report, seen):
            latest[report.message_id] = report
    return [
        latest.get(trn)
        or DeliveryReport(
            message_id=trn,
            status=DeliveryStatus.UNKNOWN,
            provider_text="no delivery notification for this TRN",
            raw=answer.raw,
        )
        for trn in trns
    ]


def _not_older(new: DeliveryReport, old: DeliveryReport) -> bool:
    """Several notifications for one TRN: keep the latest (the later one on ties)."""
    if new.updated_at is None or old.updated_at is None:
        return True
    return new.updated_at >= old.updated_at


# ------------------------------------------------------------------------------ callbacks

_PLACEHOLDER_PREFIX = "<"


def _field(data: Mapping[str, Any], name: str) -> str | None:
    """A callback parameter by name, case-insensitively; unsubstituted tags count as absent."""
    for key, value in data.items():
        if isinstance(key, str) and key.upper() == name:
            text = text_of(value)
            if text and not text.startswith(_PLACEHOLDER_PREFIX):
                return text
    return None


def _recipient(value: str | None) -> str | None:
    if value is None:
        return None
    number = value.replace(" ", "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif _digits(number):
        number = "+" + number
    return number


def parse_callback(ctx: Ctx, request: CallbackRequest) -> list[DeliveryReport]:
    """A notification-URL request (query or form) with the tags substituted -> one report.

    Parameter names are those of the recommended template (see the docs): ``TRN``, ``RCPNT``,
    ``DST``, ``RSN`` and the timestamps ``SCTSUTC``/``DSCTSUTC`` (or ``SCTSCET``/``DSCTSCET``,
    ``SCTS``/``DSCTS``).
    """
    data: dict[str, Any] = {**request.query, **request.form}
    trn = _field(data, "TRN")
    if trn is None:
        raise UnreadableReplyError(
            "not an ASPSMS delivery notification: no TRN parameter",
            hint="put TRN=<TRN> in the notification URLs (see the provider docs for the template)",
        )
    delivery_status = _field(data, "DST")
    reason_code = _reason_code(_field(data, "RSN"))
    status = status_of(delivery_status, reason_code)
    submitted = read_time(_field(data, "SCTSUTC")) or _swiss_time(data, "SCTSCET", "SCTS")
    updated = read_time(_field(data, "DSCTSUTC")) or _swiss_time(data, "DSCTSCET", "DSCTS")
    return [
        DeliveryReport(
            message_id=trn,
            status=status,
            recipient=_recipient(_field(data, "RCPNT")),
            provider_code=delivery_status,
            provider_text=codes.DELIVERY_STATUS_TEXT.get(delivery_status or ""),
            reason=_reason(status, reason_code, None),
            submitted_at=submitted,
            updated_at=updated,
        )
    ]


def _swiss_time(data: Mapping[str, Any], *names: str) -> dt.datetime | None:
    for name in names:
        parsed = read_time(_field(data, name), assume=SWISS_ZONE)
        if parsed is not None:
            return parsed
    return None
