"""The receiver's routes: ``/<account>/status/<token>`` and ``/<account>/inbound/<token>``.

Paths are relative to where the receiver is mounted (``SCRIPT_NAME`` / ``root_path``).  The
token is a path segment, not a query parameter, because some providers keep only the path
(playSMS posts its substituted query as the body) and others append their own query.  It
never appears in a log line: ``shown`` masks it.
"""

from __future__ import annotations

import re

import attrs

from smsbridge.errors import ConfigurationError
from smsbridge.models import CallbackKind, CallbackSetup

__all__ = ["ACCOUNT_NAME", "Route", "callback_url", "check_account_name", "parse_route", "shown"]

ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_KINDS = {kind.value: kind for kind in CallbackKind}


@attrs.frozen
class Route:
    account: str
    kind: CallbackKind
    token: str = attrs.field(repr=False)


def check_account_name(name: str) -> str:
    if not ACCOUNT_NAME.fullmatch(name):
        raise ConfigurationError(
            f"receiver account name {name!r}: use 1-64 characters A-Z, a-z, 0-9, '.', '_' or '-' (it is a URL segment)"
        )
    return name


def parse_route(path: str) -> Route | None:
    """The route of ``path`` (already percent-decoded), or ``None`` when it is not one."""
    parts = path.strip("/").split("/")
    if len(parts) != 3:
        return None
    account, kind, token = parts
    found = _KINDS.get(kind)
    if found is None or not account or not token:
        return None
    return Route(account, found, token)


def shown(path: str) -> str:
    """``path`` for a log line: the token (third segment) masked, overlong or odd parts cut."""
    parts = path.lstrip("/").split("/")
    if len(parts) >= 3:
        parts = [*parts[:2], "***", *(["..."] if len(parts) > 3 else [])]
    text = "/" + "/".join(parts)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 120 else text[:117] + "..."


def callback_url(public_url: str, account: str, kind: CallbackKind, token: str, setup: CallbackSetup) -> str:
    """The URL to give the provider: the receiver's public address, the route, the provider's query."""
    base = public_url.rstrip("/")
    if not base.lower().startswith(("https://", "http://")):
        raise ConfigurationError(
            f"public_url {public_url!r} must be the https:// address the provider calls (the reverse proxy's)"
        )
    url = f"{base}/{account}/{kind.value}/{token}"
    return f"{url}?{setup.query}" if setup.query else url
