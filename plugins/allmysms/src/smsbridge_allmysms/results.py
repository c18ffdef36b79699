"""From mapped reply data (see ``wire.read_reply``) to smsbridge models.

Values are read whatever their type: AllMySMS sends ``status`` as a number in ``sendSms``
and as text in ``getInfo``, counters as strings, ``nbCredits`` as a number in
``simulateCampaign`` and as a string in ``getCreditsByCountryIsoCode``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from smsbridge.plugin import (
    Answer,
    Balance,
    DeliveryReport,
    DeliveryStatus,
    Estimate,
    InboundMessage,
    Message,
    RawReply,
    Receipt,
    ReceiptStatus,
    SendResult,
    first_text,
    numbers_in,
    objects_of,
    parse_decimal,
    parse_int,
    phone_digits,
    provider_estimate,
    text_of,
    texts_of,
    unreadable,
)
from smsbridge_allmysms.codes import PARTIAL, SCHEDULED, SUCCESS, ack_status
from smsbridge_allmysms.config import Ctx
from smsbridge_allmysms.flow import Flow
from smsbridge_allmysms.localtime import parse_paris
from smsbridge_allmysms.wire import status_code

__all__ = [
    "balance",
    "delivery_reports",
    "estimate",
    "inbound_messages",
    "send_result",
]

# smsIds values that mean "no ids given" (absent, JSON null, "", [], an empty XML element)
_NO_IDS: tuple[Any, ...] = (None, "", [])


def _decimal(value: Any) -> Decimal | None:
    """``"1847"``, ``1847``, ``12.5`` or ``"12,5"`` (a French decimal comma)."""
    return parse_decimal(value, comma="decimal")


def _e164(value: Any) -> str | None:
    digits = phone_digits(value)
    return f"+{digits}" if digits else None


# ---------------------------------------------------------------------------- send


def send_result(ctx: Ctx, message: Message, flow: Flow, answer: Answer) -> SendResult:
    """``sendSms`` 100/101/113 -> one receipt a recipient.

    ``smsIds[].phoneNumber`` maps back to each recipient (in order, for a number given twice);
    numbers in ``invalidNumbers`` are rejected.  A reply with ``smsIds`` that does not name a
    recipient leaves it UNKNOWN, never assumed sent.  A reply without ``smsIds`` (absent, null
    or empty: a scheduled send has no ids yet, and the older replies carry none) is the status
    speaking for every recipient: 100 sent, 101 scheduled, 113 sent except the numbers it lists
    as invalid (with none listed, nobody can tell which were sent: UNKNOWN).
    """
    code = status_code(answer.data)
    if not isinstance(answer.data, dict) or code is None:
        raise unreadable(answer.raw, ctx.provider, "a send reply without status")
    ids: dict[str, deque[str]] = {}
    for item in objects_of(answer.data.get("smsIds")):
        phone = phone_digits(item.get("phoneNumber"))
        sms_id = text_of(item.get("smsId"))
        if phone and sms_id:  # text_of strips: a blank id is no id
            ids.setdefault(phone, deque()).append(sms_id)
    invalid = numbers_in(answer.data.get("invalidNumbers"))
    shown_code = str(code)
    if answer.data.get("smsIds") in _NO_IDS and (code in SUCCESS or (code == PARTIAL and invalid)):
        verb = "scheduled" if code == SCHEDULED else "sent"
        rest = Receipt("", ReceiptStatus.ACCEPTED, reason=f"{verb}; AllMySMS gives no per-number id", code=shown_code)
    else:
        rest = Receipt("", ReceiptStatus.UNKNOWN, reason="the reply did not mention this recipient", code=shown_code)
    receipts = []
    for recipient, number in zip(message.recipients, flow.numbers, strict=True):
        queue = ids.get(number)
        if queue:
            receipts.append(
                Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=queue.popleft(), code=shown_code)
            )
        elif number in invalid:
            receipts.append(
                Receipt(
                    recipient.number,
                    ReceiptStatus.REJECTED,
                    reason="AllMySMS listed this number as invalid (invalidNumbers)",
                    code=shown_code,
                )
            )
        else:
            receipts.append(attrs.evolve(rest, recipient=recipient.number, provider=ctx.provider))
    accepted = any(r.accepted for r in receipts)
    details = texts_of(answer.data, ("statusText", "campaignId", "credits", "creditsUsed", "nbContacts", "nbSms"))
    details["status"] = shown_code
    if code == PARTIAL:
        details["partial"] = "some numbers were invalid"
    return SendResult(
        provider=ctx.provider,
        receipts=tuple(receipts),
        raw=answer.raw,
        client_ref=message.client_ref,
        scheduled=code == SCHEDULED or (message.schedule is not None and accepted),
        cost=_decimal(answer.data.get("creditsUsed")),
        details=details,
    )


# ---------------------------------------------------------------------------- estimate / balance


def estimate(ctx: Ctx, message: Message, answer: Answer) -> Estimate:
    """``simulateCampaign``: the provider's credits and SMS count next to the core's own."""
    credits = _decimal(answer.data.get("nbCredits")) if isinstance(answer.data, dict) else None
    if credits is None:
        raise unreadable(answer.raw, ctx.provider, "simulateCampaign gave no nbCredits")
    segments = parse_int(answer.data.get("nbSms"), comma="decimal")
    return provider_estimate(message, credits, cost_unit="credits", provider_segments=segments, raw=answer.raw)


def balance(ctx: Ctx, answer: Answer) -> Balance:
    """``getInfo``: ``credits`` is a string; ``status`` is the account's state in words."""
    credits = _decimal(answer.data.get("credits")) if isinstance(answer.data, dict) else None
    if credits is None:
        raise unreadable(answer.raw, ctx.provider, "getInfo gave no credits")
    return Balance(amount=credits, unit="credits", raw=answer.raw)


