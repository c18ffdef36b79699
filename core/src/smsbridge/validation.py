"""The checks every argument passes before any request: pure functions, no I/O, no hooks.

Each takes what it checks and the rule that applies (a ``SenderRule``, ``Capabilities``)
and returns the checked value or raises the typed error with ``before_request=True``,
naming ``provider``: a wrong type or value (``sender=12345``, a lone surrogate, a schedule
in year 9999, a sender with a zero-width or control character) never reaches a plugin.
``smsbridge.account`` calls them with the account's rules; what needs the provider
(``smsbridge_check_recipient``, ``smsbridge_rewrite_message``) stays there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from smsbridge.errors import (
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    UnsupportedOperationError,
)
from smsbridge.models import CallbackRequest, Capabilities, Recipient, SenderRule
from smsbridge.text import analyze, invisible_character, render, unsendable

__all__ = [
    "ENCODINGS",
    "RECIPIENT_KEYS",
    "check_callback_query",
    "check_encoding",
    "check_limit",
    "check_options",
    "check_options_mapping",
    "check_reference",
    "check_sender",
    "check_string",
    "check_text",
    "identifier",
    "items",
    "recipient_parts",
    "rendered",
    "shown",
]

#: the keys of a recipient record (a mapping) that may hold its number, in order
RECIPIENT_KEYS = ("to", "number", "recipient", "phone")
ENCODINGS = ("gsm7", "ucs2")
_NUMERIC_SENDER = re.compile(r"\+?[0-9]+")


def _before(provider: str) -> dict[str, Any]:
    return {"provider": provider, "before_request": True}


# ---------------------------------------------------------------------------- recipients


def recipient_parts(item: object, *, provider: str) -> tuple[str, dict[str, str], Any]:
    """The raw number, template params and reference of a recipient given as a string, a
    ``Recipient`` or a mapping (``{"to": ..., "name": ...}``); nothing normalised yet."""
    if isinstance(item, Recipient):
        raw, params, ref = item.number, dict(item.params), item.reference
        if not isinstance(raw, str):
            raise InvalidRecipientError(
                f"a Recipient's number must be a string, not {type(raw).__name__}",
                recipient=repr(raw),
                **_before(provider),
            )
        return raw, params, ref
    if isinstance(item, Mapping):
        key = next((k for k in RECIPIENT_KEYS if k in item), None)
        if key is None:
            raise InvalidRecipientError(
                f"a recipient record has no number (expected one of {', '.join(RECIPIENT_KEYS)})",
                recipient=None,
                **_before(provider),
            )
        nested = item.get("params")
        params = dict(nested) if isinstance(nested, Mapping) else {}
        params.update(
            {str(k): str(v) for k, v in item.items() if k not in (key, "reference", "params") and v is not None}
        )
        return str(item[key]), params, item.get("reference")
    if isinstance(item, str):
        return item, {}, None
    raise InvalidRecipientError(
        f"a recipient must be a string, a Recipient or a mapping, not {type(item).__name__}",
        recipient=repr(item),
        **_before(provider),
    )


def check_reference(ref: object, *, number: str, raw: str, provider: str) -> str | None:
    """A recipient's reference as text, refused when it holds an invisible character."""
    reference = str(ref) if ref is not None else None
    hidden = invisible_character(reference) if reference is not None else None
    if hidden:
        raise InvalidRecipientError(
            f"the reference {reference!r} of {number} holds {hidden}", recipient=raw, **_before(provider)
        )
    return reference


