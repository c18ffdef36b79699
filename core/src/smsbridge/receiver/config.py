"""Which accounts a receiver serves, with which secrets: in code, or from the CLI's config file.

In a host application::

    ReceiverAccount(smsbridge.connect(url), token=os.environ["SHOP_SMS_TOKEN"])

From the config file the command line uses (``SMSBRIDGE_CONFIG``, see docs/cli.md): the
``[receiver]`` table names accounts of ``[accounts]`` and gives each its token::

    [accounts.shop]
    url = "aspsms://USERKEY:PASSWORD@default?sender=Shop"

    [receiver]
    public_url = "https://sms.example.org/smsbridge"   # what providers call (the proxy)
    listen = "127.0.0.1:8025"                           # smsbridge serve
    # ledger = "postgresql://smsbridge@db/smsbridge"     # default: SMSBRIDGE_LEDGER / the default file
    # trusted_proxies = ["127.0.0.1"]                   # read X-Forwarded-For from these only
    # max_body = 65536

    [receiver.accounts.shop]
    token_file = "/etc/smsbridge/shop.token"   # or token = "..." or token_env = "SHOP_SMS_TOKEN"
    # basic_auth = "user:password"
    # allow = ["203.0.113.0/24"]

Unknown keys are errors (a typo never switches a check off), and so is an empty secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from smsbridge.errors import ConfigurationError
from smsbridge.receiver.auth import token_problem

__all__ = ["DEFAULT_LISTEN", "ReceiverAccount", "ReceiverSettings", "load_settings"]

DEFAULT_LISTEN = "127.0.0.1:8025"
DEFAULT_MAX_BODY = 64 * 1024

_SETTINGS_KEYS = {"public_url", "listen", "ledger", "trusted_proxies", "max_body", "accounts"}
_ACCOUNT_KEYS = {"token", "token_file", "token_env", "basic_auth", "allow"}


def _strings_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


@attrs.frozen
class ReceiverAccount:
    """One account the receiver serves: the account (its provider parses the callbacks) and its secrets.

    ``account`` is an ``Account`` or what ``smsbridge.connect`` takes (a URL, a dict).
    ``token``: at least 128 random bits (``smsbridge receiver token`` makes one).
    ``basic_auth``: ``user:password`` the provider must also send; ``allow``: the addresses
    or networks it calls from.
    """

    account: Any = attrs.field(repr=False)
    token: str = attrs.field(repr=False)
    basic_auth: str | None = attrs.field(default=None, repr=False)
    allow: tuple[str, ...] = attrs.field(default=(), converter=_strings_tuple)

    def connected(self) -> Any:
        if isinstance(self.account, (str, Mapping)):
            from smsbridge.client import connect

            return connect(self.account)
        return self.account


@attrs.frozen
class ReceiverSettings:
    """The ``[receiver]`` table: where it listens, its public address, its ledger, its accounts."""

    accounts: Mapping[str, ReceiverAccount] = attrs.field(factory=dict)
    public_url: str | None = None
    listen: str = DEFAULT_LISTEN
    ledger: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY


def _token(entry: Mapping[str, Any], where: str) -> str:
    given = [k for k in ("token", "token_file", "token_env") if k in entry]
    if len(given) != 1:
        raise ConfigurationError(
            f"{where} needs exactly one of token, token_file, token_env"
            + (f" (it has {', '.join(given)})" if given else ""),
            hint="make a token with `smsbridge receiver token`",
        )
    key = given[0]
    value = entry[key]
    if not isinstance(value, str):
        raise ConfigurationError(f"{where}.{key} must be a string")
    if key == "token_file":
        try:
            token = Path(value).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{where}.token_file: cannot read {value}: {exc.strerror}") from None
    elif key == "token_env":
        token = os.environ.get(value, "").strip()
        if not token:
            raise ConfigurationError(f"{where}.token_env: the environment variable {value} is not set or empty")
    else:
        token = value
    problem = token_problem(token)
    if problem:
        raise ConfigurationError(f"{where}: {problem}", hint="make a token with `smsbridge receiver token`")
    return token


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where} must be a list of strings")
    return tuple(value)


def load_settings(data: Mapping[str, Any], path: Path, *, only: tuple[str, ...] | None = None) -> ReceiverSettings:
    """The ``[receiver]`` table of a parsed config file, its accounts connected (``only``: those)."""
    from smsbridge.cli.accounts import _entry_source

    section = data.get("receiver")
    if not isinstance(section, Mapping):
        raise ConfigurationError(
            f"{path} has no [receiver] table",
            hint="see docs/receiving.md for the [receiver] and [receiver.accounts.NAME] tables",
        )
    unknown = sorted(set(section) - _SETTINGS_KEYS)
    if unknown:
        raise ConfigurationError(
            f"in {path}, [receiver] has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_SETTINGS_KEYS))}"
        )
    entries = section.get("accounts", {})
    if not isinstance(entries, Mapping) or not all(isinstance(v, Mapping) for v in entries.values()):
        raise ConfigurationError(f"in {path}, receiver accounts are tables such as [receiver.accounts.shop]")
    names = tuple(entries) if only is None else only
    accounts: dict[str, ReceiverAccount] = {}
    for name in names:
        where = f"{path}: [receiver.accounts.{name}]"
        entry = entries.get(name)
        if entry is None:
            known = ", ".join(sorted(entries)) or "none"
            raise ConfigurationError(f"{path} has no [receiver.accounts.{name}]; receiver accounts there: {known}")
        unknown = sorted(set(entry) - _ACCOUNT_KEYS)
        if unknown:
            raise ConfigurationError(
                f"{where} has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_ACCOUNT_KEYS))}"
            )
        source = _entry_source(data, name, f"receiver account {name}", path)
        basic = entry.get("basic_auth")
        if basic is not None and not isinstance(basic, str):
            raise ConfigurationError(f"{where}.basic_auth must be 'user:password'")
        accounts[name] = ReceiverAccount(
            account=source.value,
            token=_token(entry, where),
            basic_auth=basic,
            allow=_strings(entry.get("allow", []), f"{where}.allow"),
        )
    max_body = section.get("max_body", DEFAULT_MAX_BODY)
    if not isinstance(max_body, int) or isinstance(max_body, bool) or not 256 <= max_body <= 16 * 1024 * 1024:
        raise ConfigurationError(f"in {path}, [receiver] max_body must be a number of bytes, 256 to 16 MiB")
    for key in ("public_url", "listen", "ledger"):
        if key in section and not isinstance(section[key], str):
            raise ConfigurationError(f"in {path}, [receiver] {key} must be a string")
    return ReceiverSettings(
        accounts=accounts,
        public_url=section.get("public_url"),
        listen=section.get("listen", DEFAULT_LISTEN),
        ledger=section.get("ledger"),
        trusted_proxies=_strings(section.get("trusted_proxies", []), f"in {path}, [receiver] trusted_proxies"),
        max_body=max_body,
    )
