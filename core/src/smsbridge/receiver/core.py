"""The receiver itself, framework-free: a request in, an answer out, the ledger in between.

For each request, in this order (each step answers on its own when it fails, and nothing is
stored before the last):

1. **route** ``/<account>/<kind>/<token>``; an unknown account or a wrong token is the same
   404 (the token is compared in constant time, against a dummy for unknown accounts);
2. **source** allowlist (403) and **Basic auth** (401), where the account has them;
3. **method** (405) and **body size** (413: checked on Content-Length before reading, and
   while reading);
4. **decode** strictly (400 malformed, 415 unknown content type: ``smsbridge.receiver.http``);
5. **signature**: the provider's own check where it signs its callbacks (403);
6. **parse** with the provider's plugin (400 when it is not that provider's callback);
7. **store** in the ledger (group commit; 503 when the ledger fails, so the provider retries);
8. tell the host application (pluggy ``smsbridge_report_received`` /
   ``smsbridge_inbound_received`` and the ``on_report`` / ``on_inbound`` callbacks) about
   each new report and message, then answer exactly what the provider expects.

Every refusal is one log line (``smsbridge.receiver``) with the path's token masked and no
body, query or header value: nothing secret, nothing the client could inject.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from smsbridge.errors import ConfigurationError, SmsBridgeError, UnsupportedOperationError
from smsbridge.ledger.models import StatusReport
from smsbridge.models import (
    CallbackKind,
    CallbackRequest,
    CallbackSpec,
    DeliveryReport,
    InboundEvent,
    InboundMessage,
    ReportEvent,
)
from smsbridge.receiver import routing
from smsbridge.receiver.auth import BasicAuth, Network, Sources, networks, same_secret, token_problem
from smsbridge.receiver.config import DEFAULT_MAX_BODY, ReceiverAccount
from smsbridge.receiver.http import HttpHead, HttpResponse, Rejected, decode, reply
from smsbridge.receiver.storage import Batch, Stored, Writer

__all__ = ["Admitted", "Endpoint", "Prepared", "Receiver"]

log = logging.getLogger("smsbridge.receiver")
access_log = logging.getLogger("smsbridge.receiver.access")


@attrs.frozen
class Endpoint:
    """A served account, ready: the account, its provider's callback declaration, its checks."""

    name: str
    account: Any = attrs.field(repr=False)
    spec: CallbackSpec
    token: str = attrs.field(repr=False)
    basic: BasicAuth | None = attrs.field(default=None, repr=False)
    allow: tuple[Network, ...] = ()
    owned: bool = False  # the receiver connected the account (from a URL or a dict): it closes it

    @property
    def provider(self) -> str:
        return str(self.account.provider)


@attrs.frozen
class Admitted:
    """A request whose route and credentials are right: its body may be read."""

    endpoint: Endpoint
    kind: CallbackKind
    client: str | None


@attrs.frozen
class Prepared:
    """A parsed callback, ready to store."""

    admitted: Admitted
    reports: tuple[DeliveryReport, ...] = ()
    messages: tuple[InboundMessage, ...] = ()

    def batch(self) -> Batch:
        endpoint = self.admitted.endpoint
        return Batch(
            reports=[_status_report(endpoint.provider, r) for r in self.reports],
            messages=[(endpoint.name, endpoint.provider, m) for m in self.messages],
        )


def _status_report(provider: str, report: DeliveryReport) -> StatusReport:
    when = report.updated_at or report.submitted_at
    return StatusReport(
        provider=provider,
        message_id=report.message_id,
        status=report.status.value,
        recipient=report.recipient,
        code=report.provider_code,
        at=when.timestamp() if when is not None else None,
    )


