"""Secrets that encode differently on the wire, every encoding they take, and the accounts that use them.

Each secret holds ``ä``, ``"``, ``/``, ``+``, a space, ``&`` and ``<``: percent-encoding (with
``+`` or ``%20``), JSON (``\\u00e4``, ``\\"``, PHP's ``\\/``), XML (``&quot;``, ``&amp;``,
``&lt;``) and base64 all write them differently, so a redaction that knows one form only
leaves the others in place.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import attrs

PASSWORD = 'pä"s/s+w &<rd-1'
KEY = 'kéy/AbC+dEf=="&<x'
TOKEN = 'tök/en+"1 &<z9'
USER = "shop-user-7"  # a user name: not a secret where the provider says so


@attrs.frozen
class LeakAccount:
    provider: str
    url: str  # "{host}" is the loopback server
    secrets: tuple[str, ...]  # the values that must never show
    user: str  # the URL's user part, for base64(user:password)
    password: str


def _url(provider: str, user: str, password: str, tail: str = "", query: str = "") -> str:
    return f"{provider}://{quote(user, safe='')}:{quote(password, safe='')}@{{host}}{tail}?plain_http=yes{query}"


ACCOUNTS = {
    "jormall": LeakAccount(
        "jormall", _url("jormall", USER, PASSWORD, query="&sender=Shop"), (PASSWORD,), USER, PASSWORD
    ),
    "aspsms": LeakAccount(
        "aspsms", _url("aspsms", KEY, PASSWORD, query="&sender=Shop"), (KEY, PASSWORD), KEY, PASSWORD
    ),
    "allmysms": LeakAccount("allmysms", _url("allmysms", USER, KEY, query="&sender=Shop"), (KEY,), USER, KEY),
    "playsms": LeakAccount("playsms", _url("playsms", USER, TOKEN, "/index.php"), (TOKEN,), USER, TOKEN),
    "junubsms": LeakAccount("junubsms", _url("junubsms", USER, TOKEN), (TOKEN,), USER, TOKEN),
}

NUMBERS = {
    "jormall": "+962791000001",
    "aspsms": "+41791000001",
    "allmysms": "+33611000001",
    "playsms": "+211911000001",
    "junubsms": "+211911000001",
}


def encodings(secret: str) -> dict[str, str]:
    """Every form ``secret`` takes on the wire, by name (computed with the standard encoders)."""
    as_json = json.dumps(secret)[1:-1]
    forms = {
        "raw": secret,
        "percent": quote(secret, safe=""),
        "percent-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
        "form-plus": quote_plus(secret),
        "percent-keep-slash": quote(secret, safe="/"),
        "json": as_json,
        "json-upper": re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), as_json),
        "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json-php": as_json.replace("/", "\\/"),
        "xml": html.escape(secret, quote=True),
        # numeric references for everything but ASCII letters, digits and -._~ (no encoder rewrites those)
        "xml-numeric": "".join(c if (c.isascii() and c.isalnum()) or c in "-._~" else f"&#{ord(c)};" for c in secret),
        "json-in-form": quote(as_json, safe=""),
    }
    return forms


def all_forms(secrets: Iterable[str], user: str | None = None, password: str | None = None) -> dict[str, str]:
    """``{"<secret #> <encoding>": form}`` for every secret, plus base64(user:password)."""
    out = {}
    for i, secret in enumerate(secrets):
        for name, form in encodings(secret).items():
            out[f"secret {i} {name}"] = form
    if user and password:
        out["basic-auth"] = base64.b64encode(f"{user}:{password}".encode()).decode()
    return out


def leaks(texts: Iterable[str], forms: dict[str, str]) -> list[str]:
    """The names of the forms found in any of ``texts``."""
    joined = "\n".join(t for t in texts if t)
    return sorted(name for name, form in forms.items() if form in joined)


def echo_lines(forms: dict[str, str]) -> str:
    """Every form on a line of its own: what a provider echoing its input in any encoding sends."""
    return "\n".join(f"{name}: {form}" for name, form in forms.items())
