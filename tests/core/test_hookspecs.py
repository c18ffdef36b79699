"""Every hook is documented and exercised (datasette's rule, made executable)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pluggy

import smsbridge
from smsbridge import hookspecs
from smsbridge.models import CallbackRequest
from smsbridge.receiver import Receiver, ReceiverAccount
from smsbridge.testing.receiver import wsgi_request

TOKEN = "spy-token-0123456789abcdefXYZ"

HOOKS = sorted(name for name, value in vars(hookspecs).items() if name.startswith("smsbridge_") and callable(value))


def test_hooks_exist() -> None:
    assert {
        "smsbridge_providers",
        "smsbridge_send",
        "smsbridge_bulk_send",
        "smsbridge_balance",
        "smsbridge_delivery_status",
        "smsbridge_admin",
        "smsbridge_inbound",
        "smsbridge_parse_callback",
        "smsbridge_estimate",
        "smsbridge_check_recipient",
        "smsbridge_rewrite_message",
        "smsbridge_callback_spec",
        "smsbridge_parse_inbound_callback",
        "smsbridge_report_received",
        "smsbridge_inbound_received",
        "smsbridge_adjust_capabilities",
        "smsbridge_emulator_profiles",
    } == set(HOOKS)


def test_every_hook_is_documented() -> None:
    for name in HOOKS:
        function = getattr(hookspecs, name)
        doc = inspect.getdoc(function) or ""
        assert len(doc) > 80, f"{name} needs a docstring saying what it gets and returns"
        assert re.search(r"[Rr]eturn", doc), f"{name}: say what it returns"
        for parameter in inspect.signature(function).parameters:
            if parameter != "ctx":
                assert parameter in doc, f"{name}: document the parameter {parameter!r}"
        hints = inspect.signature(function).return_annotation
        assert hints is not inspect.Signature.empty, f"{name}: annotate the return type"


class Recorder:
    """A cross-cutting plugin that wraps every operation hook and records which ran."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("smsbridge_") or name in ("smsbridge_providers", "smsbridge_rewrite_message"):
            raise AttributeError(name)
        spec = getattr(hookspecs, name)

        def wrapper(**kwargs: Any) -> Any:
            self.seen.add(name)
            return (yield)

        wrapper.__signature__ = inspect.signature(spec)  # type: ignore[attr-defined]
        wrapper.__name__ = name
        return pluggy.HookimplMarker("smsbridge")(wrapper=True)(wrapper)


def test_every_hook_is_exercised(registry: Any, spy: Any, calls: list[Any], tmp_path: Path) -> None:
    recorder = Recorder()
    # pluggy discovers hook implementations with dir(); give it the names explicitly
    holder = type(
        "RecorderPlugin",
        (),
        {
            name: getattr(recorder, name)
            for name in HOOKS
            if name not in ("smsbridge_providers", "smsbridge_rewrite_message")
        },
    )
    registry.register(holder, name="recorder")
    rewrites: list[str] = []

    class Rewrite:
        @smsbridge.hookimpl
        def smsbridge_rewrite_message(self, ctx: Any, message: Any) -> None:
            rewrites.append(message.text)

    registry.register(Rewrite(), name="rewrite")
    account = smsbridge.connect("spy://u:p@default")
    account.send("+41791234567", "one")
    account.send(["+41791234567", "+41791234568"], "two")
    account.balance()
    account.delivery_status(["a"])
    account.inbound()
    account.parse_callback(CallbackRequest(query={"id": "a"}))
    account.parse_inbound_callback(CallbackRequest(query={"id": "b"}))
    # callback_spec, and the two host-app events, through the receiver
    with Receiver({"spy": ReceiverAccount(account, token=TOKEN)}, ledger=str(tmp_path / "r.db")) as receiver:
        assert wsgi_request(receiver.wsgi, "GET", f"/spy/status/{TOKEN}?id=a").status == 200
        assert wsgi_request(receiver.wsgi, "GET", f"/spy/inbound/{TOKEN}?id=b").status == 200
    assert account.estimate("hi", "+41791234567").provider_cost is not None
    account.admin("ping", word="x")
    # smsbridge_adjust_capabilities: called on the provider's plugin only, when an account is built
    assert smsbridge.connect("spy://u:p@default?batch=2").capabilities.max_recipients == 2
    from smsbridge.devserver.registry import load_profiles  # what `smsbridge dev` asks at start

    assert "spy" in [p.id for p in load_profiles()]
    expected = set(HOOKS) - {"smsbridge_providers", "smsbridge_rewrite_message", "smsbridge_adjust_capabilities"}
    assert recorder.seen == expected
    assert {c[0] for c in calls} == {h.removeprefix("smsbridge_") for h in expected}
    assert rewrites == ["one", "two", "hi"]
    assert "spy" in [spec.id for spec, _ in registry.providers()]  # smsbridge_providers
