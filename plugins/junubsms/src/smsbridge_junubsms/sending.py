"""``op=pv``: building the request and matching the reply's items to the recipients.

The reply has one item per destination, ``{"status","error","smslog_id","queue","to"}``, and no
top-level status.  Matching is the delicate part:

* ``to`` echoes the number as playSMS stored it, which can differ from what was sent (a
  national form, a ``+``, zeros the account's ``replace_zero``/``local_length`` rules put in
  front); a failed item has an empty ``to``; ``#group`` and ``@user`` expand to their
  members' numbers.
* playSMS 1.4.7 and later merge ``to=a,b`` into ONE destination, commas stripped and cut to
  15 characters, answered with one item (``OK``: it is delivered and billed).

So items are matched exactly, then by digits (leading zeros aside), then by the national part
(a stored number shorter than the one sent, never longer: a merged number is longer than
each of its parts).  What is left is attributed only where nothing else is possible: the
one remaining recipient, or, when every item is accounted for one to one and the leftovers
share one status, by position.  A recipient without an item is ``UNKNOWN``, never accepted.

A reply that shows the merge (one item for several numbers, naming none of them) says what
happened: a number that is not the start of the merged destination was certainly not sent
to (``REJECTED``, code ``merged``); the one that is its start may have been reached by an
SMSC that cuts long numbers (``UNKNOWN``, with the item's id).  From then on the account
sends one number per request.

``#group`` targets are checked first (``get_contact_group``): playSMS 1.4.8 sends ``#CODE``
to the first group whose name or code merely *contains* CODE, and answers HTTP 500 for no
group at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from smsbridge.plugin import (
    InvalidMessageError,
    InvalidRecipientError,
    Message,
    NotFoundError,
    Outcome,
    Receipt,
    ReceiptStatus,
    Recipient,
    RejectedError,
    SendResult,
    SmsBridgeError,
    UnreadableReplyError,
    analyze,
    before_request,
    check_options,
    list_of,
    option_flag,
    text_of,
    to_digits,
)
from smsbridge_junubsms import codes
from smsbridge_junubsms.ids import MessageRef
from smsbridge_junubsms.wire import Ctx, call, error_code, unreadable

__all__ = ["MERGES_KEY", "Item", "match_items", "merged_destination", "pv_fields", "send", "wire_number"]

log = logging.getLogger("smsbridge.junubsms")

MESSAGE_OPTIONS = ("footer", "nofooter")
#: ``ctx.cache`` key set once a reply showed the server merging comma-separated numbers
MERGES_KEY = "playsms_merges_commas"
_TARGET = re.compile(r"^[@#][A-Za-z0-9._-]{1,100}$")
_MIN_NATIONAL = 7  # digits a shortened echo must keep to be matched by its national part


def wire_number(ctx: Ctx, number: str) -> str:
    """E.164 -> international digits without ``+``; ``@user`` / ``#group`` pass through.

    Digits, because playSMS takes international numbers and only rewrites numbers that start
    with ``0`` or have the account's local length (``replace_zero``, ``local_length``): an
    international number in digits reaches the gateway unchanged, and no ``+`` can turn into
    a space on the way.  A target may not hold a comma (it would add destinations) or spaces.
    """
    if number[:1] in ("@", "#"):
        if not _TARGET.match(number):
            raise before_request(
                InvalidRecipientError,
                f"{number!r} is not a playSMS target: @username or #groupcode of letters, digits, '.', '_', '-'",
                recipient=number,
            )
        return number
    digits = to_digits(number)
    if not (digits.isascii() and digits.isdigit()):
        raise before_request(InvalidRecipientError, f"{number!r} is not an international number", recipient=number)
    return digits


# ---------------------------------------------------------------------------- request


def pv_fields(ctx: Ctx, message: Message, to: Sequence[str], text: str) -> list[tuple[str, str]]:
    """The ``op=pv`` fields (besides ``u``/``h``); refuses bad options before any request."""
    check_options(message.options, MESSAGE_OPTIONS, provider="playSMS")
    fields = [("to", ",".join(to)), ("msg", text)]
    if message.sender:
        fields.append(("from", message.sender))
    footer = message.options.get("footer")
    nofooter = option_flag(message.options.get("nofooter", False), "nofooter", blank_is_no=True)
    if footer is not None:
        if not isinstance(footer, str):
            raise before_request(InvalidMessageError, "message option 'footer' must be text")
        if nofooter:
            raise before_request(InvalidMessageError, "message options 'footer' and 'nofooter' contradict each other")
        fields.append(("footer", footer))
    if nofooter:
        fields.append(("nofooter", "1"))
    if message.flash:
        fields.append(("type", "flash"))
    # the server does not detect it: Arabic without unicode=1 arrives mangled
    encoding = message.encoding or analyze(text).encoding
    fields.append(("unicode", "1" if encoding == "ucs2" else "0"))
    if message.schedule is not None:
        fields.append(("schedule", ctx.config.clock.schedule(message.schedule)))
    return fields


def _check_groups(ctx: Ctx, wires: Sequence[str]) -> None:
    """Refuse a ``#group`` the server would not resolve to exactly that group (see the module doc)."""
    for wire in wires:
        if wire[:1] != "#":
            continue
        code = wire[1:]
        try:
            answer = call(ctx, "get_contact_group", [("kwd", code)], no_data_ok=True, preparatory=True)
            status = (text_of(answer.data.get("status")) or "").upper()
            rows = [] if answer.code else list_of(answer.data.get("data"))
            if (status != "OK" and not answer.code) or rows is None:
                raise unreadable(
                    ctx, answer.raw, "get_contact_group", "op=get_contact_group answered neither a list nor an error"
                )
        except UnreadableReplyError as exc:
            raise RejectedError(
                f"{wire}: the group check before sending failed ({exc.message}); nothing was sent",
                http_status=exc.http_status,
                raw=exc.raw,
                hint="an older playSMS may lack get_contact_group; send to the members' numbers instead",
            ) from None
        groups = [r for r in rows if isinstance(r, Mapping)]
        found = [(text_of(r.get("code")) or "", text_of(r.get("group_name")) or "") for r in groups]
        exact = [c for c, name in found if code.upper() in (c.upper(), name.upper())]
        if not exact:
            near = ", ".join(f"#{c}" for c, _ in found[:5])
            instead = (
                f"; playSMS 1.4.8 would have sent it to #{found[0][0]}, whose name or code contains it" if found else ""
            )
            raise NotFoundError(
                f"{wire}: no phonebook group has the code {code!r}{instead}",
                code=None,
                raw=answer.raw,
                hint=f"groups whose name or code contain it: {near}" if near else "check the group code",
            )
        if len(found) > 1 and not ctx.config.exact_groups:
            others = ", ".join(f"#{c}" for c, _ in found if c.upper() != code.upper())
            raise InvalidRecipientError(
                f"{wire}: playSMS 1.4.8 resolves a group code by searching names and codes, and the search "
                f"also finds {others}: the server may send to one of those instead; nothing was sent",
                recipient=wire,
                raw=answer.raw,
                hint="give the groups codes that do not contain one another, or set version= for a server "
                "before 1.4.8 (it matches codes exactly)",
            )


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

    @property
    def message_id(self) -> str | None:
        """The id ``delivery_status`` reads this destination by (see ``smsbridge_junubsms.ids``)."""
        ref = MessageRef.of_item(self.smslog_id, self.queue, self.to)
        if ref is not None:
            return str(ref)
        return self.smslog_id or self.queue


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _number(text: str) -> str:
    """The digits that identify a number: ``+211…``, ``00211…`` and ``0211…`` are one number."""
    return _digits(text).lstrip("0")


