"""Discovery, guarded loading, laziness, dispatch isolation and cross-cutting plugins."""

from __future__ import annotations

import subprocess
import sys
import types
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge import plugins
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Message


def fake_ep(name: str, load: Any, dist: str = "smsbridge-fake", version: str = "9.9") -> Any:
    return types.SimpleNamespace(name=name, load=load, dist=types.SimpleNamespace(name=dist, version=version))


def _raise() -> Any:
    raise ImportError("No module named 'smsbridge_broken.missing'")


def test_broken_plugins_are_reported_and_the_others_keep_working(
    monkeypatch: pytest.MonkeyPatch, make_provider: Any
) -> None:
    make_spy = make_provider
    calls: list[Any] = []
    good = make_spy("good", calls)
    unknown_hook = types.SimpleNamespace()

    class UnknownHook:
        @hookimpl
        def smsbridge_sned(self) -> None:  # a typo'd hook name: check_pending catches it
            pass

    reg = plugins.Registry()
    monkeypatch.setattr(
        reg,
        "_entry_points",
        lambda: [
            fake_ep("broken", _raise, dist="smsbridge-broken", version="0.0.1"),
            fake_ep("typo", lambda: UnknownHook(), dist="smsbridge-typo"),
            fake_ep("good", lambda: good.plugin, dist="smsbridge-good"),
        ],
    )
    del unknown_hook
    ids = [spec.id for spec, _ in reg.providers()]
    assert "good" in ids and "console" in ids
    broken = {b.name: b for b in reg.broken}
    assert set(broken) == {"broken", "typo"}
    assert broken["broken"].distribution == "smsbridge-broken"
    assert broken["broken"].version == "0.0.1"
    assert "ImportError" in broken["broken"].error
    assert "smsbridge_sned" in broken["typo"].error
    monkeypatch.setattr(plugins, "_registry", reg)
    assert smsbridge.connect("good://u:p@default").send("+41791234567", "hi").ok


def test_disable_plugins_by_name_or_distribution(monkeypatch: pytest.MonkeyPatch, make_provider: Any) -> None:
    make_spy = make_provider
    a, b = make_spy("alpha", []), make_spy("beta", [])
    monkeypatch.setenv(plugins.DISABLE_ENV, "alpha, smsbridge-beta")
    reg = plugins.Registry()
    monkeypatch.setattr(
        reg,
        "_entry_points",
        lambda: [fake_ep("alpha", lambda: a.plugin), fake_ep("beta", lambda: b.plugin, dist="smsbridge-beta")],
    )
    assert {s.id for s, _ in reg.providers()} == {"console", "memory"}
    assert reg.broken == []


def test_nothing_loads_before_first_use_then_everything_in_a_fixed_order(
    monkeypatch: pytest.MonkeyPatch, make_provider: Any
) -> None:
    """Every entry point loads on first use, sorted, whatever was asked for first."""
    loaded: list[str] = []
    a, b = make_provider("alpha", []), make_provider("beta", [])

    def loader(name: str, plugin: Any) -> Any:
        def load() -> Any:
            loaded.append(name)
            return plugin

        return load

    reg = plugins.Registry()
    monkeypatch.setattr(
        reg,
        "_entry_points",
        lambda: [fake_ep("beta", loader("beta", b.plugin)), fake_ep("alpha", loader("alpha", a.plugin))],
    )
    assert loaded == []  # nothing at construction
    reg.provider("beta")
    assert loaded == ["alpha", "beta"]
    reg.provider("alpha")
    assert loaded == ["alpha", "beta"]  # once


def test_a_provider_under_another_entry_point_name_is_found(
    monkeypatch: pytest.MonkeyPatch, make_provider: Any
) -> None:
    make_spy = make_provider
    main = make_spy("main", [])
    second = make_spy("second", [])

    class Both:
        @hookimpl
        def smsbridge_providers(self) -> list[Any]:
            return [main.spec, second.spec]

    reg = plugins.Registry()
    monkeypatch.setattr(reg, "_entry_points", lambda: [fake_ep("main", lambda: Both())])
    spec, _ = reg.provider("second")
    assert spec.id == "second"


def test_import_smsbridge_loads_no_plugin_and_no_heavy_module() -> None:
    code = (
        "import sys, smsbridge\n"
        "heavy = [m for m in ('requests', 'phonenumbers', 'smsbridge.plugins', 'smsbridge_aspsms', 'xmltodict', 'rich')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_dispatch_isolation(registry: Any, make_provider: Any) -> None:
    make_spy = make_provider
    """An operation on provider X runs X's implementation only: Y never sees the call."""
    calls: list[Any] = []
    x, y = make_spy("xprov", calls), make_spy("yprov", calls)
    registry.register(x.plugin, name="xprov")
    registry.register(y.plugin, name="yprov")
    account = smsbridge.connect("xprov://u:xsecret@default")
    account.send(["+41791234567", "+41791234568"], "hello")
    account.admin("ping", word="hi")
    assert calls and all(provider == "xprov" for _, provider, _ in calls)
    # the other plugin's hooks were never invoked, so it never saw the message or the config
    assert not any(provider == "yprov" for _, provider, _ in calls)


class Metrics:
    """A cross-cutting plugin: counts every send and bulk_send, whatever the provider."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    @hookimpl(wrapper=True)
    def smsbridge_bulk_send(self, ctx: Any, message: Message) -> Any:
        result = yield
        self.seen.append(("bulk_send", ctx.provider, len(result.receipts)))
        return result


class OptOutFooter:
    @hookimpl
    def smsbridge_rewrite_message(self, ctx: Any, message: Message) -> Message:
        return attrs.evolve(message, text=message.text + "\nSTOP 36180")


def test_cross_cutting_plugins_wrap_every_provider(registry: Any, spy: Any, calls: list[Any], sms_outbox: Any) -> None:
    metrics = Metrics()
    registry.register(metrics, name="metrics")
    registry.register(OptOutFooter(), name="footer")
    smsbridge.connect("spy://u:p@default").send(["+41791234567", "+41791234568"], "promo")
    smsbridge.connect("memory://").send("+41791234567", "promo")
    assert ("bulk_send", "spy", 2) in metrics.seen
    assert ("bulk_send", "memory", 1) in metrics.seen
    sent = [c for c in calls if c[0] == "bulk_send"]
    assert sent[0][2].text == "promo\nSTOP 36180"
    assert sms_outbox[0].text == "promo\nSTOP 36180"


def test_rewrite_is_validated_afterwards(registry: Any, spy: Any) -> None:
    class Bloat:
        @hookimpl
        def smsbridge_rewrite_message(self, ctx: Any, message: Message) -> Message:
            return attrs.evolve(message, text=message.text + "x" * 200)

    registry.register(Bloat(), name="bloat")
    with pytest.raises(smsbridge.InvalidMessageError, match="at most 160"):
        smsbridge.connect("spy://u:p@default").send("+41791234567", "hi")


def test_register_rejects_duplicate_provider_ids(registry: Any, spy: Any, make_provider: Any) -> None:
    make_spy = make_provider
    with pytest.raises(ValueError, match="already claimed by plugin 'spy'"):
        registry.register(make_spy("spy", []).plugin, name="spy2")
    assert "spy2" not in registry.plugins
