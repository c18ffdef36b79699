"""What a provider hook receives about the account it works for."""

from __future__ import annotations

import threading
from typing import Any

import attrs

from smsbridge.config import AccountSettings
from smsbridge.models import Capabilities, ProviderSpec
from smsbridge.transport import Redactor, Transport

__all__ = ["ProviderContext"]


@attrs.define(eq=False)
class ProviderContext:
    """One account as its provider plugin sees it.

    ``config`` is the plugin's own config object (credentials and options), ``settings`` the
    core's; ``http`` the account's transport; ``cache`` a per-account dict for tokens and the
    like, guarded by ``lock``; ``capabilities`` those of this account (a config class may
    define ``adjust_capabilities(self, caps) -> Capabilities``, e.g. for a batch-size option).
    A new secret learnt at run time (a token) goes to ``add_secret`` so that it is redacted
    from logs, errors and raw replies from then on.
    """

    spec: ProviderSpec
    config: Any = attrs.field(repr=False)
    settings: AccountSettings
    http: Transport = attrs.field(repr=False)
    redact: Redactor = attrs.field(repr=False)
    capabilities: Capabilities | None = attrs.field(default=None, repr=False)
    cache: dict[str, Any] = attrs.field(factory=dict, repr=False)
    lock: threading.RLock = attrs.field(factory=threading.RLock, repr=False)

    @property
    def provider(self) -> str:
        return self.spec.id

    @property
    def host(self) -> str:
        return self.settings.host or self.spec.default_host

    @property
    def base_url(self) -> str:
        """``https://host[:port][/path]`` without a trailing slash."""
        scheme = "http" if self.settings.plain_http else "https"
        port = f":{self.settings.port}" if self.settings.port else ""
        path = self.settings.path if self.settings.path is not None else self.spec.default_path
        return f"{scheme}://{self.host}{port}{path.rstrip('/')}"

    def url(self, path: str = "") -> str:
        if not path:
            return self.base_url
        return f"{self.base_url}/{path.lstrip('/')}"

    def add_secret(self, value: str | None) -> None:
        self.redact.add(value)
