"""The ``smsData`` flow of ``sendSms`` and ``simulateCampaign``, as JSON or XML.

``DATA{MESSAGE, TPOA, DYNAMIC, FLASH, CAMPAIGN_NAME, DATE, MAIL_NOTIF, CLIMSGID,
MASTERACCOUNT, SMS[{MOBILEPHONE, PARAM_1...}]}``.

Templating: smsbridge templates use ``{name}`` fields; AllMySMS uses ``#param_1#``... in
MESSAGE, with DYNAMIC the number of fields and each SMS entry carrying PARAM_1... .  Fields
are numbered in order of first appearance.  A literal ``#param_N#`` typed by the user would be
replaced by AllMySMS, and there is no documented escape: such a sequence is sent as a
parameter of its own whose value is the literal text, so it arrives unchanged.

XML flows are written with xmltodict, which escapes ``<``, ``&`` and ``]]>``; the document's
examples wrap the text in a CDATA section, which breaks on a text containing ``]]>``.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from typing import Any

import attrs

from smsbridge.plugin import (
    InvalidMessageError,
    Message,
    before_request,
    check_options,
    is_template,
    option_flag,
    render,
    to_digits,
    wire_text,
)
from smsbridge_allmysms.config import Ctx
from smsbridge_allmysms.localtime import to_paris_text

__all__ = ["MESSAGE_OPTIONS", "Flow", "build_flow", "encode_flow"]

# Per-message options (Message.options) and the flow keys they fill.
MESSAGE_OPTIONS = ("campaign", "mail_notif")

_LITERAL_PARAM = re.compile(r"#param_\d+#", re.IGNORECASE)
# Characters XML 1.0 cannot carry at all, even escaped.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@attrs.frozen
class Flow:
    """The DATA object, ready to encode, and the wire number of each recipient in order."""

    data: dict[str, Any]
    numbers: tuple[str, ...]


@attrs.frozen
class _Template:
    text: str  # MESSAGE with #param_N# placeholders
    slots: tuple[str, ...]  # per slot: the smsbridge field source ("{name!r:>3}") or a literal


def _translate(text: str) -> _Template:
    """``Hi {name}`` -> ``Hi #param_1#`` with slot ``{name}``.

    The core's rule (``smsbridge.text.is_template``): a text with ``{name}`` fields is a
    template, where ``{{`` is a literal brace; any other text goes exactly as written.
    """
    parts: list[str] = []
    slots: list[str] = []
    index: dict[str, int] = {}

    def slot(key: str) -> str:
        if key not in index:
            slots.append(key)
            index[key] = len(slots)
        return f"#param_{index[key]}#"

    if is_template(text):
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:  # is_template said yes, so this cannot happen; stay typed anyway
            raise before_request(
                InvalidMessageError, f"the text is not a valid template ({exc}); write literal braces as {{{{ and }}}}"
            )
    else:
        parsed = [(text, None, None, None)]
    for literal, field, spec, conversion in parsed:
        # a literal #param_N# becomes a slot holding itself (prefix "=" marks a literal)
        pos = 0
        for match in _LITERAL_PARAM.finditer(literal):
            parts.append(literal[pos : match.start()])
            parts.append(slot("=" + match.group(0)))
            pos = match.end()
        parts.append(literal[pos:])
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise before_request(
                InvalidMessageError, "the text has a positional field ({} or {0}); name every field, e.g. {name}"
            )
        source = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        parts.append(slot(source))
    return _Template(text="".join(parts), slots=tuple(slots))


def _slot_value(slot: str, params: Mapping[str, str], number: str) -> str:
    if slot.startswith("="):
        return slot[1:]
    try:
        return render(slot, params)
    except KeyError as exc:
        raise before_request(
            InvalidMessageError, f"the template needs field {exc.args[0]!r} for {number}", recipient=number
        )
    except (ValueError, IndexError, AttributeError, TypeError) as exc:
        raise before_request(
            InvalidMessageError, f"the field {slot} cannot be filled for {number} ({exc})", recipient=number
        )


def build_flow(ctx: Ctx, message: Message) -> Flow:
    """The DATA object for ``message``, checked before anything is sent."""
    config = ctx.config
    options = dict(message.options)
    check_options(options, MESSAGE_OPTIONS, provider="AllMySMS")
    template = _translate(message.text)
    if not template.text.strip() and not template.slots:
        raise before_request(InvalidMessageError, "the text is empty")

    data: dict[str, Any] = {"MESSAGE": template.text}
    if message.sender:
        data["TPOA"] = message.sender
    if template.slots:
        data["DYNAMIC"] = str(len(template.slots))
    if message.flash:
        data["FLASH"] = "1"
    campaign = options.get("campaign", config.campaign)
    if campaign not in (None, ""):
        data["CAMPAIGN_NAME"] = str(campaign)
    if message.schedule is not None:
        try:
            data["DATE"] = to_paris_text(message.schedule)
        except (OverflowError, ValueError):
            raise before_request(
                InvalidMessageError, f"the schedule time {message.schedule!r} cannot be expressed as a date"
            )
    mail_notif = options.get("mail_notif", config.mail_notif)
    if mail_notif is not None:
        data["MAIL_NOTIF"] = wire_text(option_flag(mail_notif, "mail_notif"))  # "1" or "0"
    if message.client_ref:
        data["CLIMSGID"] = message.client_ref
    if config.masteraccount:
        data["MASTERACCOUNT"] = config.masteraccount

    entries: list[dict[str, str]] = []
    numbers: list[str] = []
    for recipient in message.recipients:
        number = to_digits(recipient.number)
        entry = {"MOBILEPHONE": number}
        for i, slot in enumerate(template.slots, start=1):
            entry[f"PARAM_{i}"] = _slot_value(slot, recipient.params, recipient.number)
        entries.append(entry)
        numbers.append(number)
    data["SMS"] = entries
    return Flow(data=data, numbers=tuple(numbers))


def encode_flow(ctx: Ctx, flow: Flow) -> str:
    """``smsData`` as the account's ``flow`` option says: JSON (default) or XML."""
    document = {"DATA": flow.data}
    if ctx.config.flow != "xml":
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for value in _strings(flow.data):
        if _XML_FORBIDDEN.search(value):
            raise before_request(
                InvalidMessageError, "the text holds control characters an XML flow cannot carry; use flow=json"
            )
    import xmltodict  # lazily: only XML accounts pay for it

    # XML parsers turn a bare CR into LF: write it as a character reference so it survives.
    # xmltodict never adds CRs of its own (no pretty printing), so every CR here is the user's.
    return xmltodict.unparse(document, full_document=False).replace("\r", "&#13;")


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []
