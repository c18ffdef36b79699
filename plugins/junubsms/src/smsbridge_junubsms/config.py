"""Account options of a playSMS webservices account (both ``junubsms`` and ``playsms``).

URL: ``junubsms://USER:TOKEN@default?option=value`` or
``playsms://USER:TOKEN@host[:port]/path/index.php?option=value``.  The URL's password part is
the webservices token (``h``), or the account password when ``auth=password`` (the plugin then
asks ``op=get_token`` once and keeps the token for the account's lifetime).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs

from smsbridge.config import credential
from smsbridge.models import Capabilities

__all__ = ["MAX_BATCH", "PlaySMSConfig", "parse_timezone"]

#: an upper bound for ``batch``: POST bodies have no URL-length limit, but a request that
#: answers one item per destination should stay a readable size.
MAX_BATCH = 500

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.I)


def parse_timezone(name: str) -> dt.tzinfo:
    """``UTC``, a fixed offset (``+02:00``, ``UTC-0530``) or an IANA name (``Africa/Juba``)."""
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z", "ETC/UTC"):
        return dt.timezone.utc
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > dt.timedelta(hours=14):
            raise ValueError(f"timezone offset {name!r} is out of range")
        return dt.timezone(-delta if sign == "-" else delta)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"timezone {name!r} is neither UTC, an offset like +02:00, nor a known IANA name like Africa/Juba"
        ) from None


def _check_timezone(_: Any, __: Any, value: str) -> None:
    parse_timezone(value)


@attrs.define(kw_only=True)
class PlaySMSConfig:
    """Credentials and options; every field but the two credentials is a URL option.

    * ``auth``: ``token`` (the URL holds the webservices token) or ``password`` (the URL
      holds the password: ``op=get_token`` is called once and the token cached).
    * ``batch``: destinations per ``op=pv`` request.  1 by default because playSMS 1.4.7 and
      later merge a comma-separated ``to`` into one garbage number; raise it only for servers
      known to split correctly (1.4.6 and earlier, JunubSMS says 1.4.5).
    * ``timezone``: the server's time zone, for ``schedule`` and the zone-less ``dt`` values.
    * ``format``: ``json`` (default) or ``xml``; both are read into the same results.
    * ``max_length``: the account's maximum text length, if known (playSMS cuts longer texts
      byte-wise without an error); ``None`` leaves the length to the server.
    """

    username: str = credential("user", secret=False)
    token: str = credential("password")
    auth: str = attrs.field(default="token", validator=attrs.validators.in_(("token", "password")))
    batch: int = attrs.field(default=1)
    timezone: str = attrs.field(default="UTC", validator=_check_timezone)
    format: str = attrs.field(default="json", validator=attrs.validators.in_(("json", "xml")))
    max_length: int | None = None

    @batch.validator
    def _check_batch(self, _: Any, value: int) -> None:
        if not 1 <= value <= MAX_BATCH:
            raise ValueError(f"batch must be 1-{MAX_BATCH}, not {value}")

    def __attrs_post_init__(self) -> None:
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be 1 or more")

    @property
    def tz(self) -> dt.tzinfo:
        """The server's time zone as a ``tzinfo``."""
        return parse_timezone(self.timezone)

    def adjust_capabilities(self, caps: Capabilities) -> Capabilities:
        """Apply ``batch`` and ``max_length`` to the declared capabilities."""
        return attrs.evolve(
            caps,
            max_recipients=self.batch,
            max_text_length=self.max_length if self.max_length is not None else caps.max_text_length,
        )
