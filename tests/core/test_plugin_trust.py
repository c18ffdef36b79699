"""A plugin is trusted only with its own accounts (issue 13, points 7-11).

Provider ids are never resolved by load order or by what the process did before; plugins
that declare no provider wrap every provider but never answer for one and never see a
credential; broken and disabled plugins are reported as such.
"""

from __future__ import annotations

import itertools
import types
from pathlib import Path
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge import plugins
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Capabilities, Message, ReceiptStatus


def fake_ep(name: str, load: Any, dist: str, version: str = "1.0") -> Any:
    return types.SimpleNamespace(
        name=name, value=f"{dist}:plugin", load=load, dist=types.SimpleNamespace(name=dist, version=version)
    )


def _raise_import_error() -> Any:
    raise ImportError("No module named 'smsbridge_junubsms.wire'")


@pytest.fixture
def registry_with(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``registry_with(*entry_points)``: a fresh process-wide registry over these entry points."""

    def make(*eps: Any) -> plugins.Registry:
        reg = plugins.Registry()
        monkeypatch.setattr(reg, "_entry_points", lambda: list(eps))
        monkeypatch.setattr(plugins, "_registry", reg)
        return reg

    return make


# ---------------------------------------------------------------------------- 7. one claimant per id


def _legit_and_impostor(make_provider: Any, calls: list[Any]) -> tuple[Any, Any, Any, Any]:
    legit = make_provider("junubsms", calls)
    impostor = make_provider("junubsms", calls)
    legit_ep = fake_ep("junubsms", lambda: legit.plugin, "smsbridge-junubsms")
    impostor_ep = fake_ep("xjunubsms", lambda: impostor.plugin, "smsbridge-xjunubsms")
    return legit, impostor, legit_ep, impostor_ep


@pytest.mark.parametrize("order", ["legit first", "impostor first"])
@pytest.mark.parametrize("earlier", [None, "junubsmss", "xjunubsms"])
def test_an_id_claimed_by_two_plugins_is_refused_for_both(
    registry_with: Any, make_provider: Any, order: str, earlier: str | None
) -> None:
    """Whatever the entry points' order and whatever was looked up before (a mistyped id)."""
    calls: list[Any] = []
    _, _, legit_ep, impostor_ep = _legit_and_impostor(make_provider, calls)
    eps = [legit_ep, impostor_ep] if order == "legit first" else [impostor_ep, legit_ep]
    reg = registry_with(*eps)
    if earlier is not None:
        with pytest.raises(smsbridge.ConfigurationError):
            smsbridge.connect(f"{earlier}://user:TOPSECRET@default")
    with pytest.raises(smsbridge.ConfigurationError) as info:
        smsbridge.connect("junubsms://user:TOPSECRET@default").send("+41791234567", "hi")
    message = str(info.value)
    assert "smsbridge-junubsms" in message and "smsbridge-xjunubsms" in message
    assert isinstance(info.value, smsbridge.ProviderUnavailableError) and info.value.reason == "conflict"
    assert calls == [], "neither plugin saw the account"
    assert "junubsms" in reg.conflicts and "junubsms" not in {s.id for s, _ in reg.providers()}


def test_a_disabled_plugin_keeps_its_id(
    registry_with: Any, make_provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SMSBRIDGE_DISABLE_PLUGINS=aspsms switches aspsms off; it does not hand aspsms:// to another plugin."""
    calls: list[Any] = []
    real, impostor = make_provider("aspsms", calls), make_provider("aspsms", calls)
    monkeypatch.setenv(plugins.DISABLE_ENV, "aspsms")
    registry_with(
        fake_ep("aspsms", lambda: real.plugin, "smsbridge-aspsms"),
        fake_ep("evil", lambda: impostor.plugin, "smsbridge-evil"),
    )
    with pytest.raises(smsbridge.ConfigurationError) as info:
        smsbridge.connect("aspsms://KEY:TOPSECRET@default").balance()
    assert "smsbridge-aspsms" in str(info.value) and "smsbridge-evil" in str(info.value)
    assert calls == []


def test_a_broken_plugin_keeps_its_id(registry_with: Any, make_provider: Any) -> None:
    """The real plugin failing to import is no opening for a plugin declaring the same id."""
    calls: list[Any] = []
    impostor = make_provider("playsms", calls)
    registry_with(
        fake_ep("junubsms", _raise_import_error, "smsbridge-junubsms"),
        fake_ep("xplay", lambda: impostor.plugin, "smsbridge-xplay"),
    )
    with pytest.raises(smsbridge.ConfigurationError) as info:  # playsms: a known id of smsbridge-junubsms
        smsbridge.connect("playsms://u:TOPSECRET@sms.example.org")
    assert "smsbridge-junubsms" in str(info.value) and "smsbridge-xplay" in str(info.value)
    assert calls == []


def test_an_id_with_one_claimant_goes_to_it_and_a_conflict_stays_local(registry_with: Any, make_provider: Any) -> None:
    calls: list[Any] = []
    _, _, legit_ep, impostor_ep = _legit_and_impostor(make_provider, calls)
    other = make_provider("other", calls)
    registry_with(legit_ep, impostor_ep, fake_ep("other", lambda: other.plugin, "smsbridge-other"))
    with pytest.raises(smsbridge.ConfigurationError):
        smsbridge.connect("junubsms://u:p@default")
    assert smsbridge.connect("other://u:p@default").send("+41791234567", "hi").ok
    assert [provider for hook, provider, _ in calls if hook == "send"] == ["other"]


def test_an_in_process_plugin_cannot_take_an_installed_id(registry_with: Any, make_provider: Any) -> None:
    calls: list[Any] = []
    _, impostor, legit_ep, _ = _legit_and_impostor(make_provider, calls)
    reg = registry_with(legit_ep)
    with pytest.raises(ValueError, match=r"already claimed by smsbridge-junubsms \(entry point junubsms\)"):
        reg.register(impostor.plugin, name="sneaky")
    assert smsbridge.connect("junubsms://u:p@default").send("+41791234567", "hi").ok


# ---------------------------------------------------------------------------- 8. duplicate entry-point names


def test_two_packages_with_one_entry_point_name_are_both_reported(registry_with: Any, make_provider: Any) -> None:
    calls: list[Any] = []
    first, second = make_provider("acme", calls), make_provider("acme", calls)
    reg = registry_with(
        fake_ep("acme", lambda: first.plugin, "smsbridge-acme"),
        fake_ep("acme", lambda: second.plugin, "acme-sms-fork"),
    )
    reg.load_all()
    assert reg.duplicates == [plugins.DuplicateEntryPoint("acme", ("acme-sms-fork", "smsbridge-acme"))]
    assert {i.distribution for i in reg.plugins.values()} >= {"smsbridge-acme", "acme-sms-fork"}, "both loaded"
    with pytest.raises(smsbridge.ConfigurationError, match="acme-sms-fork"):
        smsbridge.connect("acme://u:p@default")


# ---------------------------------------------------------------------------- 9. cross-cutting plugins


class Metrics:
    """A cross-cutting plugin: wraps every send, remembers what context it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    @hookimpl(wrapper=True)
    def smsbridge_send(self, ctx: Any, message: Message) -> Any:
        self.seen.append(("send", ctx))
        result = yield
        return result


def test_an_installed_cross_cutting_plugin_runs_in_a_normal_process(registry_with: Any, make_provider: Any) -> None:
    """No load_all(), no listing first: opening an account is enough."""
    metrics = Metrics()
    spy = make_provider("spy", [])
    registry_with(fake_ep("metrics", lambda: metrics, "smsbridge-metrics"), fake_ep("spy", lambda: spy.plugin, "x"))
    assert smsbridge.connect("spy://u:TOPSECRET-PASSWORD@default").send("+41791234567", "hi").ok
    assert [name for name, _ in metrics.seen] == ["send"]


def test_a_cross_cutting_plugin_gets_no_credentials(registry_with: Any, make_provider: Any) -> None:
    metrics = Metrics()
    spy = make_provider("spy", [])
    registry_with(fake_ep("metrics", lambda: metrics, "smsbridge-metrics"), fake_ep("spy", lambda: spy.plugin, "x"))
    smsbridge.connect("spy://u:TOPSECRET-PASSWORD@default").send("+41791234567", "hi")
    ((_, ctx),) = metrics.seen
    assert ctx.provider == "spy" and ctx.settings.host is None
    for name in ("config", "http", "redact", "cache"):
        assert not hasattr(ctx, name), name
    assert "TOPSECRET" not in repr(ctx) and "TOPSECRET" not in repr(attrs.asdict(ctx))


def test_a_cross_cutting_plugin_that_answers_an_operation_is_refused(registry_with: Any, make_provider: Any) -> None:
    """A plain tryfirst smsbridge_send in a plugin without a provider once answered ASPSMS sends."""

    class Hijack:
        @hookimpl(tryfirst=True)
        def smsbridge_send(self, ctx: Any, message: Message) -> Any:
            return ["hijacked"]

    calls: list[Any] = []
    spy = make_provider("spy", calls)
    reg = registry_with(
        fake_ep("hijack", lambda: Hijack(), "smsbridge-hijack"), fake_ep("spy", lambda: spy.plugin, "x")
    )
    result = smsbridge.connect("spy://u:p@default").send("+41791234567", "hi")
    assert result.receipts[0].status is ReceiptStatus.ACCEPTED and [c[0] for c in calls if c[0] == "send"] == ["send"]
    (broken,) = reg.broken
    assert broken.distribution == "smsbridge-hijack" and "may only wrap operation hooks" in broken.error
    with pytest.raises(ValueError, match="may only wrap"):
        reg.register(Hijack(), name="hijack-in-process")


def test_cross_cutting_plugins_are_listed(registry_with: Any, make_provider: Any) -> None:
    metrics = Metrics()
    reg = registry_with(fake_ep("metrics", lambda: metrics, "smsbridge-metrics", "2.0"))
    (info,) = reg.cross_cutting()
    assert (info.name, info.distribution, info.version) == ("metrics", "smsbridge-metrics", "2.0")
    assert info.hooks == ("smsbridge_send",) and info.cross_cutting


def test_a_wrapper_of_another_provider_plugin_never_sees_this_providers_calls(
    registry: Any, make_provider: Any
) -> None:
    """A provider plugin's wrappers wrap its own provider only (dispatch isolation)."""
    seen: list[str] = []
    spy, other = make_provider("spy", []), make_provider("other", [])

    class OtherWithWrapper(type(other.plugin)):  # type: ignore[misc]
        @hookimpl(wrapper=True)
        def smsbridge_send(self, ctx: Any, message: Message) -> Any:  # type: ignore[override]
            seen.append(ctx.provider)
            return (yield)

    registry.register(spy.plugin, name="spy")
    registry.register(OtherWithWrapper(), name="other")
    smsbridge.connect("spy://u:p@default").send("+41791234567", "hi")
    assert seen == []


# ---------------------------------------------------------------------------- 10. rewrite through pluggy


def test_rewrite_takes_only_the_arguments_it_names(registry: Any, spy: Any, calls: list[Any]) -> None:
    class Shout:
        @hookimpl
        def smsbridge_rewrite_message(self, message: Message) -> Message:
            return attrs.evolve(message, text=message.text.upper())

    registry.register(Shout(), name="shout")
    smsbridge.connect("spy://u:p@default").send("+41791234567", "hello")
    (sent,) = [c[2] for c in calls if c[0] == "send"]
    assert sent.text == "HELLO"


def test_rewrite_wrappers_run_and_compose(registry: Any, spy: Any, calls: list[Any]) -> None:
    order = itertools.count()
    log: list[tuple[int, str]] = []

    class Footer:
        @hookimpl(wrapper=True)
        def smsbridge_rewrite_message(self, message: Message) -> Any:
            rewritten = yield
            log.append((next(order), "footer"))
            return attrs.evolve(rewritten, text=rewritten.text + " STOP")

    class Greeting:
        @hookimpl(wrapper=True, tryfirst=True)
        def smsbridge_rewrite_message(self, ctx: Any, message: Message) -> Any:
            rewritten = yield
            log.append((next(order), f"greeting for {ctx.provider}"))
            return attrs.evolve(rewritten, text="Hi! " + rewritten.text)

    registry.register(Footer(), name="footer")
    registry.register(Greeting(), name="greeting")
    smsbridge.connect("spy://u:p@default").send("+41791234567", "sale")
    (sent,) = [c[2] for c in calls if c[0] == "send"]
    assert sent.text == "Hi! sale STOP"
    assert [what for _, what in log] == ["footer", "greeting for spy"]


# ---------------------------------------------------------------------------- 11. broken, disabled, absent


def test_a_broken_plugin_is_reported_as_broken_not_absent(registry_with: Any) -> None:
    registry_with(fake_ep("junubsms", _raise_import_error, "smsbridge-junubsms", "0.1.0"))
    with pytest.raises(smsbridge.ConfigurationError) as info:
        smsbridge.connect("junubsms://u:p@default")
    message = str(info.value)
    assert "smsbridge-junubsms 0.1.0" in message and "installed but failed to load" in message
    assert "ImportError: No module named 'smsbridge_junubsms.wire'" in message
    assert "pip install" not in message and getattr(info.value, "reason", None) == "broken"


def test_a_disabled_plugin_is_reported_as_disabled_not_absent(
    registry_with: Any, make_provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = make_provider("aspsms", [])
    monkeypatch.setenv(plugins.DISABLE_ENV, "smsbridge-aspsms")
    registry_with(fake_ep("aspsms", lambda: real.plugin, "smsbridge-aspsms"))
    with pytest.raises(smsbridge.ConfigurationError) as info:
        smsbridge.connect("server2sms://KEY:PASSWORD@default")  # the package's other id too
    message = str(info.value)
    assert "disabled by SMSBRIDGE_DISABLE_PLUGINS=smsbridge-aspsms" in message
    assert "pip install" not in message and "remove it from SMSBRIDGE_DISABLE_PLUGINS" in str(info.value.hint)


def test_an_absent_plugin_is_still_reported_as_not_installed(registry_with: Any) -> None:
    registry_with()
    with pytest.raises(smsbridge.UnknownProviderError, match="no installed provider is called 'aspsms'"):
        smsbridge.connect("aspsms://KEY:PASSWORD@default")


def test_the_cross_cutting_example_of_the_docs_works(registry: Any, sms_outbox: Any) -> None:
    """The example of docs/writing-a-plugin.md, section 5, run as written."""
    text = (Path(__file__).parents[2] / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
    section = text[text.index("## 5.") :]
    code = section[section.index("```python") + len("```python") : section.index("```", section.index("```python") + 3)]
    module = types.ModuleType("smsbridge_metrics")
    exec(compile(code, "writing-a-plugin.md", "exec"), module.__dict__)
    registry.register(module, name="metrics")
    smsbridge.connect("memory://").send("+41791234567", "sale")
    assert module.ACCEPTED == {"memory": 1}
    assert sms_outbox[0].text == "sale\nSTOP 36180"


def test_a_cross_cutting_plugin_that_adjusts_capabilities_is_refused(registry_with: Any, make_provider: Any) -> None:
    """Capabilities are the provider's word on its own accounts: no other plugin answers for them."""

    class Widen:
        @hookimpl
        def smsbridge_adjust_capabilities(self, config: Any, caps: Capabilities) -> Capabilities:
            return attrs.evolve(caps, max_recipients=10_000)

    spy = make_provider("spy", [])
    reg = registry_with(fake_ep("widen", lambda: Widen(), "smsbridge-widen"), fake_ep("spy", lambda: spy.plugin, "x"))
    assert smsbridge.connect("spy://u:p@default").capabilities.max_recipients != 10_000
    (broken,) = reg.broken
    assert broken.distribution == "smsbridge-widen" and "smsbridge_adjust_capabilities" in broken.error
