"""Account options of ``aspsms://USERKEY:PASSWORD@default?...`` (and ``server2sms://``).

Also the small validators the hooks share (notification URLs, originators, TRNs),
so that a bad value is refused before any request, with the same words everywhere.
"""

from __future__ import annotations

import re

import attrs

from smsbridge.plugin import credential, parse_zone

__all__ = [
    "DEFERRED_FORMATS",
    "MAX_URL_LENGTH",
    "SWISS_ZONE",
    "AspsmsConfig",
    "originator_problem",
    "trn_problem",
    "url_problem",
]

MAX_URL_LENGTH = 200  # one notification URL (aspsms.txt, "Notification URL properties")
SWISS_ZONE = "Europe/Zurich"
DEFERRED_FORMATS = ("ddMMyyyyHHmmss", "iso8601")

_TRN = re.compile(r"[A-Za-z0-9]+")
_ALNUM_ORIGINATOR = re.compile(r"[A-Za-z0-9]{1,11}")
_NUMERIC_ORIGINATOR = re.compile(r"\+?[0-9]{1,16}")


def url_problem(name: str, value: str) -> str | None:
    """Why ``value`` cannot be a notification URL, or ``None`` when it can."""
    if len(value) > MAX_URL_LENGTH:
        return f"{name} has {len(value)} characters; ASPSMS takes at most {MAX_URL_LENGTH}"
    if not value.lower().startswith(("http://", "https://")):
        return f"{name} must be an http:// or https:// URL"
    if any(ch.isspace() for ch in value):
        return f"{name} must not contain whitespace"
    return None


def originator_problem(value: str) -> str | None:
    """Why ``value`` cannot be an originator: 1-11 characters ``[A-Za-z0-9]`` or a number."""
    if _NUMERIC_ORIGINATOR.fullmatch(value) or _ALNUM_ORIGINATOR.fullmatch(value):
        return None
    if value.lstrip("+").isdigit():
        return f"originator {value!r}: a numeric originator is up to 16 ASCII digits"
    return f"originator {value!r}: use 1-11 characters A-Z, a-z, 0-9, or a phone number"


def trn_problem(value: str) -> str | None:
    """Why ``value`` cannot be a transaction reference number (TRN)."""
    if _TRN.fullmatch(value):
        return None
    return f"transaction reference {value!r}: use only the characters A-Z, a-z and 0-9"


@attrs.define(kw_only=True)
class AspsmsConfig:
    """Credentials and options of one ASPSMS / server2sms account.

    ``userkey`` and ``password`` are the URL's user and password parts.  The three
    ``notify_*`` URLs (ASPSMS substitutes ``<TRN>``, ``<DST>``... when it calls them) and
    ``affiliate_id`` apply to every send unless a message overrides them.  ``simple=yes``
    sends through SendSimpleTextSMS, which takes no TRN, schedule, flash or notification URL.
    ``deferred_format`` / ``deferred_timezone`` say how a schedule is written (see the docs:
    the JSON API's format is not published).
    """

    userkey: str = credential("user")
    password: str = credential("password")
    affiliate_id: str | None = None
    # the receiver's URL holds its token: secret (masked in the account URL, redacted in logs)
    notify_buffered: str | None = credential(None, default=None)
    notify_delivered: str | None = credential(None, default=None)
    notify_not_delivered: str | None = credential(None, default=None)
    simple: bool = False
    deferred_format: str = "ddMMyyyyHHmmss"
    deferred_timezone: str = SWISS_ZONE

    def __attrs_post_init__(self) -> None:
        problems = []
        for name in ("notify_buffered", "notify_delivered", "notify_not_delivered"):
            value = getattr(self, name)
            if value is not None:
                problem = url_problem(name, value)
                if problem:
                    problems.append(problem)
                elif self.simple:
                    problems.append(f"{name} cannot be used with simple=yes (SendSimpleTextSMS has no such field)")
        if self.simple and self.affiliate_id:
            problems.append("affiliate_id cannot be used with simple=yes (SendSimpleTextSMS has no such field)")
        if self.deferred_format not in DEFERRED_FORMATS:
            problems.append(f"deferred_format must be one of {', '.join(DEFERRED_FORMATS)}")
        if self.deferred_timezone != SWISS_ZONE:  # the default is resolved when a schedule needs it
            try:
                parse_zone(self.deferred_timezone)
            except ValueError as exc:
                problems.append(f"deferred_timezone: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
