"""Accounts by name, resolved where the sending happens: credentials never travel through the broker.

A task carries an account **name** (``"shop"``); each worker turns it into an open account,
once per process, from the first source that knows the name:

1. the host application's callback (``register(app, accounts=callback)``): a function from
   the name to an account URL, a settings dict or an open ``Account``;
2. the environment: ``SMSBRIDGE_ACCOUNT_<NAME>`` (the name upper-cased, every character other
   than a letter or digit as ``_``) holding the account URL;
3. the smsbridge config file (``SMSBRIDGE_CONFIG`` or the user config folder):
   ``[accounts.shop] url = "..."``, exactly as ``smsbridge --account shop`` reads it.

An account whose URL sets ``rate=`` gets the fleet-wide limiter (``smsbridge_celery.ratelimit``)
in place of its per-process one: ``rate=50`` then holds for all workers together.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import Any

from smsbridge.errors import ConfigurationError

__all__ = ["ENV_PREFIX", "AccountBook", "AccountCallback", "env_name"]

ENV_PREFIX = "SMSBRIDGE_ACCOUNT_"

#: the host's resolver: a name to a URL, a settings dict, an open account, or None (not mine)
AccountCallback = Callable[[str], Any]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def env_name(name: str) -> str:
    """The environment variable holding account ``name``'s URL."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class AccountBook:
    """Open accounts by name, one per name per process (accounts are thread-safe).

    ``limiter``: ``(name, rate) -> limiter`` for accounts with a ``rate=``; the shared one.
    """

    def __init__(
        self,
        callback: AccountCallback | None = None,
        *,
        limiter: Callable[[str, float], Any] | None = None,
    ) -> None:
        self.callback = callback
        self.limiter = limiter
        self._open: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()

    def account(self, name: str) -> Any:
        """The account called ``name``, opened on first use in this process."""
        check_name(name)
        key = (os.getpid(), name)  # a forked pool child opens its own (its sockets are its own)
        with self._lock:
            found = self._open.get(key)
        if found is not None:
            return found
        opened = self._connect(name)
        with self._lock:
            found = self._open.setdefault(key, opened)
        if found is not opened:
            opened.close()
        return found

    def _connect(self, name: str) -> Any:
        import smsbridge

        value = self.source(name)
        account = value if hasattr(value, "chunk_sender") else smsbridge.connect(value)
        rate = getattr(getattr(account, "settings", None), "rate", None)
        if rate and self.limiter is not None:
            for member in getattr(account, "accounts", [account]):  # a failover group: each member
                member.ctx.http.limiter = self.limiter(_rate_key(name, member), float(member.settings.rate or rate))
        return account

    def source(self, name: str) -> Any:
        """What ``smsbridge.connect`` takes for ``name`` (or an open account from the callback)."""
        if self.callback is not None:
            found = self.callback(name)
            if found is not None:
                return found
        url = os.environ.get(env_name(name), "").strip()
        if url:
            return url
        from smsbridge.cli.accounts import config_path, resolve_source

        try:
            source = resolve_source(None, name)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"this worker knows no account named {name!r}: {exc.message}",
                hint=f"set {env_name(name)} to its URL, add [accounts.{name}] to {config_path()}, "
                "or pass register(app, accounts=callback)",
            ) from None
        assert source is not None
        return source.value

    def close(self) -> None:
        with self._lock:
            opened, self._open = self._open, {}
        for key, account in opened.items():
            if key[0] == os.getpid():
                account.close()


def check_name(name: object) -> str:
    """An account name as tasks carry it; a URL (credentials!) is refused before it is queued."""
    if not isinstance(name, str) or "://" in name or not _NAME.fullmatch(name):
        shown = "an account URL" if isinstance(name, str) and "://" in name else repr(type(name).__name__)
        raise ConfigurationError(
            f"tasks name their account (e.g. 'shop'), not {shown}: credentials never travel through the broker",
            hint="name the account in the config file or SMSBRIDGE_ACCOUNT_<NAME> on the workers, and pass the name",
        )
    return name


def _rate_key(name: str, member: Any) -> str:
    """One bucket per account name and provider (a failover group's members are limited apart)."""
    return f"{name}/{member.provider}"
