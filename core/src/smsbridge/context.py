"""What a provider hook receives about the account it works for."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from smsbridge.config import AccountSettings
from smsbridge.models import Capabilities, Message, ProviderSpec, RawReply, Receipt, SendResult
from smsbridge.transport import Redactor, Transport

__all__ = ["ProviderContext", "PublicContext"]

#: the provider's config class: ``ProviderContext[AspsmsConfig]`` types ``ctx.config``
C = TypeVar("C")


@attrs.define(eq=False)
class ProviderContext(Generic[C]):
    """One account as its provider plugin sees it.

    ``config`` is the plugin's own config object (credentials and options), ``settings`` the
    core's; ``http`` the account's transport; ``cache`` a per-account dict for tokens and the
    like, guarded by ``lock``; ``capabilities`` those of this account (what the provider's
    ``smsbridge_adjust_capabilities`` made of the declared ones, e.g. for a batch-size option).
    Annotate a hook's ``ctx`` as ``ProviderContext[MyConfig]`` to type ``ctx.config``.
    A new secret learnt at run time (a token) goes to ``add_secret`` so that it is redacted
    from logs, errors and raw replies from then on.

    Only the account's own provider plugin ever receives this object; every other plugin gets
    ``public``, a :class:`PublicContext` without credentials or transport.
    """

    spec: ProviderSpec
    config: C = attrs.field(repr=False)
    settings: AccountSettings
    http: Transport = attrs.field(repr=False)
    redact: Redactor = attrs.field(repr=False)
    capabilities: Capabilities | None = attrs.field(default=None, repr=False)
    cache: dict[str, Any] = attrs.field(factory=dict, repr=False)
    lock: threading.RLock = attrs.field(factory=threading.RLock, repr=False)
    #: what plugins other than the provider's own see of this account (no credentials)
    public: PublicContext = attrs.field(init=False, repr=False)

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

    def result(
        self,
        receipts: Iterable[Receipt],
        message: Message | None = None,
        *,
        raw: RawReply | None = None,
        cost: Decimal | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """A ``SendResult`` of this account's provider; with ``message``, its ``client_ref`` and
        whether it was scheduled."""
        return SendResult(
            provider=self.provider,
            receipts=tuple(receipts),
            raw=raw,
            client_ref=message.client_ref if message is not None else None,
            scheduled=message is not None and message.schedule is not None,
            cost=cost,
            details=details or {},
        )

    def __attrs_post_init__(self) -> None:
        self.public = PublicContext(spec=self.spec, settings=self.settings, capabilities=self.capabilities)


@attrs.frozen
class PublicContext:
    """One account as a cross-cutting plugin sees it: no credentials, no transport.

    Cross-cutting plugins (metrics, logging, an opt-out footer) wrap every provider's
    operations and rewrite outgoing messages; they learn which provider and which settings
    (host, timeouts, sender) an account has, never its config object, its secrets or its
    HTTP transport.  ``smsbridge_rewrite_message`` receives this context for every plugin.
    """

    spec: ProviderSpec
    settings: AccountSettings
    capabilities: Capabilities | None = None

    @property
    def provider(self) -> str:
        return self.spec.id

    @property
    def host(self) -> str:
        return self.settings.host or self.spec.default_host
