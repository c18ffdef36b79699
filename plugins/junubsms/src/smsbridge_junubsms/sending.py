"""``op=pv``: building the request and matching the reply's items to the recipients.

The reply has one item per destination, ``{"status","error","smslog_id","queue","to"}``, and no
top-level status.  Matching is the delicate part:

* ``to`` echoes the number as playSMS stored it, which can differ from what was sent;
  a failed item has an empty ``to``; ``#group`` and ``@user`` expand to their members' numbers.
* playSMS 1.4.7 and later merge ``to=a,b`` into ONE destination with the digits
  concatenated, answered with one item (often ``OK``, for a number that does not exist).

So items are matched exactly, then by digits, then by the national part (a stored number
shorter than the one sent, never longer: a merged number is longer than each of its parts).
What is left is attributed only where nothing else is possible: the one remaining recipient,
or, when every item is accounted for one to one and the leftovers share one status, by
position.  A recipient without an item is ``UNKNOWN``, never accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from smsbridge.context import ProviderContext
from smsbridge.errors import InvalidMessageError, InvalidRecipientError, Outcome, SmsBridgeError
from smsbridge.models import Message, Receipt, ReceiptStatus, Recipient, SendResult
from smsbridge.numbers import to_digits
from smsbridge.text import analyze
from smsbridge.wire import unreadable
from smsbridge_junubsms import codes
from smsbridge_junubsms.wire import call, error_code, items_of, text_of

__all__ = ["Item", "match_items", "pv_fields", "send", "wire_number"]

MESSAGE_OPTIONS = ("footer", "nofooter")
_TARGET = re.compile(r"^[@#][A-Za-z0-9._-]{1,100}$")
_MIN_NATIONAL = 7  # digits a shortened echo must keep to be matched by its national part
_TRUE = {"1", "yes", "true", "on", "y"}
_FALSE = {"0", "no", "false", "off", "n", ""}


def wire_number(ctx: ProviderContext, number: str) -> str:
    """E.164 -> international digits without ``+``; ``@user`` / ``#group`` pass through.

    Digits, because playSMS takes international numbers and only rewrites numbers that start
    with ``0`` or have the account's local length (``replace_zero``, ``local_length``): an
    international number in digits reaches the gateway unchanged, and no ``+`` can turn into
    a space on the way.  A target may not hold a comma (it would add destinations) or spaces.
    """
    if number[:1] in ("@", "#"):
        if not _TARGET.match(number):
            raise InvalidRecipientError(
                f"{number!r} is not a playSMS target: @username or #groupcode of letters, digits, '.', '_', '-'",
                recipient=number,
                provider=ctx.provider,
                before_request=True,
            )
        return number
    digits = to_digits(number)
    if not digits.isdigit():
        raise InvalidRecipientError(
            f"{number!r} is not an international number", recipient=number, provider=ctx.provider, before_request=True
        )
    return digits


# ---------------------------------------------------------------------------- request


def _flag(value: Any, name: str, ctx: ProviderContext) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    raise InvalidMessageError(
        f"message option {name!r} takes yes/no, not {value!r}", provider=ctx.provider, before_request=True
    )


def pv_fields(ctx: ProviderContext, message: Message, to: Sequence[str], text: str) -> list[tuple[str, str]]:
    """The ``op=pv`` fields (besides ``u``/``h``); refuses bad options before any request."""
    unknown = sorted(set(message.options) - set(MESSAGE_OPTIONS))
    if unknown:
        raise InvalidMessageError(
            f"unknown message option(s) {', '.join(unknown)}; playSMS takes: {', '.join(MESSAGE_OPTIONS)}",
            provider=ctx.provider,
            before_request=True,
        )
    fields = [("to", ",".join(to)), ("msg", text)]
    if message.sender:
        fields.append(("from", message.sender))
    footer = message.options.get("footer")
    nofooter = _flag(message.options.get("nofooter", False), "nofooter", ctx)
    if footer is not None:
        if not isinstance(footer, str):
            raise InvalidMessageError(
                "message option 'footer' must be text", provider=ctx.provider, before_request=True
            )
        if nofooter:
            raise InvalidMessageError(
                "message options 'footer' and 'nofooter' contradict each other",
                provider=ctx.provider,
                before_request=True,
            )
        fields.append(("footer", footer))
    if nofooter:
        fields.append(("nofooter", "1"))
    if message.flash:
        fields.append(("type", "flash"))
    # the server does not detect it: Arabic without unicode=1 arrives mangled
    encoding = message.encoding or analyze(text).encoding
    fields.append(("unicode", "1" if encoding == "ucs2" else "0"))
    if message.schedule is not None:
        local = message.schedule.astimezone(ctx.config.tz)
        fields.append(("schedule", local.strftime("%Y-%m-%d %H:%M:%S")))
    return fields


# ---------------------------------------------------------------------------- matching


@attrs.frozen
class Item:
    """One destination item of a ``pv`` reply, read defensively (``status`` None: unreadable)."""

    status: str | None
    code: str | None
    smslog_id: str | None
    queue: str | None
    to: str | None

    @classmethod
    def read(cls, value: Any) -> Item:
        if not isinstance(value, Mapping):
            return cls(None, None, None, None, None)
        status = (text_of(value.get("status")) or "").upper() or None
        smslog_id = text_of(value.get("smslog_id"))
        return cls(
            status=status,
            code=error_code(value.get("error")),
            smslog_id=smslog_id if smslog_id and smslog_id != "0" else None,
            queue=text_of(value.get("queue")) or None,
            to=text_of(value.get("to")) or None,
        )


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def match_items(wires: Sequence[str], items: Sequence[Item]) -> dict[int, list[int]]:
    """Which items (by index) belong to which recipient (by index of unique ``wires``)."""
    found: dict[int, list[int]] = {}
    free = dict.fromkeys(range(len(items)))  # an ordered set: O(1) removal
    numbers = [i for i, w in enumerate(wires) if w[:1] not in ("@", "#")]
    # indexes for the two exact rules, so a 500-recipient reply is matched in linear time
    by_wire: dict[str, list[int]] = {}
    by_digits: dict[str, list[int]] = {}
    for r in numbers:
        by_wire.setdefault(wires[r], []).append(r)
        by_digits.setdefault(_digits(wires[r]), []).append(r)

    def take(r: int, it: int) -> None:
        found.setdefault(r, []).append(it)
        del free[it]

    def names(echo: str, r: int) -> bool:
        """Whether an echoed ``to`` can be recipient ``r``'s number (the same, or its national part)."""
        theirs, national = _digits(wires[r]), _digits(echo).lstrip("0")
        if echo == wires[r] or (theirs and _digits(echo) == theirs):
            return True
        return len(national) >= _MIN_NATIONAL and len(theirs) > len(national) and theirs.endswith(national)

    def candidates(rule: int, echo: str) -> list[int]:
        if rule == 0:  # exact
            return by_wire.get(echo, [])
        if rule == 1:  # the same digits: +211... for 211...
            return by_digits.get(_digits(echo), [])
        return [r for r in numbers if names(echo, r)]  # the national part: 0912345678 for 211912345678

    for rule in range(3):
        for it in list(free):
            echo = items[it].to
            if not echo or not _digits(echo):
                continue
            hits = [r for r in candidates(rule, echo) if r not in found]
            if len(hits) == 1:
                take(hits[0], it)

    def foreign(it: int) -> bool:
        """An echo naming a number of this request (a duplicate) or holding one (a merged number)."""
        echo = items[it].to or ""
        return bool(echo) and any(names(echo, r) or _digits(wires[r]) in _digits(echo) for r in numbers)

    free = dict.fromkeys(it for it in free if not foreign(it))  # such an item is nobody else's
    left = [r for r in range(len(wires)) if r not in found]
    if not left or not free:
        return found
    if len(left) == 1:
        r = left[0]
        if wires[r][:1] in ("@", "#"):
            for it in list(free):  # a target expands to any number of items
                take(r, it)
        elif len(free) == 1:  # the only recipient left and the only item left
            take(r, next(iter(free)))
        return found
    one_to_one = len(items) == len(wires) and len(numbers) == len(wires) and len(free) == len(left)
    statuses = {items[it].status for it in free}
    if one_to_one and len(statuses) == 1 and None not in statuses:  # a wrong pairing could only swap ids
        for r, it in zip(left, list(free), strict=True):
            take(r, it)
    return found


