"""``smsbridge.plugin`` is the one module a plugin imports from (issue 13, point 20)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import smsbridge.errors
import smsbridge.plugin

HOMES = (
    "smsbridge.admin_params",
    "smsbridge.answers",
    "smsbridge.config",
    "smsbridge.context",
    "smsbridge.errors",
    "smsbridge.estimates",
    "smsbridge.hookspecs",
    "smsbridge.hooktypes",
    "smsbridge.models",
    "smsbridge.numbers",
    "smsbridge.options",
    "smsbridge.readers",
    "smsbridge.refusals",
    "smsbridge.text",
    "smsbridge.transport",
    "smsbridge.replies",
    "smsbridge.values",
    "smsbridge.devserver.profiles",
)


def test_every_name_is_the_core_object_itself() -> None:
    homes = [importlib.import_module(name) for name in HOMES]
    for name in smsbridge.plugin.__all__:
        value = getattr(smsbridge.plugin, name)
        assert any(getattr(home, name, None) is value for home in homes), name


def test_a_plugin_finds_every_error_and_every_model_a_hook_returns() -> None:
    ledger_only = {
        name
        for name in smsbridge.errors.__all__
        if isinstance(getattr(smsbridge.errors, name), type)
        and issubclass(getattr(smsbridge.errors, name), smsbridge.errors.LedgerError)
    }  # raised by the core's send ledger, never by a plugin
    assert ledger_only == {
        "LedgerError",
        "LedgerUnavailableError",
        "JobBusyError",
        "JobNotFoundError",
        "JobMismatchError",
    }
    assert set(smsbridge.errors.__all__) - ledger_only <= set(smsbridge.plugin.__all__)
    for name in (
        "hookimpl",
        "ProviderSpec",
        "Capabilities",
        "SenderRule",
        "credential",
        "ProviderContext",
        "RawReply",
        "SendResult",
        "Receipt",
        "Balance",
        "DeliveryReport",
        "InboundMessage",
        "Estimate",
        "AdminResult",
        "json_body",
        "xml_body",
        "unreadable",
        "to_digits",
    ):
        assert name in smsbridge.plugin.__all__, name


def test_the_documented_names_are_the_exported_ones() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
    table = guide[guide.index("| group | names |") : guide.index("(`smsbridge.plugins`")]
    documented = set(re.findall(r"`([A-Za-z_]+)`", table)) - {"ctx"}  # ctx.http: what a name is for
    assert documented <= set(smsbridge.plugin.__all__), documented - set(smsbridge.plugin.__all__)
