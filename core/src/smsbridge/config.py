"""Accounts described as URLs (Symfony Notifier DSN / Apprise style) or dicts.

``<provider>://<user>:<password>@<host|default>[:port][/path]?option=value&...``

* ``default`` (or an empty host) means the provider's usual host.  Any other ``host[:port]``
  replaces it: a self-hosted playSMS, ``josmsservice.com`` for JorMall, a local test server.
* Real hosts always use https.  Plain http only with ``plain_http=yes``, and never for the
  provider's default host.
* Credentials with special characters are percent-encoded (``p%40ss`` for ``p@ss``).
* Options are split between the core's ``AccountSettings`` (timeouts, retries, rate, sender,
  region, ...) and the provider's own config class; an unknown option is an error, so a typo
  never goes unnoticed.

A dict gives the same: ``{"provider": "aspsms", "userkey": ..., "password": ..., "sender": ...}``.
No error message ever shows a secret: URLs are shown masked (``mask_url``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from smsbridge.errors import ConfigurationError
from smsbridge.numbers import NUMBER_CHECKS
from smsbridge.url_text import structure_config

__all__ = [
    "AccountSettings",
    "AccountURL",
    "credential",
    "mask_url",
    "parse_url",
    "secret_values",
    "split_failover",
]

_SECRET_META = "smsbridge_secret"
_URL_META = "smsbridge_url"


def credential(part: str | None = None, *, secret: bool = True, default: Any = attrs.NOTHING) -> Any:
    """An attrs field for a credential.

    ``part`` is where the URL carries it: ``"user"`` or ``"password"`` (``None``: only as an
    option or dict key).  Secret fields never appear in reprs, errors, logs or cassettes.
    """
    return attrs.field(
        default=default,
        repr=not secret,
        metadata={_SECRET_META: secret, _URL_META: part},
    )


def secret_values(config: Any) -> list[str]:
    """The values of every secret field of a config object.

    With a user and a password part, also ``base64(user:password)``: what travels in an
    ``Authorization: Basic`` header, and what a server echoing its request headers shows.
    """
    out = []
    by_part: dict[str, str] = {}
    for f in attrs.fields(type(config)):
        value = getattr(config, f.name)
        if f.metadata.get(_SECRET_META) and value:
            out.append(str(value))
        part = f.metadata.get(_URL_META)
        if part and value:
            by_part[part] = str(value)
    if "user" in by_part and "password" in by_part:
        import base64

        pair = f"{by_part['user']}:{by_part['password']}".encode()
        out.append(base64.b64encode(pair).decode("ascii"))
    return out


@attrs.frozen
class AccountSettings:
    """Options every account has, whatever the provider."""

    host: str | None = None  # None: the provider's default host
    port: int | None = None
    path: str | None = None  # None: the provider's default path
    plain_http: bool = False
    sender: str | None = None
    region: str | None = None  # default region for national numbers (ISO 3166 alpha-2)
    number_check: str = "valid"  # "possible": accept numbers of the right length phonenumbers calls invalid
    connect_timeout: float = 5.0
    timeout: float = 30.0  # read timeout
    deadline: float | None = None  # overall seconds per request; None: 60, or connect + read timeout if longer
    retries: int = 0  # extra attempts when the message certainly was not taken
    backoff: float = 0.5  # first retry delay in seconds, doubled each time
    rate: float | None = None  # requests per second at most
    workers: int = 1  # concurrent requests for bulk sends
    max_reply_bytes: int = 1_048_576
    ca_bundle: str | None = None  # extra CA bundle path; verification is never turned off
    cooldown: float = 60.0  # failover: seconds a failing provider is skipped
    failures_before_cooldown: int = 3

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.connect_timeout <= 0 or self.timeout <= 0 or (self.deadline is not None and self.deadline <= 0):
            problems.append("timeouts must be positive")
        if self.retries < 0:
            problems.append("retries must be 0 or more")
        if self.rate is not None and self.rate <= 0:
            problems.append("rate must be positive")
        if self.workers < 1:
            problems.append("workers must be 1 or more")
        if self.port is not None and not 0 < self.port < 65536:
            problems.append("port must be 1-65535")
        if self.ca_bundle and not os.access(self.ca_bundle, os.R_OK):
            problems.append(
                f"ca_bundle: {self.ca_bundle!r} "
                + ("is not readable" if os.path.exists(self.ca_bundle) else "does not exist")
                + " (give the path of a PEM file, or a directory, of CA certificates)"
            )
        if self.number_check not in NUMBER_CHECKS:
            problems.append(f"number_check must be {' or '.join(NUMBER_CHECKS)}, not {self.number_check!r}")
        if problems:
            raise ValueError("; ".join(problems))


SETTINGS_FIELDS = frozenset(f.name for f in attrs.fields(AccountSettings))


@attrs.frozen
class AccountURL:
    """The parts of an account URL; user and password never show in its repr."""

    provider: str
    user: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    path: str = ""
    options: Mapping[str, str] = attrs.field(factory=dict)
    text: str = attrs.field(default="", repr=False)

    def __repr__(self) -> str:
        return f"AccountURL({mask_url(self.text)!r})"


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_SECRETISH = re.compile(r"pass|token|key|secret|auth|pwd|(^h$)|(^p$)", re.I)
_FAILOVER = re.compile(r"^\s*failover\((.*)\)\s*$", re.S)
_ENCODE_HINT = "percent-encode special characters in credentials (@ is %40, : is %3A, / is %2F, ? is %3F, # is %23)"


def split_failover(text: str) -> list[str]:
    """``failover(url1 url2)`` -> ``[url1, url2]``; a plain URL -> ``[url]``."""
    match = _FAILOVER.match(text)
    if not match:
        return [text.strip()]
    urls = match.group(1).split()
    if not urls:
        raise ConfigurationError("failover() holds no account URL")
    return urls


class _Malformed(Exception):
    """Why a URL cannot be split unambiguously (never quoting the URL)."""


@attrs.frozen
class _Parts:
    userinfo: str | None
    hostport: str
    host: str | None
    port: int | None
    path: str
    query: str
    problem: str | None = None  # wrong but unambiguous (a bad port): the URL may be shown masked


def _split(text: str) -> _Parts:
    """Split an account URL, or raise ``_Malformed`` when its parts are ambiguous.

    Ambiguous means a credential probably holds a raw ``/``, ``?``, ``#`` or ``@``: the URL
    then cannot be told apart from one with another host, path or query, and whatever is
    shown of it may be a piece of the password.
    """
    scheme, _, rest = text.partition("://")
    if not _SCHEME.match(scheme.lower()):
        raise _Malformed("the provider part is malformed")
    try:
        parts = urlsplit(text)
    except ValueError:
        raise _Malformed("the host is malformed") from None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    problem = None
    try:
        port = parts.port
    except ValueError as exc:
        if not at:  # "KEY:Xy7" before a raw "/" in a password reads as host:port
            raise _Malformed(
                "the port is not a number (a password with a raw '/', '?' or '#' looks like this)"
            ) from None
        port, problem = None, "the port is out of range" if "range" in str(exc) else "the port is not a number"
    if "@" in rest[len(parts.netloc) :]:
        raise _Malformed("an '@' comes after the host part (a password with a raw '/', '?' or '#' looks like this)")
    if "#" in rest:
        raise _Malformed("the URL has a '#' part")
    return _Parts(
        userinfo=userinfo if at else None,
        hostport=hostport,
        host=parts.hostname,
        port=port,
        path=parts.path,
        query=parts.query,
        problem=problem,
    )


def parse_url(text: str) -> AccountURL:
    """Split an account URL into its parts, naming the part that is wrong (never quoting it)."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationError("the account URL is empty", hint="e.g. console:// or aspsms://KEY:PASSWORD@default")
    text = text.strip()
    if "://" not in text:
        raise ConfigurationError(
            "the account URL has no provider part (expected '<provider>://...')",
            hint="e.g. console:// or aspsms://KEY:PASSWORD@default",
        )
    scheme = text.split("://", 1)[0].lower()
    if not _SCHEME.match(scheme):
        raise ConfigurationError("the provider part of the account URL is malformed")
    try:
        parts = _split(text)
    except _Malformed as exc:
        raise ConfigurationError(
            f"the {scheme} account URL is malformed: {exc} (the URL is not shown: it may hold a password)",
            hint=_ENCODE_HINT,
        ) from None
    if parts.problem:
        raise ConfigurationError(f"{parts.problem} in {mask_url(text)!r}", hint="ports are 1-65535")
    user = password = None
    if parts.userinfo:
        raw_user, sep, raw_password = parts.userinfo.partition(":")
        user = unquote(raw_user) or None
        password = unquote(raw_password) if sep else None
    host = parts.host
    if host in ("", "default"):
        host = None
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in options:
            raise ConfigurationError(f"option {key!r} appears twice in the account URL")
        options[key] = value
    return AccountURL(
        provider=scheme,
        user=user,
        password=password,
        host=host,
        port=parts.port,
        path=parts.path,
        options=options,
        text=text,
    )