def _receipt(ctx: ProviderContext, number: str, mine: Sequence[Item]) -> Receipt:
    if not mine:
        return Receipt(
            number,
            ReceiptStatus.UNKNOWN,
            reason="the reply has no item for this recipient (a playSMS 1.4.7+ server merges "
            "comma-separated numbers into one: use batch=1)",
            provider=ctx.provider,
        )
    ok = [i for i in mine if i.status == "OK"]
    failed = [i for i in mine if i.status == "ERR"]
    if ok:
        queues = {i.queue for i in ok}
        if len(ok) == 1:
            ident = ok[0].smslog_id or ok[0].queue
        else:  # a group: its queue code finds every member's report
            ident = ok[0].queue if len(queues) == 1 and ok[0].queue else ok[0].smslog_id
        reason = f"{len(failed)} of {len(mine)} destinations failed" if failed else None
        return Receipt(number, ReceiptStatus.ACCEPTED, message_id=ident, reason=reason, provider=ctx.provider)
    if failed and len(failed) == len(mine):
        code = failed[0].code
        return Receipt(
            number,
            ReceiptStatus.REJECTED,
            reason=f"ERR {code or '?'} {codes.error_text(code)}",
            code=code,
            provider=ctx.provider,
        )
    return Receipt(
        number, ReceiptStatus.UNKNOWN, reason="the reply's item for this recipient is unreadable", provider=ctx.provider
    )