# ---------------------------------------------------------------------------- delivery


def delivery_report(ctx: Ctx, item: Mapping[str, Any], fallback_id: str, raw: RawReply | None) -> DeliveryReport:
    """One ack (``statut``) or webhook (``status``) entry as a report."""
    code = item.get("statut", item.get("status"))
    status, meaning = ack_status(code)
    text = first_text(item, ("comment", "statusText"))
    return DeliveryReport(
        message_id=text_of(item.get("smsId")) or fallback_id,
        status=status,
        recipient=_e164(item.get("phoneNumber")),
        provider_code=text_of(code),
        provider_text=text,
        reason=meaning if status is not DeliveryStatus.DELIVERED else None,
        updated_at=parse_paris(item.get("receptionDate")),
        raw=raw,
    )


def delivery_reports(ctx: Ctx, requested: str, answer: Answer, *, by_campaign: bool) -> list[DeliveryReport]:
    """``getAckBySmsId`` (one report for the id) or ``getAcks`` (one per ack of a campaign)."""
    if isinstance(answer.data, dict) and "acks" in answer.data:
        acks = objects_of(answer.data.get("acks"))
    elif isinstance(answer.data, dict) and (
        "statut" in answer.data or ("status" in answer.data and "phoneNumber" in answer.data)
    ):
        acks = [answer.data]
    elif isinstance(answer.data, list):
        acks = objects_of(answer.data)
    else:
        raise unreadable(answer.raw, ctx.provider, "no acks in the reply")
    if not acks:
        return [
            DeliveryReport(
                message_id=requested,
                status=DeliveryStatus.UNKNOWN,
                reason="AllMySMS has no acknowledgement for this id yet",
                raw=answer.raw,
            )
        ]
    if by_campaign:
        return [delivery_report(ctx, ack, requested, answer.raw) for ack in acks]
    # one id asked: the latest ack is the current state (acks come oldest first, inf)
    return [delivery_report(ctx, acks[-1], requested, answer.raw)]


# ---------------------------------------------------------------------------- inbound

_ID_KEYS = ("id", "smsMoId", "moId", "smsId", "pullId", "msgId")
_SENDER_KEYS = ("phoneNumber", "sender", "msisdn", "from", "mobilephone")
_TEXT_KEYS = ("message", "text", "content", "msg", "sms")
_TO_KEYS = ("shortcode", "shortCode", "recipient", "to")
_DATE_KEYS = ("receptionDate", "date", "receivedDate")


def _inbound_sender(sender: str) -> str:
    """A number as E.164 (``33612345678`` -> ``+33612345678``); a name as it came."""
    digits = phone_digits(sender)
    return f"+{digits}" if digits and digits == sender.strip().lstrip("+") else sender


def inbound_messages(ctx: Ctx, answer: Answer) -> list[InboundMessage]:
    """``getPulls``: ``{"mos": [{"phoneNumber", "id", "campaignId", "message", "receptionDate"}]}``.

    Those are the keys davaxi/AllMySMS shows (``InComing.php``); the others are read too.
    """
    if isinstance(answer.data, dict) and "mos" in answer.data:
        items = objects_of(answer.data.get("mos"))
        if answer.data.get("mos") not in (None, "", [], {}) and not items:
            raise unreadable(answer.raw, ctx.provider, "getPulls mos holds no message objects")
    elif isinstance(answer.data, list):
        items = objects_of(answer.data)
    else:
        raise unreadable(answer.raw, ctx.provider, "no mos in the getPulls reply")
    out = []
    for n, item in enumerate(items):
        sender = first_text(item, _SENDER_KEYS)
        given = next((item[k] for k in _TEXT_KEYS if k in item), None)
        text = given if isinstance(given, str) else text_of(given)  # a text exactly as received
        if sender is None or text is None:
            raise unreadable(answer.raw, ctx.provider, "an inbound message without sender or text")
        received = first_text(item, _DATE_KEYS)
        ident = first_text(item, _ID_KEYS) or f"{phone_digits(sender) or sender}@{received or n}"
        out.append(
            InboundMessage(
                id=ident,
                sender=_inbound_sender(sender),
                text=text,
                recipient=first_text(item, _TO_KEYS),
                received_at=parse_paris(received),
                keyword=first_text(item, ("keyword",)),
                raw=answer.raw,
            )
        )
    return out