def match_items(wires: Sequence[str], items: Sequence[Item]) -> dict[int, list[int]]:
    """Which items (by index) belong to which recipient (by index of unique ``wires``)."""
    found: dict[int, list[int]] = {}
    free = dict.fromkeys(range(len(items)))  # an ordered set: O(1) removal
    numbers = [i for i, w in enumerate(wires) if w[:1] not in ("@", "#")]
    # indexes for the two exact rules, so a 500-recipient reply is matched in linear time
    by_wire: dict[str, list[int]] = {}
    by_number: dict[str, list[int]] = {}
    for r, wire in enumerate(wires):
        if wire[:1] != "#":
            by_wire.setdefault(wire, []).append(r)
    for r in numbers:
        by_number.setdefault(_number(wires[r]), []).append(r)

    def take(r: int, it: int) -> None:
        found.setdefault(r, []).append(it)
        del free[it]

    def names(echo: str, r: int) -> bool:
        """Whether an echoed ``to`` can be recipient ``r``'s number (the same, or its national part)."""
        theirs, echoed = _number(wires[r]), _number(echo)
        if echo == wires[r] or (theirs and echoed == theirs):
            return True
        return len(echoed) >= _MIN_NATIONAL and len(theirs) > len(echoed) and theirs.endswith(echoed)

    def candidates(rule: int, echo: str) -> list[int]:
        if rule == 0:  # exact (an @user target echoes as sent)
            return by_wire.get(echo, [])
        if rule == 1:  # the same number: +211…, 00211… or 0211… for 211…
            return by_number.get(_number(echo), []) if _number(echo) else []
        return [r for r in numbers if names(echo, r)]  # the national part: 0912345678 for 211912345678

    for rule in range(3):
        for it in list(free):
            echo = items[it].to
            if not echo or (rule and not _digits(echo)):
                continue
            hits = [r for r in candidates(rule, echo) if r not in found]
            if len(hits) == 1:
                take(hits[0], it)

    def foreign(it: int) -> bool:
        """An echo naming a number of this request (a duplicate) or holding one (a merged number)."""
        echo = items[it].to or ""
        return bool(_digits(echo)) and any(names(echo, r) or _number(wires[r]) in _digits(echo) for r in numbers)

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


