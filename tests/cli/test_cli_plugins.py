"""`smsbridge providers` shows every plugin the registry knows of, and why one is not used (points 8, 9, 11)."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from smsbridge import plugins
from smsbridge.hookspecs import hookimpl


class Metrics:
    @hookimpl(wrapper=True)
    def smsbridge_send(self, ctx: Any, message: Any) -> Any:
        return (yield)


def _ep(name: str, load: Any, dist: str) -> Any:
    return types.SimpleNamespace(
        name=name, value=f"{dist}:x", load=load, dist=types.SimpleNamespace(name=dist, version="1.2")
    )


def _broken() -> Any:
    raise ImportError("No module named 'smsbridge_x.wire'")


def test_providers_lists_cross_cutting_disabled_conflicting_and_duplicate_plugins(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Provider:
        def __init__(self, spec: Any) -> None:
            self.spec = spec

        @hookimpl
        def smsbridge_providers(self) -> list[Any]:
            return [self.spec]

    from smsbridge.builtin import memory

    (memory_spec,) = memory.smsbridge_providers()
    import attrs

    acme = attrs.evolve(memory_spec, id="acme")
    monkeypatch.setenv(plugins.DISABLE_ENV, "smsbridge-off")
    reg = plugins.Registry()
    monkeypatch.setattr(
        reg,
        "_entry_points",
        lambda: [
            _ep("metrics", lambda: Metrics(), "smsbridge-metrics"),
            _ep("acme", lambda: Provider(acme), "smsbridge-acme"),
            _ep("acme", lambda: Provider(acme), "acme-fork"),
            _ep("off", _broken, "smsbridge-off"),
            _ep("bad", _broken, "smsbridge-bad"),
        ],
    )
    monkeypatch.setattr(plugins, "_registry", reg)
    data = json.loads(run("providers", "--json").stdout)
    assert data["cross_cutting"] == [
        {"plugin": "metrics", "distribution": "smsbridge-metrics", "version": "1.2", "hooks": ["smsbridge_send"]}
    ]
    assert [d["distribution"] for d in data["disabled"]] == ["smsbridge-off"]
    assert data["disabled"][0]["by"] == "SMSBRIDGE_DISABLE_PLUGINS=smsbridge-off"
    assert [b["distribution"] for b in data["broken"]] == ["smsbridge-bad"]
    assert data["conflicts"] == [
        {"provider_id": "acme", "plugins": ["acme-fork (entry point acme)", "smsbridge-acme (entry point acme)"]}
    ]
    assert data["duplicate_entry_points"] == [{"name": "acme", "distributions": ["acme-fork", "smsbridge-acme"]}]
    assert "acme" not in {p["id"] for p in data["providers"]}
    text = " ".join(run("providers").stdout.split())  # titles wrap to their table's width
    for title in (
        "Cross-cutting plugins",
        "Plugins that failed to load",
        "Disabled plugins",
        "claimed by several plugins",
        "Entry-point names used by several packages",
    ):
        assert title in text, title
    used = run("send", "--url", "acme://", "+41791234567", "Hi")
    assert used.exit_code == 2 and "acme-fork" in used.stderr and "smsbridge-acme" in used.stderr
    off = run("send", "--url", "off://", "+41791234567", "Hi")
    assert off.exit_code == 2 and "disabled by SMSBRIDGE_DISABLE_PLUGINS=smsbridge-off" in off.stderr
