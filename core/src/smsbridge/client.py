"""``smsbridge.connect``: from a URL, a dict or ``SMSBRIDGE_URL`` to an account object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from smsbridge.account import Account
from smsbridge.config import (
    AccountURL,
    build_config,
    build_settings,
    mask_url,
    parse_url,
    secret_option_names,
    secret_values,
    split_failover,
    split_options,
    url_values,
)
from smsbridge.errors import ConfigurationError
from smsbridge.plugins import Registry, get_registry
from smsbridge.resilience import FailoverAccount

__all__ = ["ENV_URL", "connect", "split_failover"]

ENV_URL = "SMSBRIDGE_URL"


def connect(*sources: str | Mapping[str, Any], registry: Registry | None = None) -> Any:
    """Open an account.

    ``connect("aspsms://KEY:PASS@default?sender=Shop")``, ``connect({"provider": ..., ...})``,
    or ``connect()`` to read ``SMSBRIDGE_URL``.  Several sources (or ``failover(url1 url2)``)
    give a :class:`~smsbridge.resilience.FailoverAccount` that moves to the next account only
    when the message was certainly not taken.
    """
    if not sources:
        env = os.environ.get(ENV_URL)
        if not env:
            raise ConfigurationError(
                f"no account given and {ENV_URL} is not set",
                hint="pass a URL such as console:// (prints instead of sending) or set " + ENV_URL,
            )
        sources = (env,)
    expanded: list[str | Mapping[str, Any]] = []
    for source in sources:
        expanded.extend(split_failover(source) if isinstance(source, str) else [source])
    reg = registry or get_registry()
    accounts = [_open(source, reg) for source in expanded]
    return accounts[0] if len(accounts) == 1 else FailoverAccount(accounts)


def _open(source: str | Mapping[str, Any], registry: Registry) -> Account:
    if isinstance(source, str):
        url = parse_url(source)
        spec, hooks = registry.provider(url.provider)
        values = url_values(url, spec.config_class)
        masked = mask_url(url.text, secret_option_names(spec.config_class))
        where = "the account URL"
    elif isinstance(source, Mapping):
        values = dict(source)
        provider = values.pop("provider", None)
        if not provider:
            raise ConfigurationError("the account dict has no 'provider' key")
        spec, hooks = registry.provider(str(provider))
        url = AccountURL(provider=str(provider))
        masked = f"{provider}://(from dict)"
        where = "the account dict"
    else:
        raise ConfigurationError(f"an account is a URL or a dict, not {type(source).__name__}")
    setting_values, provider_values = split_options(spec.config_class, values, where=where)
    settings = build_settings(setting_values)
    if spec.host_required and settings.host is None:
        raise ConfigurationError(
            f"{spec.id} has no usual host: give the server in the URL, "
            f"e.g. {spec.id}://USER:SECRET@sms.example.org/path",
            provider=spec.id,
        )
    if settings.plain_http and (settings.host is None or spec.is_known_host(settings.host)):
        which = "default host" if settings.host is None else "host"
        raise ConfigurationError(
            f"plain_http=yes is refused for {spec.id}'s {which} {settings.host or spec.default_host}: "
            "real hosts use https",
            provider=spec.id,
            hint="plain_http is for a test server or a LAN host of your own; remove it",
        )
    config = build_config(spec.config_class, provider_values, provider=spec.id)
    del url
    return Account(spec, hooks, config, settings, masked_url=masked, secrets=secret_values(config))