def merged_destination(wires: Sequence[str], items: Sequence[Item], found: Mapping[int, list[int]]) -> str | None:
    """The garbage number a 1.4.7+ server made of a comma-separated ``to``, when the reply shows one.

    The sign: several numbers (no ``#group``, which expands unpredictably) answered with one
    ``OK`` item whose ``to`` is none of them.
    """
    numbers = [w for w in wires if w[:1] not in ("@", "#")]
    if len(numbers) < 2 or any(w[:1] == "#" for w in wires) or len(items) != 1 or found:
        return None
    item = items[0]
    return item.to if item.status == "OK" and item.to and _digits(item.to) else None


def _merged_receipts(ctx: Ctx, recipients: Sequence[Recipient], item: Item) -> list[Receipt]:
    merged = _digits(item.to or "")
    ident = item.message_id
    what = f"playSMS merged the comma-separated numbers into one destination, {item.to}" + (
        f" (message {ident})" if ident else ""
    )
    receipts = []
    for r in recipients:
        wire = _wire(ctx, r)
        if wire[:1] != "@" and merged.startswith(_digits(wire)):
            receipts.append(
                Receipt(
                    r.number,
                    ReceiptStatus.UNKNOWN,
                    message_id=ident,
                    reason=f"{what}; this number is its start, so an SMSC that cuts long numbers may have "
                    "delivered it: check that message's delivery status before sending again",
                    code="merged",
                )
            )
        else:
            receipts.append(
                Receipt(
                    r.number,
                    ReceiptStatus.REJECTED,
                    reason=f"{what}: this recipient was not sent to (the server merges commas: use batch=1)",
                    code="merged",
                    retryable=True,  # not refused: dropped by the merge, so a resume sends it
                )
            )
    return receipts


def _receipt(ctx: Ctx, number: str, mine: Sequence[Item]) -> Receipt:
    if not mine:
        return Receipt(
            number,
            ReceiptStatus.UNKNOWN,
            reason="the reply has no item for this recipient (a playSMS 1.4.7+ server merges "
            "comma-separated numbers into one: use batch=1)",
        )
    ok = [i for i in mine if i.status == "OK"]
    failed = [i for i in mine if i.status == "ERR"]
    if ok:
        queues = {i.queue for i in ok}
        if len(ok) == 1:
            ident = ok[0].message_id
        else:  # a group: its queue code finds every member's report
            ident = ok[0].queue.lower() if len(queues) == 1 and ok[0].queue else ok[0].message_id
        reason = f"{len(failed)} of {len(mine)} destinations failed" if failed else None
        return Receipt(number, ReceiptStatus.ACCEPTED, message_id=ident, reason=reason)
    if failed and len(failed) == len(mine):
        code = failed[0].code
        if all(i.code in codes.ITEM_REFUSALS for i in failed):
            return Receipt(number, ReceiptStatus.REJECTED, reason=f"ERR {code} {codes.error_text(code)}", code=code)
        return Receipt(
            number,
            ReceiptStatus.UNKNOWN,
            reason=f"the reply's item for this recipient is ERR {code or 'without a code'}, which the "
            "documentation does not list as a refusal: the message may have been taken",
            code=code,
        )
    return Receipt(number, ReceiptStatus.UNKNOWN, reason="the reply's item for this recipient is unreadable")


