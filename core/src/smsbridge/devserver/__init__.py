"""``smsbridge dev``: a local provider emulator with a web inbox, for host-application developers.

Point a host application's account URL at it (``aspsms://KEY:PW@127.0.0.1:8025?plain_http=yes``)
and it answers each provider's real wire API, keeps every message for the web inbox and the
REST API, simulates delivery reports and received messages, and fails on purpose by rule.
See docs/dev-server.md.  Importing this package is cheap: the web server (aiohttp) loads only
in ``smsbridge.devserver.app`` / ``runner``; the profile types plugins use live in
``profiles`` (exported by ``smsbridge.plugin``).
"""

from __future__ import annotations

__all__: list[str] = []