class Receiver:
    """Delivery reports and received messages from providers, into the ledger.

    ``accounts`` maps a route name to a :class:`ReceiverAccount`; ``ledger`` is a ``Ledger``,
    a ledger URL or ``None`` (``SMSBRIDGE_LEDGER`` / the default file), opened on first use.
    Mount ``receiver.wsgi`` or ``receiver.asgi`` (see docs/receiving.md); ``close()`` when done.
    Every account is checked here: a bad token, an empty secret or a provider without
    callbacks is a ``ConfigurationError`` now, not a silently open endpoint later.
    """

    def __init__(
        self,
        accounts: Mapping[str, ReceiverAccount],
        *,
        ledger: Any = None,
        on_report: Callable[[ReportEvent], None] | None = None,
        on_inbound: Callable[[InboundEvent], None] | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        trusted_proxies: Iterable[str] = (),
        sweep_every: float = 60.0,
        timeout: float = 30.0,
    ) -> None:
        if not accounts:
            raise ConfigurationError("the receiver serves no account", hint="give at least one ReceiverAccount")
        self.endpoints = {name: _endpoint(name, entry) for name, entry in accounts.items()}
        self.on_report = on_report
        self.on_inbound = on_inbound
        self.max_body = int(max_body)
        self.sources = Sources(trusted_proxies)
        self.timeout = timeout
        self.writer = Writer(ledger, sweep_every=sweep_every)
        self._dummy = secrets.token_urlsafe(16)
        self._wsgi: Any = None
        self._asgi: Any = None

    @classmethod
    def from_config(
        cls, path: Any = None, *, accounts: Iterable[str] | None = None, ledger: Any = None, **options: Any
    ) -> Receiver:
        """A receiver for the ``[receiver]`` table of the CLI's config file (see ``receiver.config``)."""
        from smsbridge.cli.accounts import config_path, load_config
        from smsbridge.receiver.config import load_settings

        where = config_path() if path is None else path
        settings = load_settings(load_config(where), where, only=tuple(accounts) if accounts is not None else None)
        return cls(
            settings.accounts,
            ledger=ledger if ledger is not None else settings.ledger,
            max_body=settings.max_body,
            trusted_proxies=settings.trusted_proxies,
            **options,
        )

    def __repr__(self) -> str:
        return f"Receiver(accounts={sorted(self.endpoints)!r})"

    # ------------------------------------------------------------------ adapters

    @property
    def wsgi(self) -> Any:
        """The WSGI application (PEP 3333)."""
        if self._wsgi is None:
            from smsbridge.receiver.wsgi import WSGIReceiver

            self._wsgi = WSGIReceiver(self)
        return self._wsgi

    @property
    def asgi(self) -> Any:
        """The ASGI 3 application (HTTP and lifespan), for asyncio servers."""
        if self._asgi is None:
            from smsbridge.receiver.asgi import ASGIReceiver

            self._asgi = ASGIReceiver(self)
        return self._asgi

    def close(self) -> None:
        """Finish the writes queued; close the ledger and the accounts the receiver opened."""
        self.writer.close()
        for endpoint in self.endpoints.values():
            if endpoint.owned:
                endpoint.account.close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, name: str, kind: CallbackKind | str, public_url: str) -> str:
        """The URL to give the provider for ``kind`` callbacks of account ``name``."""
        endpoint = self.endpoints[name]
        kind = CallbackKind(kind)
        setup = endpoint.spec.kinds.get(kind)
        if setup is None:
            raise UnsupportedOperationError(
                f"{endpoint.provider} makes no {kind.value} callbacks", provider=endpoint.provider
            )
        return routing.callback_url(public_url, name, kind, endpoint.token, setup)

    # ------------------------------------------------------------------ the steps

    def admit(self, head: HttpHead) -> Admitted:
        """Steps 1-3: route, credentials, method, declared size; ``Rejected`` otherwise."""
        route = routing.parse_route(head.path)
        if route is None:
            raise Rejected(404, "no such route")
        endpoint = self.endpoints.get(route.account)
        expected = endpoint.token if endpoint is not None else self._dummy
        if not same_secret(route.token, expected) or endpoint is None:
            raise Rejected(404, "unknown account or wrong token")
        if route.kind not in endpoint.spec.kinds:
            raise Rejected(404, f"{endpoint.provider} makes no {route.kind.value} callbacks")
        client = self.sources.client(head.peer, head.headers.get("x-forwarded-for"))
        if not Sources.allowed(client, endpoint.allow):
            raise Rejected(403, "the client address is not in the account's allowlist")
        if endpoint.basic is not None and not endpoint.basic.check(head.headers.get("authorization")):
            raise Rejected(
                401, "missing or wrong Basic credentials", headers=(("WWW-Authenticate", 'Basic realm="smsbridge"'),)
            )
        if head.method not in endpoint.spec.methods:
            raise Rejected(
                405, f"method {head.method[:10]!r} not taken", headers=(("Allow", ", ".join(endpoint.spec.methods)),)
            )
        length = head.content_length
        if length is not None and (length < 0 or length > self.max_body):
            raise Rejected(
                413 if length > 0 else 400, "the body is larger than max_body" if length > 0 else "bad Content-Length"
            )
        return Admitted(endpoint, route.kind, client)

    def prepare(self, admitted: Admitted, head: HttpHead, body: bytes) -> Prepared:
        """Steps 4-6: decode, verify the signature, parse; ``Rejected`` otherwise.  No I/O."""
        endpoint = admitted.endpoint
        request = decode(head, body, remote_addr=admitted.client)
        verify = endpoint.spec.verify
        if verify is not None and not _verified(verify, request, endpoint):
            raise Rejected(403, "the provider's signature does not match")
        try:
            if admitted.kind is CallbackKind.STATUS:
                reports = tuple(endpoint.account.parse_callback(request))
                if not reports or any(not r.message_id for r in reports):
                    raise Rejected(400, "the callback names no message")
                return Prepared(admitted, reports=reports)
            messages = tuple(endpoint.account.parse_inbound_callback(request))
            if not messages:
                raise Rejected(400, "the callback holds no message")
            return Prepared(admitted, messages=messages)
        except SmsBridgeError as exc:
            raise Rejected(
                400, f"not a {endpoint.provider} {admitted.kind.value} callback ({type(exc).__name__})"
            ) from None
        except Rejected:
            raise
        except Exception as exc:  # a plugin bug: refuse the request, keep serving
            log.exception("receiver: the %s plugin failed on a callback", endpoint.provider)
            raise Rejected(400, f"the {endpoint.provider} plugin could not read it ({type(exc).__name__})") from None

    def finish(self, prepared: Prepared, stored: Stored) -> HttpResponse:
        """Step 8 after step 7: events for what is new, then the provider's expected answer."""
        if stored.error is None:
            self.notify(prepared, stored)
        return self.answer(prepared, stored)

    def answer(self, prepared: Prepared, stored: Stored) -> HttpResponse:
        """The provider's expected answer once stored; 503 (try again) when the ledger failed."""
        if stored.error is not None:
            log.error(
                "receiver: could not store a %s callback: %s", prepared.admitted.endpoint.name, _short(stored.error)
            )
            return reply(503, headers=(("Retry-After", "30"),))
        spec_reply = prepared.admitted.endpoint.spec.reply
        return HttpResponse(spec_reply.status, spec_reply.body, spec_reply.content_type)

    def needs_notify(self, prepared: Prepared) -> bool:
        """Whether any host hook or callback listens (the ASGI adapter skips a thread hop if not)."""
        hooks = prepared.admitted.endpoint.account.hooks
        if prepared.reports:
            return self.on_report is not None or hooks.listens("smsbridge_report_received")
        return self.on_inbound is not None or hooks.listens("smsbridge_inbound_received")

    def notify(self, prepared: Prepared, stored: Stored) -> None:
        endpoint = prepared.admitted.endpoint
        if not self.needs_notify(prepared):
            return
        hooks = endpoint.account.hooks
        for report, outcome in zip(prepared.reports, stored.reports, strict=True):
            if outcome.new:
                event = ReportEvent(endpoint.name, endpoint.provider, report, outcome.effect, outcome.job, outcome.seq)
                _call(hooks.report_received, event, "smsbridge_report_received")
                if self.on_report is not None:
                    _call(self.on_report, event, "on_report")
        for message, new in zip(prepared.messages, stored.messages, strict=True):
            if new:
                inbound = InboundEvent(endpoint.name, endpoint.provider, message)
                _call(hooks.inbound_received, inbound, "smsbridge_inbound_received")
                if self.on_inbound is not None:
                    _call(self.on_inbound, inbound, "on_inbound")

    def handle(self, head: HttpHead, read_body: Callable[[int], bytes]) -> HttpResponse:
        """The whole of it, blocking: ``read_body(limit)`` reads at most ``limit`` bytes (+1 to tell)."""
        try:
            admitted = self.admit(head)
            body = read_body(self.max_body)
            if len(body) > self.max_body:
                raise Rejected(413, "the body is larger than max_body")
            prepared = self.prepare(admitted, head, body)
        except Rejected as refused:
            return self.refused(head, refused)
        response = self.finish(prepared, self.writer.store(prepared.batch(), self.timeout))
        self.log_access(head, admitted.client, response.status)
        return response

    def refused(self, head: HttpHead, refused: Rejected) -> HttpResponse:
        client = self.sources.client(head.peer, head.headers.get("x-forwarded-for"))
        log.warning(
            "receiver: %d %s %s from %s: %s",
            refused.status,
            head.method[:10],
            routing.shown(head.path),
            client or "?",
            refused.reason,
        )
        return refused.response()

    def log_access(self, head: HttpHead, client: str | None, status: int) -> None:
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s %s %d", client or "-", head.method, routing.shown(head.path), status)


