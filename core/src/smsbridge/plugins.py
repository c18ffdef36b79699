"""Finding, loading and calling plugins: who may answer for which provider id.

The trust model (docs/security.md, "Plugins"):

* **Discovery is complete and deterministic.**  On the registry's first use every entry point
  of the group ``smsbridge`` is loaded, in order of entry-point name then distribution, each
  inside its own guard: a plugin that fails to import, declares nothing usable or implements
  an unknown hook is recorded in ``broken`` (distribution, version, error) and the others
  keep working.  ``SMSBRIDGE_DISABLE_PLUGINS=name,other`` skips plugins by entry-point or
  distribution name; they are recorded in ``disabled``.  Which plugins a process loads never
  depends on what it did before.
* **A provider id has exactly one claimant, or none answers for it.**  Two plugins that
  declare the same id are both refused (``ProviderUnavailableError`` naming both).  A plugin
  that is broken or disabled keeps its claim on its entry-point name (and on the ids
  ``KNOWN_PACKAGES`` lists for its distribution): no other plugin takes over its accounts.
  Two distributions with the same entry-point name are reported in ``duplicates``.
* **Dispatch isolation.**  An operation of an account runs the implementation of the plugin
  that declared its provider, with the full ``ProviderContext``; no other provider plugin
  sees the call.  Cross-cutting plugins (those that declare no provider) may only *wrap*
  operation hooks (``@hookimpl(wrapper=True)``), never answer them, and receive a
  ``PublicContext`` without credentials or transport: the call runs in two layers, the
  cross-cutting wrappers around a core dispatcher, which calls the provider's own plugin.
* **What leaves a hook is clean.**  An smsbridge error leaving a provider hook has its texts
  redacted and no non-smsbridge exception chained behind it (a ``JSONDecodeError`` keeps the
  whole reply in ``.doc``, a requests error keeps the request).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pluggy

from smsbridge import hookspecs
from smsbridge.context import ProviderContext
from smsbridge.errors import (
    ProviderError,
    ProviderUnavailableError,
    SmsBridgeError,
    TransportError,
    UnknownProviderError,
)
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminResult,
    Balance,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    Estimate,
    InboundEvent,
    InboundMessage,
    InboundQuery,
    Message,
    ProviderSpec,
    RawReply,
    ReportEvent,
    SendResult,
)
from smsbridge.provenance import stamped, stamped_error

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "EVENT_HOOKS",
    "OPERATION_HOOKS",
    "BrokenPlugin",
    "DisabledPlugin",
    "DuplicateEntryPoint",
    "PluginInfo",
    "ProviderConflict",
    "ProviderHooks",
    "Registry",
    "get_registry",
    "register",
]

ENTRY_POINT_GROUP = "smsbridge"
DISABLE_ENV = "SMSBRIDGE_DISABLE_PLUGINS"

#: provider ids of the plugins this project publishes, for helpful "not installed" errors
KNOWN_PACKAGES = {
    "jormall": "smsbridge-jormall",
    "aspsms": "smsbridge-aspsms",
    "server2sms": "smsbridge-aspsms",
    "junubsms": "smsbridge-junubsms",
    "playsms": "smsbridge-junubsms",
    "allmysms": "smsbridge-allmysms",
}

#: hooks that answer for an account: only the provider's own plugin implements them plainly
OPERATION_HOOKS = (
    "smsbridge_check_recipient",
    "smsbridge_send",
    "smsbridge_bulk_send",
    "smsbridge_balance",
    "smsbridge_delivery_status",
    "smsbridge_inbound",
    "smsbridge_parse_callback",
    "smsbridge_estimate",
    "smsbridge_admin",
    "smsbridge_callback_spec",
    "smsbridge_parse_inbound_callback",
    "smsbridge_adjust_capabilities",
)
#: events for host applications: every implementation is called (the account's own provider
#: plugin and the cross-cutting plugins, never another provider's)
EVENT_HOOKS = ("smsbridge_report_received", "smsbridge_inbound_received")
_REWRITE = "smsbridge_rewrite_message"
_DISPATCHER = "smsbridge.dispatch"


@attrs.frozen
class PluginInfo:
    """A loaded plugin.  ``providers`` is empty for a cross-cutting plugin."""

    name: str
    distribution: str | None
    version: str | None
    providers: tuple[str, ...]
    module: str
    hooks: tuple[str, ...] = ()

    @property
    def cross_cutting(self) -> bool:
        return not self.providers


@attrs.frozen
class BrokenPlugin:
    name: str
    distribution: str | None
    version: str | None
    error: str


@attrs.frozen
class DisabledPlugin:
    name: str
    distribution: str | None
    version: str | None
    by: str  # "SMSBRIDGE_DISABLE_PLUGINS=..."


@attrs.frozen
class ProviderConflict:
    """A provider id claimed by several plugins: none of them is used for it."""

    provider_id: str
    plugins: tuple[str, ...]


@attrs.frozen
class DuplicateEntryPoint:
    """One entry-point name used by several distributions."""

    name: str
    distributions: tuple[str, ...]


@attrs.frozen
class _Claim:
    owner: str  # the distribution, or the plugin name of an in-process plugin
    label: str  # "smsbridge-aspsms (entry point aspsms)"
    plugin: object | None = attrs.field(eq=False)  # None: broken or disabled (not loaded)
    spec: ProviderSpec | None = None
    state: str = "loaded"  # "loaded", "broken", "disabled"


# ---------------------------------------------------------------------------- calling hooks

#: the provider's own caller and full context, for the dispatcher at the core of a layered call
_route: contextvars.ContextVar[tuple[Any, Any]] = contextvars.ContextVar("smsbridge_route")


def _inner(**kwargs: Any) -> Any:
    caller, ctx = _route.get()
    return caller(ctx=ctx, **kwargs)


class _Dispatcher:
    """The innermost implementation of every operation hook in the cross-cutting layer.

    Cross-cutting wrappers run around it with the ``PublicContext``; it hands the call to the
    provider's own plugin with the full context.  For ``smsbridge_rewrite_message`` it is the
    base every rewrite starts from: the message unchanged.
    """

    @hookimpl(trylast=True)
    def smsbridge_check_recipient(self, number: str) -> Any:
        return _inner(number=number)

    @hookimpl(trylast=True)
    def smsbridge_send(self, message: Any) -> Any:
        return _inner(message=message)

    @hookimpl(trylast=True)
    def smsbridge_bulk_send(self, message: Any) -> Any:
        return _inner(message=message)

    @hookimpl(trylast=True)
    def smsbridge_balance(self) -> Any:
        return _inner()

    @hookimpl(trylast=True)
    def smsbridge_delivery_status(self, message_ids: Sequence[str]) -> Any:
        return _inner(message_ids=message_ids)

    @hookimpl(trylast=True)
    def smsbridge_inbound(self, query: Any) -> Any:
        return _inner(query=query)

    @hookimpl(trylast=True)
    def smsbridge_parse_callback(self, request: Any) -> Any:
        return _inner(request=request)

    @hookimpl(trylast=True)
    def smsbridge_estimate(self, message: Any) -> Any:
        return _inner(message=message)

    @hookimpl(trylast=True)
    def smsbridge_admin(self, operation: str, params: dict[str, Any]) -> Any:
        return _inner(operation=operation, params=params)

    @hookimpl(trylast=True)
    def smsbridge_callback_spec(self) -> Any:
        return _inner()

    @hookimpl(trylast=True)
    def smsbridge_parse_inbound_callback(self, request: Any) -> Any:
        return _inner(request=request)

    @hookimpl(trylast=True)
    def smsbridge_rewrite_message(self, message: Any) -> Any:
        return message


class ProviderHooks:
    """A typed facade over the hooks of one provider plugin (and the cross-cutting wrappers)."""

    def __init__(self, registry: Registry, plugin: object) -> None:
        self._registry = registry
        self._plugin = plugin

    def implements(self, hook_name: str) -> bool:
        """Whether the provider's own plugin implements ``hook_name`` (wrappers not counted)."""
        hook = getattr(self._registry.pm.hook, hook_name)
        return any(
            impl.plugin is self._plugin and not (impl.wrapper or impl.hookwrapper) for impl in hook.get_hookimpls()
        )

    def _call(self, hook_name: str, ctx: Any, **kwargs: Any) -> Any:
        error: SmsBridgeError | None = None
        try:
            result = self._registry._invoke(hook_name, self._plugin, ctx, kwargs)
        except SmsBridgeError as exc:
            error = exc
        if error is not None:  # plugins need not name their own provider (smsbridge.provenance)
            raise clean_error(stamped_error(error, ctx.provider), ctx.redact)  # outside the except: nothing chained
        return _clean_result(stamped(result, ctx.provider), ctx.redact)

    # Each method is typed as its hook spec (smsbridge.hookspecs): mypy checks both sides of
    # the plugin boundary here.  ``None``: the plugin does not implement the operation.

    def check_recipient(self, ctx: ProviderContext[Any], number: str) -> str | None:
        result: str | None = self._call("smsbridge_check_recipient", ctx, number=number)
        return result

    def send(self, ctx: ProviderContext[Any], message: Message) -> SendResult | None:
        result: SendResult | None = self._call("smsbridge_send", ctx, message=message)
        return result

    def bulk_send(self, ctx: ProviderContext[Any], message: Message) -> SendResult | None:
        result: SendResult | None = self._call("smsbridge_bulk_send", ctx, message=message)
        return result

    def balance(self, ctx: ProviderContext[Any]) -> Balance | None:
        result: Balance | None = self._call("smsbridge_balance", ctx)
        return result

    def delivery_status(self, ctx: ProviderContext[Any], message_ids: Sequence[str]) -> list[DeliveryReport] | None:
        result: list[DeliveryReport] | None = self._call(
            "smsbridge_delivery_status", ctx, message_ids=list(message_ids)
        )
        return result

    def inbound(self, ctx: ProviderContext[Any], query: InboundQuery) -> list[InboundMessage] | None:
        result: list[InboundMessage] | None = self._call("smsbridge_inbound", ctx, query=query)
        return result

    def parse_callback(self, ctx: ProviderContext[Any], request: CallbackRequest) -> list[DeliveryReport] | None:
        result: list[DeliveryReport] | None = self._call("smsbridge_parse_callback", ctx, request=request)
        return result

    def callback_spec(self, ctx: ProviderContext[Any]) -> CallbackSpec | None:
        result: CallbackSpec | None = self._call("smsbridge_callback_spec", ctx)
        return result

    def parse_inbound_callback(
        self, ctx: ProviderContext[Any], request: CallbackRequest
    ) -> list[InboundMessage] | None:
        result: list[InboundMessage] | None = self._call("smsbridge_parse_inbound_callback", ctx, request=request)
        return result

    def report_received(self, event: ReportEvent) -> None:
        """Tell host-app plugins (and the provider's own) about a stored report."""
        self._registry._event_caller("smsbridge_report_received", self._plugin)(event=event)

    def inbound_received(self, event: InboundEvent) -> None:
        self._registry._event_caller("smsbridge_inbound_received", self._plugin)(event=event)

    def listens(self, hook_name: str) -> bool:
        """Whether any plugin this provider's events reach implements ``hook_name``."""
        return bool(self._registry._event_caller(hook_name, self._plugin).get_hookimpls())

    def estimate(self, ctx: ProviderContext[Any], message: Message) -> Estimate | None:
        result: Estimate | None = self._call("smsbridge_estimate", ctx, message=message)
        return result

    def admin(self, ctx: ProviderContext[Any], operation: str, params: dict[str, Any]) -> AdminResult | None:
        result: AdminResult | None = self._call("smsbridge_admin", ctx, operation=operation, params=params)
        return result

    def adjust_capabilities(self, config: Any, caps: Capabilities) -> Capabilities | None:
        """The provider plugin's ``smsbridge_adjust_capabilities`` (``None``: unchanged)."""
        own, _ = self._registry._callers_for("smsbridge_adjust_capabilities", self._plugin)
        result: Capabilities | None = own(config=config, caps=caps)
        return result

    def rewrite_message(self, ctx: ProviderContext[Any], message: Message) -> Message:
        """``smsbridge_rewrite_message`` through pluggy, with the account's ``PublicContext``."""
        result: Message = self._registry._rewrite(self._plugin, ctx, message)
        return result