def mask_url(text: str, secret_options: frozenset[str] | None = None) -> str:
    """An account URL, or a ``failover(...)`` group of them, with every credential hidden.

    The user shows as ``K***1``, the password and secret options as ``****`` (Apprise style).
    A URL that cannot be split unambiguously (a raw ``/``, ``?`` or ``#`` in a password)
    shows no user information at all: ``aspsms://(malformed; credentials not shown)``.
    """
    if not isinstance(text, str):
        return "****"
    match = _FAILOVER.match(text)
    if match:
        return f"failover({' '.join(_mask_one(url, secret_options) for url in match.group(1).split())})"
    return _mask_one(text.strip(), secret_options)


def _mask_one(text: str, secret_options: frozenset[str] | None) -> str:
    if "://" not in text:
        return "****" if text else text
    scheme = text.split("://", 1)[0]
    if not _SCHEME.match(scheme.lower()):
        return "****"
    try:
        parts = _split(text)
    except _Malformed:
        return f"{scheme}://(malformed; credentials not shown)"
    netloc = parts.hostport
    if parts.userinfo is not None:
        user, sep, _password = parts.userinfo.partition(":")
        netloc = f"{mask_user(unquote(user))}{':****' if sep else ''}@{parts.hostport}"
    query = ""
    if parts.query:
        pairs = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            hidden = key in secret_options if secret_options is not None else bool(_SECRETISH.search(key))
            pairs.append(f"{quote(key, safe='')}={'****' if hidden else quote(value, safe=',:+@')}")
        query = "&".join(pairs)
    out = f"{scheme}://{netloc}{parts.path}"
    return f"{out}?{query}" if query else out


