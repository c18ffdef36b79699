"""``smsbridge.connect``: from a URL, a dict or ``SMSBRIDGE_URL`` to an account object, and
``AccountLike``, the protocol of what it returns.

``connect`` returns a single ``smsbridge.account.Account`` or, for several sources, a
``smsbridge.resilience.FailoverAccount``; both implement ``AccountLike`` (mypy checks it at
``connect``'s return), so code typed against it works with either.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from smsbridge.account import Account, TransportFactory
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
from smsbridge.models import (
    AdminResult,
    Balance,
    BulkSummary,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    Estimate,
    InboundMessage,
    Message,
    Recipient,
    SendResult,
)
from smsbridge.plugins import Registry, get_registry
from smsbridge.resilience import FailoverAccount
from smsbridge.sending import LedgerLike, RecipientLike
from smsbridge.transport import Transport

__all__ = ["ENV_URL", "AccountLike", "connect", "split_failover"]

ENV_URL = "SMSBRIDGE_URL"


class AccountLike(Protocol):
    """What ``connect`` returns: one account, or a failover group of them.

    Sends and bulk sends of a group fail over between its accounts; its reads, callbacks and
    admin operations go to its first account (``smsbridge.resilience``).
    """

    @property
    def provider(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def close(self) -> None: ...

    def __enter__(self) -> AccountLike: ...

    def __exit__(self, *exc: object) -> None: ...

    def recipient(self, item: RecipientLike) -> Recipient: ...

    def prepare(
        self,
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Message: ...

    def send(
        self,
        to: RecipientLike | Iterable[RecipientLike],
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        client_ref: str | None = None,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        ledger: LedgerLike = None,
    ) -> SendResult: ...

    def iter_bulk_send(
        self,
        recipients: Iterable[RecipientLike],
        text: str,
        *,
        sender: str | None = None,
        schedule: dt.datetime | None = None,
        flash: bool = False,
        encoding: str | None = None,
        options: Mapping[str, Any] | None = None,
        workers: int | None = None,
        job: str | None = None,
        ledger: LedgerLike = None,
        allow_repeats: bool = False,
        resend_unknown: bool = False,
        wait: float | None = None,
    ) -> Iterator[SendResult]: ...

    def bulk_send(
        self,
        recipients: Iterable[RecipientLike],
        text: str,
        *,
        on_result: Callable[[SendResult], None] | None = None,
        keep_receipts: bool | None = None,
        **kwargs: Any,
    ) -> BulkSummary: ...

    def estimate(
        self,
        text: str,
        to: RecipientLike | Iterable[RecipientLike] = (),
        *,
        sender: str | None = None,
        encoding: str | None = None,
        provider_cost: bool = True,
    ) -> Estimate: ...

    def balance(self) -> Balance: ...

    def delivery_status(self, message_ids: str | Iterable[str]) -> list[DeliveryReport]: ...

    def inbound(
        self, folder: str = "inbox", *, since_id: str | None = None, limit: int | None = None, **options: Any
    ) -> list[InboundMessage]: ...

    def parse_callback(self, request: CallbackRequest | Mapping[str, str]) -> list[DeliveryReport]: ...

    def parse_inbound_callback(self, request: CallbackRequest | Mapping[str, str]) -> list[InboundMessage]: ...

    def callback_spec(self) -> CallbackSpec: ...

    def admin(self, operation: str, **params: Any) -> AdminResult: ...


def connect(
    *sources: str | Mapping[str, Any],
    registry: Registry | None = None,
    transport: Transport | TransportFactory | None = None,
) -> AccountLike:
    """Open an account.

    ``connect("aspsms://KEY:PASS@default?sender=Shop")``, ``connect({"provider": ..., ...})``,
    or ``connect()`` to read ``SMSBRIDGE_URL``.  Several sources (or ``failover(url1 url2)``)
    give a :class:`~smsbridge.resilience.FailoverAccount` that moves to the next account only
    when the message was certainly not taken.

    ``transport``: injected into every account instead of the one its settings build (see
    ``Account``): a ``Transport``, or a function of the built one, e.g.
    ``connect(url, transport=lambda built: FakeTransport(built, replies))``.
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
    accounts = [_open(source, reg, transport) for source in expanded]
    return accounts[0] if len(accounts) == 1 else FailoverAccount(accounts)


def _open(
    source: str | Mapping[str, Any], registry: Registry, transport: Transport | TransportFactory | None = None
) -> Account:
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
    return Account(spec, hooks, config, settings, masked_url=masked, secrets=secret_values(config), transport=transport)