def items(value: Any) -> list[Any]:
    """One item (a string, a mapping, a ``Recipient``, anything not iterable) or the items of an iterable."""
    if isinstance(value, (str, bytes, Recipient, Mapping)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def shown(item: Any) -> str:
    """How a recipient that could not be read is named in its receipt."""
    if isinstance(item, Recipient):
        return item.number
    if isinstance(item, Mapping):
        return str(next((item[k] for k in RECIPIENT_KEYS if k in item), item))
    return str(item)


# ---------------------------------------------------------------------------- sender, text, options


def check_sender(sender: object, *, default: str | None, rule: SenderRule, provider: str) -> str | None:
    """The sender id to use (``default`` when none is given), checked against the provider's rule."""
    sender = sender if sender is not None else default
    if sender is not None and not isinstance(sender, str):
        raise InvalidSenderError(
            f"the sender must be a string, not {type(sender).__name__}",
            hint='e.g. sender="Shop", or a number as text: sender="41791234567"',
            **_before(provider),
        )
    if sender is None or sender == "":
        if rule.required:
            raise InvalidSenderError(
                "this provider needs a sender id: pass sender= or set ?sender= in the account URL",
                **_before(provider),
            )
        return None
    hidden = invisible_character(sender)
    if hidden:
        raise InvalidSenderError(
            f"sender {sender!r} contains {hidden}: control and invisible characters are not allowed in a sender",
            hint="type the sender id again as plain visible text",
            **_before(provider),
        )
    numeric = _NUMERIC_SENDER.fullmatch(sender) is not None
    if numeric and not rule.numeric_allowed:
        raise InvalidSenderError(f"sender {sender!r}: numeric senders are not accepted", **_before(provider))
    if not numeric or not rule.numeric_allowed:
        if not rule.min_length <= len(sender) <= rule.max_length:
            raise InvalidSenderError(
                f"sender {sender!r} has {len(sender)} characters; this provider takes "
                f"{rule.min_length}-{rule.max_length}",
                **_before(provider),
            )
        if rule.pattern and not re.fullmatch(rule.pattern, sender):
            raise InvalidSenderError(
                f"sender {sender!r} does not match the provider's rule"
                + (f": {rule.description}" if rule.description else ""),
                **_before(provider),
            )
    elif len(sender.lstrip("+")) > rule.numeric_max_length:
        raise InvalidSenderError(
            f"sender {sender!r} has more than {rule.numeric_max_length} digits", **_before(provider)
        )
    return sender


def check_string(value: object, what: str, *, provider: str) -> str:
    """``value`` as a string that can travel, or ``InvalidMessageError`` naming ``what``."""
    if not isinstance(value, str):
        raise InvalidMessageError(f"{what} must be a string, not {type(value).__name__}", **_before(provider))
    problem = unsendable(value)
    if problem:
        raise InvalidMessageError(f"{what} holds {problem}", **_before(provider))
    return value


def check_text(text: object, encoding: str | None, *, limit: int | None, provider: str) -> None:
    """A text that can travel, not empty, within the provider's ``limit`` of characters."""
    text = check_string(text, "the text", provider=provider)
    if not text.strip():
        raise InvalidMessageError("the text is empty", **_before(provider))
    if limit is not None and len(text) > limit:
        info = analyze(text, encoding=encoding)
        raise InvalidMessageError(
            f"the text has {len(text)} characters ({info.segments} {info.encoding} segments); "
            f"this provider takes at most {limit}",
            **_before(provider),
        )


def check_encoding(encoding: object, *, provider: str) -> None:
    if encoding is not None and encoding not in ENCODINGS:
        raise InvalidMessageError(f"unknown encoding {encoding!r}: use gsm7 or ucs2", **_before(provider))


def check_options(
    schedule: object,
    flash: object,
    encoding: object,
    *,
    caps: Capabilities,
    provider: str,
    now: dt.datetime | None = None,
) -> None:
    """The encoding, the flash flag and the schedule time (aware, ahead, not too far) of a message."""
    check_encoding(encoding, provider=provider)
    if not isinstance(flash, bool):
        raise InvalidMessageError(f"flash must be True or False, not {flash!r}", **_before(provider))
    if schedule is not None:
        if not caps.scheduling:
            raise UnsupportedOperationError("this provider cannot schedule messages", **_before(provider))
        if not isinstance(schedule, dt.datetime) or schedule.utcoffset() is None:
            raise InvalidMessageError(
                "the schedule time must be a timezone-aware datetime",
                hint="e.g. datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)",
                **_before(provider),
            )
        now = now if now is not None else dt.datetime.now(dt.timezone.utc)
        if schedule <= now:
            raise InvalidMessageError(f"the schedule time {schedule.isoformat()} is in the past", **_before(provider))
        if schedule - now > dt.timedelta(days=caps.max_schedule_days):
            raise InvalidMessageError(
                f"the schedule time {schedule.isoformat()} is more than {caps.max_schedule_days} days ahead, "
                f"the most {provider} takes",
                hint="check the year",
                **_before(provider),
            )
    if flash and not caps.flash:
        raise UnsupportedOperationError("this provider cannot send flash messages", **_before(provider))


def identifier(value: object, what: str, *, provider: str) -> str:
    """A client reference or message id as the provider gets it: visible, non-empty text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = check_string(value, what, provider=provider)
    hidden = invisible_character(text)
    if not text.strip() or hidden:
        raise InvalidMessageError(
            f"{what} {text!r} " + (f"contains {hidden}" if hidden else "is empty"), **_before(provider)
        )
    return text


def check_options_mapping(options: object, *, provider: str) -> None:
    """Per-message provider options: a mapping with string names; the plugin checks the values' types."""
    if options is not None:
        if not isinstance(options, Mapping):
            raise InvalidMessageError(
                f"options must be a mapping of option names to values, not {type(options).__name__}",
                **_before(provider),
            )
        for key, value in options.items():
            check_string(key, "an option name", provider=provider)
            if isinstance(value, str):
                check_string(value, f"option {key!r}", provider=provider)


def check_limit(limit: object, *, provider: str) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidMessageError(f"limit must be a whole number of 1 or more, not {limit!r}", **_before(provider))


def check_callback_query(request: object, *, provider: str) -> CallbackRequest:
    """A ``CallbackRequest``, or one built from the mapping of its query parameters."""
    if isinstance(request, CallbackRequest):
        return request
    if not isinstance(request, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in request.items()
    ):
        raise InvalidMessageError(
            "a callback is a CallbackRequest or the mapping of its query parameters (strings to strings)",
            **_before(provider),
        )
    return CallbackRequest(query=dict(request))


# ---------------------------------------------------------------------------- templates


def rendered(text: str, recipient: Recipient) -> str:
    """The template ``text`` filled from ``recipient``'s params, or ``InvalidMessageError``."""
    try:
        return render(text, recipient.params)
    except KeyError as exc:
        raise InvalidMessageError(
            f"the template needs field {exc.args[0]!r} for {recipient.number}", before_request=True
        ) from None
    except ValueError as exc:  # smsbridge.text.TemplateError: malformed, or too long once filled
        raise InvalidMessageError(str(exc), before_request=True) from None