def clean_error(error: SmsBridgeError, redact: Callable[[str], str]) -> SmsBridgeError:
    """``error`` with its texts redacted and nothing but smsbridge errors chained behind it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, SmsBridgeError):
            _redact_texts(current, redact)
        if current.__cause__ is not None and not isinstance(current.__cause__, SmsBridgeError):
            current.__cause__ = None
        context = current.__context__
        if context is not None and (current.__suppress_context__ or not isinstance(context, SmsBridgeError)):
            current.__context__ = None
        current = current.__cause__ or current.__context__
    return error


def _redact_texts(error: SmsBridgeError, redact: Callable[[str], str]) -> None:
    error.message = redact(error.message)
    error.args = (error.message, *error.args[1:])
    if error.hint:
        error.hint = redact(error.hint)
    if isinstance(error, TransportError) and error.url:
        error.url = redact(error.url)
    if isinstance(error, ProviderError):
        error.text = redact(error.text) if error.text else error.text
        error.code = redact(error.code) if error.code else error.code
        if isinstance(error.raw, RawReply):
            error.raw = attrs.evolve(error.raw, redactor=redact).redacted()


def _clean_result(result: Any, redact: Callable[[str], str]) -> Any:
    """Provider wording kept on results (reasons) is redacted like error texts; data is not."""
    if isinstance(result, SendResult) and any(r.reason for r in result.receipts):
        receipts = tuple(attrs.evolve(r, reason=redact(r.reason)) if r.reason else r for r in result.receipts)
        return attrs.evolve(result, receipts=receipts)
    if isinstance(result, list) and result and isinstance(result[0], DeliveryReport):
        return [
            attrs.evolve(
                r,
                reason=redact(r.reason) if r.reason else r.reason,
                provider_text=redact(r.provider_text) if r.provider_text else r.provider_text,
            )
            if isinstance(r, DeliveryReport) and (r.reason or r.provider_text)
            else r
            for r in result
        ]
    return result


# ---------------------------------------------------------------------------- the registry


class Registry:
    """The plugin manager plus what was loaded, what broke, and which plugin offers which id."""

    def __init__(self, *, entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._claims: dict[str, list[_Claim]] = {}
        self._offered: dict[str, tuple[ProviderSpec, object]] = {}
        self._provider_plugins: list[object] = []
        self.plugins: dict[str, PluginInfo] = {}
        self.broken: list[BrokenPlugin] = []
        self.disabled: list[DisabledPlugin] = []
        self.conflicts: dict[str, ProviderConflict] = {}
        self.duplicates: list[DuplicateEntryPoint] = []
        self._use_entry_points = entry_points
        self._loaded = not entry_points
        self._generation = 0
        self._callers: dict[tuple[str, int], tuple[int, Any, Any]] = {}
        self.pm.register(_Dispatcher(), name=_DISPATCHER)
        from smsbridge.builtin import console, memory

        self._add(console, name="console", distribution="smsbridge")
        self._add(memory, name="memory", distribution="smsbridge")
        self._resolve()

    # ------------------------------------------------------------------ registration

    def register(
        self,
        plugin: object,
        *,
        name: str | None = None,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginInfo:
        """Register a plugin object in this process (host apps, tests, cross-cutting plugins).

        Raises ``ValueError`` when it implements an unknown hook, answers an operation hook
        without declaring a provider, or declares a provider id another plugin claims
        (the message names that plugin).
        """
        self.load_all()
        with self._lock:
            info = self._add(plugin, name=name, distribution=distribution, version=version, exclusive=True)
            self._resolve()
            return info

    def _add(
        self,
        plugin: object,
        *,
        name: str | None,
        distribution: str | None,
        version: str | None = None,
        entry_point: str | None = None,
        exclusive: bool = False,
    ) -> PluginInfo:
        with self._lock:
            plugin_name = self.pm.register(plugin, name=name)
            assert plugin_name is not None
            try:
                self.pm.check_pending()
                specs = self._declared_specs(plugin)
                if not specs:
                    self._check_cross_cutting(plugin, plugin_name)
                owner = distribution or plugin_name
                if exclusive:
                    for spec in specs:
                        others = [c for c in self._claims.get(spec.id, ()) if c.owner != owner]
                        if others:
                            raise ValueError(
                                f"provider id {spec.id!r} is already claimed by {_labels(others)}; "
                                f"plugin {plugin_name!r} was not registered"
                            )
            except Exception:
                self.pm.unregister(plugin)
                raise
            if version is None and distribution:
                version = _dist_version(distribution)
            label = f"{distribution} (entry point {entry_point})" if entry_point else f"plugin {plugin_name!r}"
            for spec in specs:
                self._claims.setdefault(spec.id, []).append(_Claim(owner, label, plugin, spec))
            if specs:
                self._provider_plugins.append(plugin)
            info = PluginInfo(
                name=plugin_name,
                distribution=distribution,
                version=version,
                providers=tuple(s.id for s in specs),
                module=getattr(plugin, "__name__", type(plugin).__name__),
                hooks=tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or ())),
            )
            self.plugins[plugin_name] = info
            self._generation += 1
            return info

    def unregister(self, name: str) -> None:
        with self._lock:
            plugin = self.pm.unregister(name=name)
            self.plugins.pop(name, None)
            if plugin is not None:
                self._claims = {
                    pid: kept
                    for pid, claims in self._claims.items()
                    if (kept := [c for c in claims if c.plugin is not plugin])
                }
                self._provider_plugins = [p for p in self._provider_plugins if p is not plugin]
            self._resolve()
            self._generation += 1

    def _declared_specs(self, plugin: object) -> list[ProviderSpec]:
        specs: list[ProviderSpec] = []
        for impl in self.pm.hook.smsbridge_providers.get_hookimpls():
            if impl.plugin is plugin:
                declared: list[ProviderSpec] | None = impl.function()  # type: ignore[assignment]
                for spec in declared or ():
                    if not isinstance(spec, ProviderSpec):
                        raise TypeError(f"smsbridge_providers returned {type(spec).__name__}, not ProviderSpec")
                    specs.append(spec)
        return specs

    def _check_cross_cutting(self, plugin: object, name: str) -> None:
        """A plugin without a provider may wrap operations, never answer them."""
        for hook_name in OPERATION_HOOKS:
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                    raise ValueError(
                        f"plugin {name!r} declares no provider but answers {hook_name}: a cross-cutting "
                        "plugin may only wrap operation hooks (@hookimpl(wrapper=True))"
                    )

    def _resolve(self) -> None:
        """Which ids are offered, which are in conflict; called after every change of claims."""
        offered: dict[str, tuple[ProviderSpec, object]] = {}
        conflicts: dict[str, ProviderConflict] = {}
        for provider_id, claims in self._claims.items():
            loaded = {id(c.plugin): c for c in claims if c.plugin is not None}
            if len({c.owner for c in claims}) > 1 or len(loaded) > 1:
                conflicts[provider_id] = ProviderConflict(provider_id, tuple(_unique(c.label for c in claims)))
            elif loaded:
                claim = next(iter(loaded.values()))
                assert claim.spec is not None
                offered[provider_id] = (claim.spec, claim.plugin)
        self._offered, self.conflicts = offered, conflicts
        self._generation += 1

    # ------------------------------------------------------------------ discovery

    def _entry_points(self) -> list[Any]:
        from importlib.metadata import entry_points

        return list(entry_points(group=ENTRY_POINT_GROUP))

    def _disabled_names(self) -> set[str]:
        raw = os.environ.get(DISABLE_ENV, "")
        return {p.strip().lower() for p in raw.replace(";", ",").split(",") if p.strip()}

    def load_all(self) -> None:
        """Load every entry point, once, in a fixed order (see the module docstring)."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            eps = sorted(self._entry_points(), key=lambda ep: (ep.name, _dist_name(ep), str(getattr(ep, "value", ""))))
            self._find_duplicates(eps)
            disabled = self._disabled_names()
            for ep in eps:
                self._load_entry_point(ep, disabled)
            self._resolve()

    def _find_duplicates(self, eps: list[Any]) -> None:
        by_name: dict[str, list[str]] = {}
        for ep in eps:
            by_name.setdefault(ep.name, []).append(_dist_name(ep) or "?")
        self.duplicates = [
            DuplicateEntryPoint(name, tuple(_unique(dists))) for name, dists in by_name.items() if len(dists) > 1
        ]

    def _load_entry_point(self, ep: Any, disabled: set[str]) -> None:
        dist = getattr(ep, "dist", None)
        dist_name = getattr(dist, "name", None)
        dist_version = getattr(dist, "version", None)
        if ep.name.lower() in disabled or (dist_name and dist_name.lower() in disabled):
            self.disabled.append(
                DisabledPlugin(ep.name, dist_name, dist_version, f"{DISABLE_ENV}={os.environ.get(DISABLE_ENV, '')}")
            )
            self._claim_unloaded(ep, dist_name, "disabled")
            return
        try:
            plugin = ep.load()
            if self.pm.is_registered(plugin):
                return  # the same module under a second entry point of its distribution
            name = ep.name if self.pm.get_plugin(ep.name) is None else f"{ep.name}[{dist_name}]"
            self._add(plugin, name=name, distribution=dist_name, version=dist_version, entry_point=ep.name)
        except Exception as exc:  # one broken plugin never takes the others down
            self.broken.append(BrokenPlugin(ep.name, dist_name, dist_version, f"{type(exc).__name__}: {exc}"))
            self._claim_unloaded(ep, dist_name, "broken")

    def _claim_unloaded(self, ep: Any, dist_name: str | None, state: str) -> None:
        """A broken or disabled plugin keeps its ids: its entry-point name and its known ids."""
        owner = dist_name or ep.name
        ids = {ep.name} | {pid for pid, package in KNOWN_PACKAGES.items() if package == (dist_name or "").lower()}
        label = f"{owner} (entry point {ep.name}, {state})"
        for provider_id in sorted(ids):
            self._claims.setdefault(provider_id, []).append(_Claim(owner, label, None, None, state))

    # ------------------------------------------------------------------ lookup

    def provider(self, provider_id: str) -> tuple[ProviderSpec, ProviderHooks]:
        """The spec and hooks of ``provider_id``, or a configuration error saying why not."""
        self.load_all()
        with self._lock:
            conflict = self.conflicts.get(provider_id)
            found = self._offered.get(provider_id)
            claims = list(self._claims.get(provider_id, ()))
        if conflict is not None:
            raise ProviderUnavailableError(
                f"provider {provider_id!r} is claimed by {_and(conflict.plugins)}: it is not used, "
                "so that no account goes to a plugin by accident",
                provider_id=provider_id,
                reason="conflict",
                plugins=list(conflict.plugins),
                hint="uninstall the plugin you do not want (pip uninstall NAME); "
                "`smsbridge providers` lists every plugin with its distribution",
            )
        if found is not None:
            spec, plugin = found
            return spec, ProviderHooks(self, plugin)
        unloaded = [c for c in claims if c.plugin is None]
        if unloaded:
            raise self._unavailable(provider_id, unloaded[0])
        raise UnknownProviderError(provider_id, list(self._offered), KNOWN_PACKAGES.get(provider_id))

    def _unavailable(self, provider_id: str, claim: _Claim) -> ProviderUnavailableError:
        if claim.state == "disabled":
            record = next((d for d in self.disabled if (d.distribution or d.name) == claim.owner), None)
            return ProviderUnavailableError(
                f"provider {provider_id!r} comes with {claim.owner}, which is installed but disabled by "
                f"{record.by if record else DISABLE_ENV}",
                provider_id=provider_id,
                reason="disabled",
                plugins=[claim.label],
                hint=f"remove it from {DISABLE_ENV} to use it",
            )
        broken = next((b for b in self.broken if (b.distribution or b.name) == claim.owner), None)
        version = f" {broken.version}" if broken and broken.version else ""
        return ProviderUnavailableError(
            f"provider {provider_id!r} comes with {claim.owner}{version}, which is installed but failed to load: "
            f"{broken.error if broken else 'unknown error'}",
            provider_id=provider_id,
            reason="broken",
            plugins=[claim.label],
            hint="reinstall or upgrade it; `smsbridge providers` lists the plugins that failed to load",
        )

    def providers(self) -> list[tuple[ProviderSpec, PluginInfo]]:
        """Every usable provider id with the plugin that offers it, sorted by id."""
        self.load_all()
        out = []
        for spec, plugin in self._offered.values():
            info = next(i for n, i in self.plugins.items() if self.pm.get_plugin(n) is plugin)
            out.append((spec, info))
        return sorted(out, key=lambda pair: pair[0].id)

    def cross_cutting(self) -> list[PluginInfo]:
        """The loaded plugins that declare no provider, sorted by name."""
        self.load_all()
        return sorted((i for i in self.plugins.values() if i.cross_cutting), key=lambda i: i.name)

    # ------------------------------------------------------------------ calling

    def _callers_for(self, hook_name: str, plugin: object) -> tuple[Any, Any]:
        """The provider's own caller of a hook and the cross-cutting layer around it (or ``None``).

        Cached per hook and plugin until the set of plugins changes.
        """
        key = (hook_name, id(plugin))
        cached = self._callers.get(key)
        if cached is not None and cached[0] == self._generation:
            return cached[1], cached[2]
        with self._lock:
            own: Any
            layer: Any = None
            if hook_name == _REWRITE:  # one layer: other providers' plugins out, the dispatcher as base
                others = [p for p in self._provider_plugins if p is not plugin]
                own = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
                if not self._beyond_dispatcher(own):
                    own = None  # nobody rewrites: skip the call
            else:
                everyone_else = [p for p in self.pm.get_plugins() if p is not plugin]
                own = self.pm.subset_hook_caller(hook_name, remove_plugins=everyone_else)
                layer = self.pm.subset_hook_caller(hook_name, remove_plugins=self._provider_plugins)
                if not self._beyond_dispatcher(layer):
                    layer = None  # no cross-cutting wrapper: call the provider's plugin directly
            self._callers[key] = (self._generation, own, layer)
            return own, layer

    def _event_caller(self, hook_name: str, plugin: object) -> Any:
        """An event hook's caller: the provider's own plugin and the cross-cutting ones, no other provider's."""
        key = (hook_name, id(plugin))
        cached = self._callers.get(key)
        if cached is not None and cached[0] == self._generation:
            return cached[1]
        with self._lock:
            others = [p for p in self._provider_plugins if p is not plugin]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            self._callers[key] = (self._generation, caller, None)
            return caller

    def _beyond_dispatcher(self, caller: Any) -> bool:
        dispatcher = self.pm.get_plugin(_DISPATCHER)
        return any(impl.plugin is not dispatcher for impl in caller.get_hookimpls())

    def _invoke(self, hook_name: str, plugin: object, ctx: Any, kwargs: dict[str, Any]) -> Any:
        own, layer = self._callers_for(hook_name, plugin)
        if layer is None:
            return own(ctx=ctx, **kwargs)
        token = _route.set((own, ctx))
        try:
            return layer(ctx=ctx.public, **kwargs)
        finally:
            _route.reset(token)

    def _rewrite(self, plugin: object, ctx: Any, message: Any) -> Any:
        caller, _ = self._callers_for(_REWRITE, plugin)
        return message if caller is None else caller(ctx=ctx.public, message=message)


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _labels(claims: list[_Claim]) -> str:
    return _and([c.label for c in claims])


def _and(items: Sequence[str]) -> str:
    items = _unique(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _dist_name(ep: Any) -> str:
    return str(getattr(getattr(ep, "dist", None), "name", "") or "").lower()


def _dist_version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, created on first use."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def reset_registry() -> None:
    """Forget loaded plugins (tests; after changing ``SMSBRIDGE_DISABLE_PLUGINS``)."""
    global _registry
    with _registry_lock:
        _registry = None


def register(plugin: object, *, name: str | None = None) -> PluginInfo:
    """Register an in-process plugin with the process-wide registry."""
    return get_registry().register(plugin, name=name)
