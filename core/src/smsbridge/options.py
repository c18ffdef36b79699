"""Options, checked the same way by every plugin: message options, query filters, account options.

A provider takes a few options of its own (``Message.options``, ``InboundQuery.options``); a
name it does not know is a typo that must not be dropped silently, and a yes/no option means
the same words everywhere (the vocabulary of :mod:`smsbridge.values`).  Both refusals are
``InvalidMessageError`` made before any request: nothing was sent.  An account option (a
field of the plugin's config class) that one of the core's parsers reads, such as a time
zone, is checked when the account is made with ``checked_by``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from smsbridge.errors import InvalidMessageError
from smsbridge.refusals import before_request
from smsbridge.values import parse_bool

__all__ = ["check_options", "checked_by", "option_flag"]


def check_options(given: Iterable[Any], known: Collection[str], *, provider: str, what: str = "message option") -> None:
    """Refuse names of ``given`` that are not in ``known``, naming them and what ``provider``
    (its name in words, e.g. ``"ASPSMS"``) takes.

    :raises InvalidMessageError: ``unknown message option(s) x, y; ASPSMS takes: a, b``.
    """
    unknown = sorted(set(map(str, given)) - set(known))
    if unknown:
        raise before_request(
            InvalidMessageError, f"unknown {what}(s) {', '.join(unknown)}; {provider} takes: {', '.join(known)}"
        )


def option_flag(value: Any, name: str, *, blank_is_no: bool = False) -> bool:
    """A yes/no option (``True``, ``"yes"``, ``0``, ``"off"``...) as a ``bool``.

    ``blank_is_no``: an empty or blank text reads as no.

    :raises InvalidMessageError: for anything else, naming the option.
    """
    flag = parse_bool(value)
    if flag is None and not (blank_is_no and isinstance(value, str) and not value.strip()):
        raise before_request(InvalidMessageError, f"message option {name!r} takes yes/no, not {value!r}")
    return bool(flag)


def checked_by(parse: Callable[[Any], object], *, optional: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator that reads the value with ``parse`` (``parse_zone``, ``parse_offset``...),
    whose ``ValueError`` says why the option is refused; ``optional``: ``None`` is no value.

    ::

        timezone: str = attrs.field(default="UTC", validator=checked_by(parse_zone))
    """

    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if value is not None or not optional:
            parse(value)

    return check