def mask_user(user: str) -> str:
    """A login as smsbridge shows it: first and last character (``K***1``), never the whole."""
    if len(user) <= 2:
        return "*" * len(user)
    return f"{user[0]}***{user[-1]}"


def split_options(
    config_class: type, values: Mapping[str, Any], *, where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate core settings from provider options; reject what neither knows."""
    provider_fields = {f.name for f in attrs.fields(config_class)}
    settings: dict[str, Any] = {}
    provider: dict[str, Any] = {}
    for key, value in values.items():
        if key in SETTINGS_FIELDS:
            settings[key] = value
        elif key in provider_fields:
            provider[key] = value
        else:
            known = sorted((SETTINGS_FIELDS | provider_fields) - {"host", "port", "path"})
            raise ConfigurationError(f"unknown option {key!r} in {where}; known options: {', '.join(known)}")
    return settings, provider


def build_settings(values: Mapping[str, Any]) -> AccountSettings:
    try:
        settings: AccountSettings = structure_config(AccountSettings, dict(values))
        return settings
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"invalid account setting: {exc}") from None


def build_config(config_class: type, values: Mapping[str, Any], *, provider: str) -> Any:
    missing = [
        f.name for f in attrs.fields(config_class) if f.default is attrs.NOTHING and values.get(f.name) in (None, "")
    ]
    if missing:
        parts = []
        for name in missing:
            part = next(f.metadata.get(_URL_META) for f in attrs.fields(config_class) if f.name == name)
            parts.append(f"{name} (the URL's {part} part)" if part else name)
        raise ConfigurationError(
            f"the account is missing {', '.join(parts)}",
            provider=provider,
            hint=f"e.g. {provider}://USER:PASSWORD@default; see the provider's docs",
        )
    try:
        return structure_config(config_class, dict(values))
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"invalid option: {exc}", provider=provider) from None


def url_values(url: AccountURL, config_class: type) -> dict[str, Any]:
    """Map the URL's user/password/host parts onto field names."""
    values: dict[str, Any] = dict(url.options)
    by_part = {f.metadata.get(_URL_META): f.name for f in attrs.fields(config_class) if f.metadata.get(_URL_META)}
    for part, value in (("user", url.user), ("password", url.password)):
        if value is None:
            continue
        if part not in by_part:
            raise ConfigurationError(
                f"the URL has a {part} part but provider {url.provider!r} takes none",
                provider=url.provider,
            )
        values[by_part[part]] = value
    if url.host is not None:
        values["host"] = url.host
    if url.port is not None:
        values["port"] = url.port
    if url.path not in ("", "/"):
        values["path"] = url.path
    return values


def secret_option_names(config_class: type) -> frozenset[str]:
    return frozenset(f.name for f in attrs.fields(config_class) if f.metadata.get(_SECRET_META))


def secret_url_parts(config_class: type) -> frozenset[str]:
    """Which of the URL's ``user`` and ``password`` parts are secrets for this provider."""
    return frozenset(
        f.metadata[_URL_META]
        for f in attrs.fields(config_class)
        if f.metadata.get(_SECRET_META) and f.metadata.get(_URL_META)
    )
