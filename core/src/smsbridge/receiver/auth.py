"""Who may call the receiver: the per-account token, optional Basic auth and a source allowlist.

* The **token** is the last part of every route (``/<account>/status/<token>``): at least 128
  random bits (``new_token``), compared in constant time.  An empty, short or obviously
  non-random token is a configuration error, never "no check".
* **Basic auth** (``user:password``), for providers that can send it, also compared in
  constant time; an empty password is refused.
* The **allowlist** (``allow``: addresses or networks) checks the client's address.  Behind a
  reverse proxy that address is the proxy's: only when the peer is one of
  ``trusted_proxies`` is ``X-Forwarded-For`` read, from the right, up to the first address
  that is not a trusted proxy (the left part can be forged by the client).
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable, Sequence

from smsbridge.errors import ConfigurationError

__all__ = ["MIN_TOKEN_LENGTH", "BasicAuth", "Sources", "new_token", "same_secret", "token_problem"]

#: 22 characters of the URL-safe base64 alphabet hold 132 bits: room for 128 random ones
MIN_TOKEN_LENGTH = 22
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_MIN_DISTINCT = 10  # a random 22-character token has about 18 distinct characters

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_token() -> str:
    """A fresh receiver token: 128 random bits from the OS's generator, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def token_problem(token: str | None) -> str | None:
    """Why ``token`` cannot authenticate a provider, or ``None`` when it can."""
    if not token:
        return "the token is empty"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"the token has {len(token)} characters; it needs at least {MIN_TOKEN_LENGTH} (128 random bits)"
    if not _TOKEN.fullmatch(token):
        return "the token may hold only A-Z, a-z, 0-9, '-' and '_' (it is part of a URL path)"
    if len(set(token)) < _MIN_DISTINCT:
        return "the token does not look random (too few distinct characters)"
    return None


def same_secret(given: str | bytes, expected: str | bytes) -> bool:
    """Constant-time comparison (the time does not depend on where the strings differ)."""
    a = given.encode("utf-8", "surrogateescape") if isinstance(given, str) else given
    b = expected.encode("utf-8", "surrogateescape") if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


class BasicAuth:
    """``Authorization: Basic ...`` against one ``user:password``."""

    def __init__(self, credentials: str, *, where: str = "basic_auth") -> None:
        user, sep, password = credentials.partition(":")
        if not sep or not user or not password:
            raise ConfigurationError(f"{where} must be 'user:password' with a non-empty user and password")
        self._expected = f"{user}:{password}".encode()

    def __repr__(self) -> str:
        return "BasicAuth(***)"

    def check(self, header: str | None) -> bool:
        scheme, _, value = (header or "").strip().partition(" ")
        if scheme.lower() != "basic":
            same_secret(b"", self._expected)  # spend the same time on a missing header
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            given = b""
        return same_secret(given, self._expected)


def networks(values: Iterable[str], *, where: str) -> tuple[Network, ...]:
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ConfigurationError(f"{where}: {value!r} is not an address or network (e.g. 203.0.113.0/24)") from None
    return tuple(out)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _within(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, nets: Sequence[Network]) -> bool:
    return address is not None and any(address in net for net in nets)


class Sources:
    """The client's address (through trusted proxies only) and the allowlist check."""

    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self.trusted = networks(trusted_proxies, where="trusted_proxies")

    def client(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The address the request came from: the peer, or the last untrusted hop it forwards."""
        address = _address(peer)
        if address is None or not forwarded_for or not _within(address, self.trusted):
            return str(address) if address is not None else peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            hop_address = _address(hop)
            if hop_address is None:
                return None  # a garbled header: no address we can vouch for
            if not _within(hop_address, self.trusted):
                return str(hop_address)
            address = hop_address
        return str(address)

    @staticmethod
    def allowed(client: str | None, allow: Sequence[Network]) -> bool:
        return not allow or _within(_address(client), allow)
