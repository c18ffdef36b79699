"""Finding, loading and calling plugins.

* Discovery: entry points in the group ``smsbridge``; each loads inside its own guard, so a
  plugin that fails to import, declares nothing usable or implements an unknown hook
  (``check_pending``) is recorded in ``broken`` with its distribution, version and error,
  and the others keep working.  ``SMSBRIDGE_DISABLE_PLUGINS=name,other`` skips plugins by
  entry-point or distribution name.
* Laziness: nothing loads at ``import smsbridge``.  Asking for provider ``x`` loads the
  entry point named ``x`` first, and all of them only if that does not declare it (a
  distribution may offer several provider ids under one entry point).
* Dispatch isolation: ``ProviderHooks`` calls a hook through a subset of the plugin manager
  that holds the provider's own plugin and the cross-cutting plugins only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import attrs
import pluggy

from smsbridge import hookspecs
from smsbridge.errors import UnknownProviderError
from smsbridge.models import ProviderSpec

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "BrokenPlugin",
    "PluginInfo",
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


@attrs.frozen
class PluginInfo:
    name: str
    distribution: str | None
    version: str | None
    providers: tuple[str, ...]
    module: str


@attrs.frozen
class BrokenPlugin:
    name: str
    distribution: str | None
    version: str | None
    error: str


class ProviderHooks:
    """A typed facade over the hooks of one provider plugin (and the cross-cutting plugins)."""

    def __init__(self, registry: Registry, plugin: object) -> None:
        self._registry = registry
        self._plugin = plugin

    def _caller(self, name: str) -> Any:
        return self._registry._subset_caller(name, self._plugin)

    def implements(self, hook_name: str) -> bool:
        """Whether the provider's own plugin implements ``hook_name`` (wrappers not counted)."""
        hook = getattr(self._registry.pm.hook, hook_name)
        return any(impl.plugin is self._plugin and not impl.wrapper for impl in hook.get_hookimpls())

    def check_recipient(self, ctx: Any, number: str) -> str | None:
        result: str | None = self._caller("smsbridge_check_recipient")(ctx=ctx, number=number)
        return result

    def send(self, ctx: Any, message: Any) -> Any:
        return self._caller("smsbridge_send")(ctx=ctx, message=message)

    def bulk_send(self, ctx: Any, message: Any) -> Any:
        return self._caller("smsbridge_bulk_send")(ctx=ctx, message=message)

    def balance(self, ctx: Any) -> Any:
        return self._caller("smsbridge_balance")(ctx=ctx)

    def delivery_status(self, ctx: Any, message_ids: Sequence[str]) -> Any:
        return self._caller("smsbridge_delivery_status")(ctx=ctx, message_ids=list(message_ids))

    def inbound(self, ctx: Any, query: Any) -> Any:
        return self._caller("smsbridge_inbound")(ctx=ctx, query=query)

    def parse_callback(self, ctx: Any, request: Any) -> Any:
        return self._caller("smsbridge_parse_callback")(ctx=ctx, request=request)

    def callback_spec(self, ctx: Any) -> Any:
        return self._caller("smsbridge_callback_spec")(ctx=ctx)

    def parse_inbound_callback(self, ctx: Any, request: Any) -> Any:
        return self._caller("smsbridge_parse_inbound_callback")(ctx=ctx, request=request)

    def report_received(self, event: Any) -> None:
        """Tell host-app plugins (and the provider's own) about a stored report."""
        self._caller("smsbridge_report_received")(event=event)

    def inbound_received(self, event: Any) -> None:
        self._caller("smsbridge_inbound_received")(event=event)

    def listens(self, hook_name: str) -> bool:
        """Whether any plugin this provider's calls reach implements ``hook_name`` (events)."""
        return bool(self._caller(hook_name).get_hookimpls())

    def estimate(self, ctx: Any, message: Any) -> Any:
        return self._caller("smsbridge_estimate")(ctx=ctx, message=message)

    def admin(self, ctx: Any, operation: str, params: dict[str, Any]) -> Any:
        return self._caller("smsbridge_admin")(ctx=ctx, operation=operation, params=params)

    def rewrite_message(self, ctx: Any, message: Any) -> Any:
        """Chain every ``smsbridge_rewrite_message`` implementation, in pluggy's call order."""
        caller = self._caller("smsbridge_rewrite_message")
        for impl in reversed(caller.get_hookimpls()):
            if impl.wrapper or impl.hookwrapper:
                continue
            result = impl.function(ctx=ctx, message=message)
            if result is not None:
                message = result
        return message