# ---------------------------------------------------------------------------- send


def _one_request(ctx: ProviderContext, message: Message, recipients: Sequence[Recipient], text: str) -> SendResult:
    wires: list[str] = []
    first_of: dict[str, int] = {}
    for r in recipients:
        wire = wire_number(ctx, r.number)
        if wire not in first_of:
            first_of[wire] = len(wires)
            wires.append(wire)
    answer = call(ctx, "pv", pv_fields(ctx, message, wires, text))
    raw_items = items_of(answer.data.get("data"))
    if not raw_items or not any(isinstance(v, Mapping) for v in raw_items):
        raise unreadable(answer.raw, ctx.provider, "the pv reply holds no destination item")
    items = [Item.read(v) for v in raw_items]
    found = match_items(wires, items)
    receipts: list[Receipt] = []
    seen: set[str] = set()
    multi: dict[str, list[str]] = {}
    for r in recipients:
        wire = wire_number(ctx, r.number)
        if wire in seen:
            receipts.append(
                Receipt(
                    r.number,
                    ReceiptStatus.REJECTED,
                    reason="the same destination twice in one request: playSMS sends it once",
                    code="duplicate",
                    provider=ctx.provider,
                )
            )
            continue
        seen.add(wire)
        mine = [items[i] for i in found.get(first_of[wire], [])]
        receipts.append(_receipt(ctx, r.number, mine))
        if len(mine) > 1:
            multi[r.number] = [i.smslog_id for i in mine if i.smslog_id]
    attributed = sum(len(v) for v in found.values())
    details: dict[str, Any] = {}
    queues = sorted({i.queue for i in items if i.queue})
    if queues:
        details["queue"] = queues[0] if len(queues) == 1 else queues
    if multi:
        details["smslog_ids"] = multi
    if attributed < len(items):
        details["unmatched_items"] = len(items) - attributed
    return SendResult(
        provider=ctx.provider,
        receipts=tuple(receipts),
        raw=answer.raw,
        client_ref=message.client_ref,
        scheduled=message.schedule is not None,
        details=details,
    )


def send(ctx: ProviderContext, message: Message) -> SendResult:
    """Send ``message`` to its recipients: one ``pv`` request per distinct text.

    The core renders templates per recipient in bulk sends; a multi-recipient ``send()``
    arrives with the template and ``params``, so recipients are grouped by their text here.
    Once a request was made, a later request's failure becomes receipts, not an exception.
    """
    groups: dict[str, list[Recipient]] = {}
    for r in message.recipients:
        groups.setdefault(message.text_for(r), []).append(r)
    for text, members in groups.items():  # validate everything before the first request
        for r in members:
            wire_number(ctx, r.number)
        pv_fields(ctx, message, ["x"], text)
    results: list[SendResult] = []
    for text, members in groups.items():
        if not results:
            results.append(_one_request(ctx, message, members, text))
            continue
        try:
            results.append(_one_request(ctx, message, members, text))
        except SmsBridgeError as exc:  # a later request: keep the earlier outcomes
            status = ReceiptStatus.REJECTED if exc.outcome is Outcome.NOT_SENT else ReceiptStatus.UNKNOWN
            results.append(
                SendResult(
                    provider=ctx.provider,
                    receipts=tuple(
                        Receipt(
                            r.number, status, reason=str(exc), code=getattr(exc, "code", None), provider=ctx.provider
                        )
                        for r in members
                    ),
                )
            )
    if len(results) == 1:
        return results[0]
    return SendResult(
        provider=ctx.provider,
        receipts=tuple(rc for res in results for rc in res.receipts),
        raw=results[-1].raw,
        client_ref=message.client_ref,
        scheduled=message.schedule is not None,
        details={"requests": len(results)},
    )
