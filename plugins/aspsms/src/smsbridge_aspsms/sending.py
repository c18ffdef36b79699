"""SendTextSMS / SendSimpleTextSMS: building the request, TRNs, per-message options.

ASPSMS answers a send with ``{"StatusCode":"1","StatusInfo":"OK"}`` and no message id: the
handle of a message is the transaction reference number (TRN) the client attaches to each
recipient (``"+41790000000:TRN"``).  So every recipient gets one here (its
``Recipient.reference``, the ``trn`` option, or 16 random ``[A-Za-z0-9]``) and the TRN is
returned as that recipient's message id.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from smsbridge.plugin import (
    InvalidMessageError,
    InvalidSenderError,
    Message,
    Receipt,
    ReceiptStatus,
    Recipient,
    SendResult,
    analyze,
    before_request,
    check_options,
    parse_zone,
)
from smsbridge_aspsms.config import originator_problem, trn_problem, url_problem
from smsbridge_aspsms.wire import Ctx, call

__all__ = ["MESSAGE_OPTIONS", "TRN_LENGTH", "deferred_time", "new_trn", "notification_fields", "send"]

TRN_LENGTH = 16

# message.options key -> wire field (``trn`` is handled apart)
MESSAGE_OPTIONS: dict[str, str] = {
    "notify_buffered": "URLBufferedMessageNotification",
    "notify_delivered": "URLDeliveryNotification",
    "notify_not_delivered": "URLNonDeliveryNotification",
    "affiliate_id": "AffiliateID",
}
_KNOWN_OPTIONS = (*MESSAGE_OPTIONS, "trn")


def new_trn() -> str:
    """A fresh transaction reference number: 16 random hex characters (within ``[A-Za-z0-9]``).

    ``token_hex`` is 20 times faster than 16 ``secrets.choice`` calls (0.8 against 16 µs),
    which matters at a million recipients; 64 random bits are plenty to tell TRNs apart.
    """
    return secrets.token_hex(TRN_LENGTH // 2)


def notification_fields(ctx: Ctx, overrides: Mapping[str, Any], *, op: str | None = None) -> dict[str, str]:
    """The notification URL and AffiliateID fields: account options, then ``overrides``.

    An override of ``None`` or ``""`` removes the account's value for this message.  ``op``:
    the admin operation whose parameters gave the overrides; its problems name the fields by
    their wire names, after the operation.
    """
    values = {key: getattr(ctx.config, key) for key in MESSAGE_OPTIONS}  # the options are named alike
    values.update({k: v for k, v in overrides.items() if k in MESSAGE_OPTIONS})
    fields: dict[str, str] = {}
    for key, wire_name in MESSAGE_OPTIONS.items():
        value = values.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise before_request(InvalidMessageError, f"option {key!r} must be text, not {type(value).__name__}")
        problem = url_problem(wire_name if op else key, value) if key != "affiliate_id" else None
        if problem:
            raise before_request(InvalidMessageError, f"{op}: {problem}" if op else problem)
        fields[wire_name] = value
    return fields


def deferred_time(ctx: Ctx, when: dt.datetime) -> str:
    """DeferredDeliveryTime for an aware ``when``.

    The JSON API's format is not published; the SOAP API's is ``ddMMyyyyHHmmss``, taken here
    in Swiss time (``deferred_timezone``, default Europe/Zurich): an inference, see the docs.
    """
    try:
        zone = parse_zone(ctx.config.deferred_timezone)
    except ValueError as exc:
        raise before_request(InvalidMessageError, f"cannot write the schedule time: {exc}") from None
    local = when.astimezone(zone)
    if ctx.config.deferred_format == "iso8601":
        return local.isoformat(timespec="seconds")
    return local.strftime("%d%m%Y%H%M%S")


def _check_options(ctx: Ctx, message: Message) -> None:
    check_options(message.options, _KNOWN_OPTIONS, provider="ASPSMS")
    if ctx.config.simple:
        used = [k for k in _KNOWN_OPTIONS if message.options.get(k) not in (None, "")]
        if used or any(r.reference for r in message.recipients):
            what = ", ".join(used) if used else "a recipient reference (TRN)"
            raise before_request(InvalidMessageError, f"simple=yes (SendSimpleTextSMS) cannot send {what}")
    if message.sender is not None:
        problem = originator_problem(message.sender)
        if problem:
            raise before_request(InvalidSenderError, problem)


def _trn_option(ctx: Ctx, message: Message) -> Mapping[str, str]:
    """The ``trn`` option as ``{number: TRN}``: a text for a one-recipient message, or a mapping."""
    option = message.options.get("trn")
    if option is None:
        return {}
    if isinstance(option, str):
        if len(message.recipients) != 1:
            raise before_request(
                InvalidMessageError, "option 'trn' as text needs exactly one recipient; give a mapping number -> TRN"
            )
        return {message.recipients[0].number: option}
    if isinstance(option, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in option.items()):
        return option
    raise before_request(InvalidMessageError, "option 'trn' must be a text or a mapping of numbers to texts")


def _assign_trns(ctx: Ctx, message: Message) -> tuple[list[tuple[Recipient, str]], list[Receipt]]:
    """A TRN for every recipient; those with an unusable TRN come back as rejected receipts."""
    by_number = _trn_option(ctx, message)
    planned: list[tuple[Recipient, str]] = []
    rejected: list[Receipt] = []
    for recipient in message.recipients:
        trn = recipient.reference or by_number.get(recipient.number) or new_trn()
        problem = trn_problem(trn)
        if problem:
            rejected.append(Receipt(recipient.number, ReceiptStatus.REJECTED, reason=problem))
        else:
            planned.append((recipient, trn))
    if not planned:
        raise before_request(InvalidMessageError, rejected[0].reason or "no usable transaction reference")
    return planned, rejected


def send(ctx: Ctx, message: Message) -> SendResult:
    """Send ``message`` (1..1000 recipients) in one request.

    ASPSMS has no templating: the core renders templates and groups recipients by their text
    before it calls the hook, so a message holds one text.
    """
    _check_options(ctx, message)
    fields: dict[str, Any] = {"Originator": message.sender} if message.sender else {}
    if ctx.config.simple:  # SendSimpleTextSMS: plain numbers in a list (hitobito, python-aspsms; see the docs)
        planned: list[tuple[Recipient, str | None]] = [(r, None) for r in message.recipients]
        receipts: list[Receipt] = []
        fields.update(Recipients=[r.number for r in message.recipients], MessageText=message.text)
        method = "SendSimpleTextSMS"
    else:
        with_trn, receipts = _assign_trns(ctx, message)
        planned = list(with_trn)
        fields.update(Recipients=[f"{r.number}:{trn}" for r, trn in with_trn], MessageText=message.text)
        fields.update(notification_fields(ctx, message.options))
        if message.schedule is not None:
            fields["DeferredDeliveryTime"] = deferred_time(ctx, message.schedule)
        if message.flash:
            fields["FlashingSMS"] = "true"
        method = "SendTextSMS"
    fields["ForceGSM7bit"] = analyze(message.text, encoding=message.encoding).encoding == "gsm7"
    answer = call(ctx, method, fields, effectful=True)
    receipts.extend(Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=trn) for r, trn in planned)
    return ctx.result(receipts, message, raw=answer.raw, details={"method": method, "requests": 1})