class Registry:
    """The plugin manager plus what was loaded, what broke and which plugin offers which id."""

    def __init__(self, *, entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._providers: dict[str, tuple[ProviderSpec, object]] = {}
        self._provider_plugins: list[object] = []
        self.plugins: dict[str, PluginInfo] = {}
        self.broken: list[BrokenPlugin] = []
        self._use_entry_points = entry_points
        self._entry_points_loaded: set[str] = set()
        self._all_loaded = not entry_points
        self._generation = 0
        self._subsets: dict[tuple[str, int], tuple[int, Any]] = {}
        from smsbridge.builtin import console, memory

        self.register(console, name="console", distribution="smsbridge")
        self.register(memory, name="memory", distribution="smsbridge")

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

        Raises ``ValueError`` when it implements an unknown hook or redeclares a provider id.
        """
        with self._lock:
            plugin_name = self.pm.register(plugin, name=name)
            assert plugin_name is not None
            try:
                self.pm.check_pending()
                specs = self._declared_specs(plugin)
                for spec in specs:
                    if spec.id in self._providers:
                        raise ValueError(f"provider id {spec.id!r} is already offered by another plugin")
            except Exception:
                self.pm.unregister(plugin)
                raise
            for spec in specs:
                self._providers[spec.id] = (spec, plugin)
            if specs:
                self._provider_plugins.append(plugin)
            if version is None and distribution:
                version = _dist_version(distribution)
            info = PluginInfo(
                name=plugin_name,
                distribution=distribution,
                version=version,
                providers=tuple(s.id for s in specs),
                module=getattr(plugin, "__name__", type(plugin).__name__),
            )
            self.plugins[plugin_name] = info
            self._generation += 1
            return info

    def unregister(self, name: str) -> None:
        with self._lock:
            plugin = self.pm.unregister(name=name)
            self.plugins.pop(name, None)
            if plugin is not None:
                self._providers = {k: v for k, v in self._providers.items() if v[1] is not plugin}
                self._provider_plugins = [p for p in self._provider_plugins if p is not plugin]
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

    # ------------------------------------------------------------------ discovery

    def _entry_points(self) -> list[Any]:
        from importlib.metadata import entry_points

        return list(entry_points(group=ENTRY_POINT_GROUP))

    def _disabled(self) -> set[str]:
        raw = os.environ.get(DISABLE_ENV, "")
        return {p.strip().lower() for p in raw.replace(";", ",").split(",") if p.strip()}

    def _load_entry_point(self, ep: Any) -> None:
        if ep.name in self._entry_points_loaded:
            return
        self._entry_points_loaded.add(ep.name)
        dist = getattr(ep, "dist", None)
        dist_name = getattr(dist, "name", None)
        dist_version = getattr(dist, "version", None)
        disabled = self._disabled()
        if ep.name.lower() in disabled or (dist_name and dist_name.lower() in disabled):
            return
        try:
            plugin = ep.load()
            self.register(plugin, name=ep.name, distribution=dist_name, version=dist_version)
        except Exception as exc:  # one broken plugin never takes the others down
            self.broken.append(BrokenPlugin(ep.name, dist_name, dist_version, f"{type(exc).__name__}: {exc}"))

    def load_all(self) -> None:
        """Load every entry point (``smsbridge providers`` needs them all)."""
        with self._lock:
            if self._all_loaded:
                return
            for ep in self._entry_points():
                self._load_entry_point(ep)
            self._all_loaded = True

    def _find(self, provider_id: str) -> tuple[ProviderSpec, object] | None:
        with self._lock:
            if provider_id in self._providers:
                return self._providers[provider_id]
            if self._use_entry_points and not self._all_loaded:
                # the entry point named after the id, then those of the package known to offer
                # it (server2sms comes with smsbridge-aspsms), and only then every plugin
                package = KNOWN_PACKAGES.get(provider_id, "").lower()
                eps = self._entry_points()
                by_name = [ep for ep in eps if ep.name == provider_id]
                by_package = [ep for ep in eps if package and _dist_name(ep) == package]
                for group in (by_name, by_package):
                    for ep in group:
                        self._load_entry_point(ep)
                    if provider_id in self._providers:
                        break
                if provider_id not in self._providers:
                    self.load_all()
            return self._providers.get(provider_id)

    # ------------------------------------------------------------------ lookup

    def provider(self, provider_id: str) -> tuple[ProviderSpec, ProviderHooks]:
        found = self._find(provider_id)
        if found is None:
            self.load_all()
            raise UnknownProviderError(provider_id, list(self._providers), KNOWN_PACKAGES.get(provider_id))
        spec, plugin = found
        return spec, ProviderHooks(self, plugin)

    def providers(self) -> list[tuple[ProviderSpec, PluginInfo]]:
        self.load_all()
        out = []
        for spec, plugin in self._providers.values():
            info = next(i for n, i in self.plugins.items() if self.pm.get_plugin(n) is plugin)
            out.append((spec, info))
        return sorted(out, key=lambda pair: pair[0].id)

    def _subset_caller(self, hook_name: str, plugin: object) -> Any:
        key = (hook_name, id(plugin))
        cached = self._subsets.get(key)
        if cached is not None and cached[0] == self._generation:
            return cached[1]
        with self._lock:
            others = [p for p in self._provider_plugins if p is not plugin]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
            self._subsets[key] = (self._generation, caller)
            return caller


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