def _endpoint(name: str, entry: ReceiverAccount) -> Endpoint:
    routing.check_account_name(name)
    if not isinstance(entry, ReceiverAccount):
        raise ConfigurationError(f"receiver account {name!r}: give a ReceiverAccount, not {type(entry).__name__}")
    problem = token_problem(entry.token)
    if problem:
        raise ConfigurationError(
            f"receiver account {name!r}: {problem}", hint="make a token with `smsbridge receiver token`"
        )
    account = entry.connected()
    if hasattr(account, "accounts"):
        raise ConfigurationError(
            f"receiver account {name!r} is a failover group: serve each of its accounts under its own name"
        )
    try:
        spec = account.callback_spec()
    except UnsupportedOperationError:
        raise ConfigurationError(
            f"receiver account {name!r}: {account.provider} makes no callbacks (no delivery reports or "
            "received messages are pushed)",
            provider=account.provider,
            hint="poll instead: `smsbridge status --job NAME --stale 1h` (where the provider has delivery status)",
        ) from None
    if not spec.kinds:
        raise ConfigurationError(f"receiver account {name!r}: {account.provider} declares no kind of callback")
    basic = (
        BasicAuth(entry.basic_auth, where=f"receiver account {name!r}: basic_auth")
        if entry.basic_auth is not None
        else None
    )
    return Endpoint(
        name=name,
        account=account,
        spec=spec,
        token=entry.token,
        basic=basic,
        allow=networks(entry.allow, where=f"receiver account {name!r}: allow"),
        owned=account is not entry.account,
    )


def _verified(verify: Callable[[CallbackRequest], bool], request: CallbackRequest, endpoint: Endpoint) -> bool:
    try:
        return verify(request) is True
    except Exception as exc:  # a signature check that breaks is a failed check, never a pass
        log.warning("receiver: the %s signature check failed: %s", endpoint.provider, type(exc).__name__)
        return False


def _call(function: Callable[[Any], Any], event: Any, what: str) -> None:
    try:
        function(event)
    except Exception:
        log.exception(
            "receiver: %s raised; the %s stays stored", what, "report" if isinstance(event, ReportEvent) else "message"
        )


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