# ---------------------------------------------------------------------------- send


def _one_request(ctx: Ctx, message: Message, recipients: Sequence[Recipient], text: str) -> SendResult:
    wires: list[str] = []
    first_of: dict[str, int] = {}
    for r in recipients:
        wire = _wire(ctx, r)
        if wire not in first_of:
            first_of[wire] = len(wires)
            wires.append(wire)
    _check_groups(ctx, wires)
    answer = call(ctx, "pv", pv_fields(ctx, message, wires, text))
    raw_items = list_of(answer.data.get("data"))
    if not raw_items or not any(isinstance(v, Mapping) for v in raw_items):
        raise unreadable(ctx, answer.raw, "pv", "the pv reply holds no destination item")
    items = [Item.read(v) for v in raw_items]
    found = match_items(wires, items)
    details: dict[str, Any] = {}
    queues = sorted({i.queue.lower() for i in items if i.queue})
    if queues:
        details["queue"] = queues[0] if len(queues) == 1 else queues
    merged = merged_destination(wires, items, found)
    if merged is not None:
        with ctx.lock:
            ctx.cache[MERGES_KEY] = True
        log.warning(
            "%s: the server merged %d comma-separated numbers into %s (playSMS 1.4.7+): sending one number "
            "per request from now on",
            ctx.provider,
            len(wires),
            merged,
        )
        details["merged"] = {"to": merged, "smslog_id": items[0].smslog_id, "queue": items[0].queue}
        return ctx.result(_merged_receipts(ctx, recipients, items[0]), message, raw=answer.raw, details=details)
    receipts: list[Receipt] = []
    seen: set[str] = set()
    multi: dict[str, list[str]] = {}
    for r in recipients:
        wire = _wire(ctx, r)
        if wire in seen:
            receipts.append(
                Receipt(
                    r.number,
                    ReceiptStatus.REJECTED,
                    reason="the same destination twice in one request: playSMS sends it once",
                    code="duplicate",
                )
            )
            continue
        seen.add(wire)
        mine = [items[i] for i in found.get(first_of[wire], [])]
        receipts.append(_receipt(ctx, r.number, mine))
        if len(mine) > 1:
            multi[r.number] = [i.smslog_id for i in mine if i.smslog_id]
    attributed = sum(len(v) for v in found.values())
    if multi:
        details["smslog_ids"] = multi
    if attributed < len(items):
        details["unmatched_items"] = len(items) - attributed
    return ctx.result(receipts, message, raw=answer.raw, details=details)


def _chunks(ctx: Ctx, members: list[Recipient]) -> list[list[Recipient]]:
    """One request for ``members``, or one per recipient once the server is known to merge commas."""
    if len(members) > 1 and ctx.cache.get(MERGES_KEY):
        return [[r] for r in members]
    return [members]


def send(ctx: Ctx, message: Message) -> SendResult:
    """Send ``message`` to its recipients: one ``pv`` request, or one a number once the server
    is known to merge commas.

    playSMS has no templating: the core renders templates and groups recipients by their
    text before it calls the hook, so a message holds one text.  Once a request was made, a
    later request's failure becomes receipts, not an exception.
    """
    for r in message.recipients:  # validate everything before the first request
        _wire(ctx, r)
    pv_fields(ctx, message, ["x"], message.text)
    results: list[SendResult] = []
    for chunk in _chunks(ctx, list(message.recipients)):
        if not results:
            results.append(_one_request(ctx, message, chunk, message.text))
            continue
        try:
            results.append(_one_request(ctx, message, chunk, message.text))
        except SmsBridgeError as exc:  # a later request: keep the earlier outcomes
            status = ReceiptStatus.REJECTED if exc.outcome is Outcome.NOT_SENT else ReceiptStatus.UNKNOWN
            code = getattr(exc, "code", None)
            receipts = tuple(Receipt(r.number, status, reason=str(exc), code=code) for r in chunk)
            results.append(ctx.result(receipts))
    if len(results) == 1:
        return results[0]
    return ctx.result(
        (rc for res in results for rc in res.receipts), message, raw=results[-1].raw, details={"requests": len(results)}
    )


def _wire(ctx: Ctx, recipient: Recipient) -> str:
    """The number as ``smsbridge_check_recipient`` made it when the core validated it."""
    return recipient.wire or wire_number(ctx, recipient.number)
