"""Account options of a playSMS webservices account (both ``junubsms`` and ``playsms``).

URL: ``junubsms://USER:TOKEN@default?option=value`` or
``playsms://USER:TOKEN@host[:port]/path/index.php?option=value``.  The URL's password part is
the webservices token (``h``), or the account password when ``auth=password`` (the plugin then
asks ``op=get_token`` once and keeps the token for the account's lifetime).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from smsbridge.plugin import checked_by, credential, parse_offset, parse_zone
from smsbridge_junubsms.clock import ServerClock, server_clock

__all__ = ["MAX_BATCH", "MERGING_SINCE", "PARTIAL_GROUPS_SINCE", "PlaySMSConfig", "parse_version"]

#: an upper bound for ``batch``: POST bodies have no URL-length limit, but a request that
#: answers one item per destination should stay a readable size.
MAX_BATCH = 500
#: playSMS 1.4.7 (commit 36f2f79) passes ``to`` to the sender as one string: ``a,b`` becomes one
#: number, commas stripped and cut to 15 characters
MERGING_SINCE = (1, 4, 7)
#: playSMS 1.4.8 (commit 14fb4d1) resolves ``#code`` with a LIKE search: the first group whose
#: name or code *contains* the code gets the message
PARTIAL_GROUPS_SINCE = (1, 4, 8)

_VERSION = re.compile(r"^\s*v?(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[-.+\w]*)\s*$")


def parse_version(text: str) -> tuple[int, int, int]:
    """``1.4.5`` or ``1.4.8-2410101245`` (playSMS's tag form) -> ``(1, 4, 8)``."""
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"version {text!r} is not a playSMS version such as 1.4.5 or 1.4.8")
    major, minor, patch = (int(p) for p in match.groups())
    return major, minor, patch


@attrs.define(kw_only=True)
class PlaySMSConfig:
    """Credentials and options; every field but the two credentials is a URL option.

    * ``auth``: ``token`` (the URL holds the webservices token) or ``password`` (the URL
      holds the password: ``op=get_token`` is called once and the token cached).
    * ``batch``: destinations per ``op=pv`` request.  1 by default because playSMS 1.4.7 and
      later merge a comma-separated ``to`` into one garbage number; raise it only for servers
      known to split correctly (1.4.6 and earlier, JunubSMS says 1.4.5).  Refused with a
      ``version`` of 1.4.7 or later unless ``force_batch``; once a reply shows the merge, the
      account sends one number per request whatever ``batch`` says.
    * ``timezone``: the zone of the server's PHP clock (``date.timezone``): ``schedule``,
      ``in`` and ``sx`` times are in it.
    * ``gateway_timezone``: playSMS's own *default timezone* setting (``gateway_timezone``,
      ``+0700`` on a fresh install): the server subtracts it from its clock once for ``ds``
      times and twice for ``ix`` times.  See ``smsbridge_junubsms.clock``.
    * ``format``: ``json`` (default) or ``xml``; both are read into the same results
      (received messages are always read as JSON: XML drops texts holding ``&``).
    * ``max_length``: the account's maximum text length, if known (playSMS cuts longer texts
      byte-wise without an error); ``None`` leaves the length to the server.
    * ``version``: the server's playSMS version, when known (``1.4.5``, ``1.4.8``).
    """

    username: str = credential("user", secret=False)
    token: str = credential("password")
    auth: str = attrs.field(default="token", validator=attrs.validators.in_(("token", "password")))
    batch: int = attrs.field(default=1)
    timezone: str = attrs.field(default="UTC", validator=checked_by(parse_zone))
    gateway_timezone: str = attrs.field(default="+07:00", validator=checked_by(parse_offset))
    format: str = attrs.field(default="json", validator=attrs.validators.in_(("json", "xml")))
    max_length: int | None = None
    version: str | None = attrs.field(default=None, validator=checked_by(parse_version, optional=True))
    force_batch: bool = False

    @batch.validator
    def _check_batch(self, _: Any, value: int) -> None:
        if not 1 <= value <= MAX_BATCH:
            raise ValueError(f"batch must be 1-{MAX_BATCH}, not {value}")

    def __attrs_post_init__(self) -> None:
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length must be 1 or more")
        if self.batch > 1 and self.merges_commas and not self.force_batch:
            raise ValueError(
                f"batch={self.batch} with playSMS {self.version}: from 1.4.7 on the server merges comma-separated "
                "numbers into one garbage number (delivered and billed). Use batch=1, or force_batch=yes for a "
                "server patched to split them"
            )

    @property
    def server_version(self) -> tuple[int, int, int] | None:
        return parse_version(self.version) if self.version is not None else None

    @property
    def merges_commas(self) -> bool:
        """Whether the server is known to merge ``to=a,b`` (playSMS 1.4.7+)."""
        version = self.server_version
        return version is not None and version >= MERGING_SINCE

    @property
    def exact_groups(self) -> bool:
        """Whether the server is known to resolve ``#code`` exactly (playSMS before 1.4.8)."""
        version = self.server_version
        return version is not None and version < PARTIAL_GROUPS_SINCE

    @property
    def clock(self) -> ServerClock:
        """The server's time frames (see ``smsbridge_junubsms.clock``)."""
        return server_clock(self.timezone, self.gateway_timezone)
