"""``providers``, ``balance``, ``status``, ``estimate``, ``admin`` and ``inbound``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_fakes import FAKE_URL

from smsbridge.plugins import BrokenPlugin, get_registry


def test_providers_table_lists_builtins_and_the_fake(run: Any) -> None:
    result = run("providers")
    assert result.exit_code == 0
    for expected in ("console", "memory", "clifake", "Fake provider of the CLI tests.", "topup"):
        assert expected in result.stdout
    assert "2 recipients a request" in result.stdout
    assert "sender 3-11 characters" in result.stdout


def test_providers_json_shape(run: Any) -> None:
    result = run("providers", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    by_id = {p["id"]: p for p in data["providers"]}
    memory = by_id["memory"]
    assert memory["distribution"] == "smsbridge"
    assert memory["version"]
    assert memory["capabilities"]["max_recipients"] == 1000
    assert [op["name"] for op in memory["capabilities"]["admin_operations"]] == ["clear", "count"]
    fake_ops = by_id["clifake"]["capabilities"]["admin_operations"]
    assert fake_ops[0]["params"][0] == {
        "name": "amount",
        "type": "decimal",
        "required": True,
        "description": "how much",
    }
    assert isinstance(data["broken"], list)


def test_providers_shows_broken_plugins(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = get_registry()
    registry.load_all()
    monkeypatch.setattr(
        registry, "broken", [BrokenPlugin("smsbroken", "smsbridge-broken", "0.3", "ImportError: no module named x")]
    )
    result = run("providers")
    assert result.exit_code == 0
    assert "Plugins that failed to load" in result.stdout
    assert "smsbridge-broken" in result.stdout and "ImportError: no module named x" in result.stdout
    data = json.loads(run("providers", "--json").stdout)
    assert data["broken"] == [
        {
            "name": "smsbroken",
            "distribution": "smsbridge-broken",
            "version": "0.3",
            "error": "ImportError: no module named x",
        }
    ]


def test_balance(run: Any) -> None:
    result = run("balance", "--url", FAKE_URL)
    assert result.exit_code == 0
    assert "12.50" in result.stdout and "CHF" in result.stdout
    data = json.loads(run("balance", "--url", FAKE_URL, "--json").stdout)
    assert data == {"account": "clifake://c***1:****@default", "provider": "clifake", "amount": "12.50", "unit": "CHF"}


def test_balance_where_the_provider_fails(run: Any) -> None:
    result = run("balance", "--url", "memory://?fail=connect")
    assert result.exit_code == 1
    assert "refused connection" in result.stderr


def test_status_after_send(run: Any) -> None:
    sent = json.loads(run("send", "--url", "memory://", "--json", "+41791234567", "Hi").stdout)
    message_id = sent["receipts"][0]["message_id"]
    result = run("status", "--url", "memory://", "--json", message_id, "mem-unknown")
    assert result.exit_code == 0
    reports = json.loads(result.stdout)["reports"]
    assert [(r["message_id"], r["status"], r["recipient"]) for r in reports] == [
        (message_id, "delivered", "+41791234567"),
        ("mem-unknown", "unknown", None),
    ]


def test_status_table_shows_provider_text_literally(run: Any) -> None:
    result = run("status", "--url", FAKE_URL, "f-1")
    assert result.exit_code == 0
    assert "[bold]delivered[/bold]" in result.stdout  # provider text is never taken as rich markup
    assert "2030-01-01T09:00:00+00:00" in result.stdout


def test_status_unsupported_is_exit_2(run: Any) -> None:
    result = run("status", "--url", "console://", "x")
    assert result.exit_code == 2
    assert "console has no delivery status" in result.stderr


def test_estimate_without_account(run: Any) -> None:
    result = run("estimate", "--json", "Grüße aus Zürich 😀")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["encoding"], data["segments"], data["per_segment"]) == ("ucs2", 1, 70)
    assert data["account"] is None and data["provider_cost"] is None
    long = json.loads(run("estimate", "--json", "x" * 161).stdout)
    assert (long["encoding"], long["segments"], long["per_segment"]) == ("gsm7", 2, 153)
    human = run("estimate", "-", input="Hello\n")
    assert human.exit_code == 0
    assert "gsm7" in human.stdout and "5 (5 units)" in human.stdout


def test_estimate_with_provider_cost(run: Any) -> None:
    result = run("estimate", "--url", FAKE_URL, "--json", "--to", "+41791234567", "--to", "+41791234568", "Hi")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["recipients"], data["segments_total"], data["provider_cost"], data["cost_unit"]) == (
        2,
        2,
        "0.14",
        "CHF",
    )
    assert "0.14 CHF" in run("estimate", "--url", FAKE_URL, "--to", "+41791234567", "--to", "+41791234568", "Hi").stdout


def test_estimate_with_recipients_needs_an_account(run: Any) -> None:
    result = run("estimate", "--to", "+41791234567", "Hi")
    assert result.exit_code == 2
    assert "no account to use" in result.stderr


def test_admin_list(run: Any) -> None:
    result = run("admin", "--list", "--url", "memory://")
    assert result.exit_code == 0
    assert "clear" in result.stdout and "count" in result.stdout and "to?: str" in result.stdout
    data = json.loads(run("admin", "--url", FAKE_URL, "--json").stdout)  # no operation: the list
    assert data["operations"][0]["name"] == "topup"
    assert [p["name"] for p in data["operations"][0]["params"]] == ["amount", "notify", "tags"]


def test_admin_operation_with_typed_parameters(run: Any) -> None:
    result = run("admin", "--url", FAKE_URL, "--json", "topup", "amount=12.5", "notify=yes", "tags=a,b")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["operation"] == "topup"
    assert data["data"]["types"] == {"amount": "Decimal", "notify": "bool", "tags": "list"}
    assert data["data"]["echo"]["tags"] == "['a', 'b']"


def test_admin_on_memory(run: Any) -> None:
    run("send", "--url", "memory://", "+41791234567", "+41791234568", "Hi")
    result = run("admin", "--url", "memory://", "count", "to=+41791234567")
    assert result.exit_code == 0
    assert "count" in result.stdout and "1" in result.stdout
    assert json.loads(run("admin", "--url", "memory://", "--json", "count").stdout)["data"] == {"count": 2}


def test_admin_errors_are_usage_errors(run: Any) -> None:
    unknown = run("admin", "--url", "memory://", "explode")
    assert unknown.exit_code == 2
    assert "unknown operation 'explode'" in unknown.stderr and "clear, count" in unknown.stderr
    bad_param = run("admin", "--url", "memory://", "count", "colour=red")
    assert bad_param.exit_code == 2
    assert "unknown parameter(s) colour" in bad_param.stderr
    missing = run("admin", "--url", FAKE_URL, "topup")
    assert missing.exit_code == 2
    assert "missing required parameter(s) amount" in missing.stderr
    not_pair = run("admin", "--url", "memory://", "count", "to")
    assert not_pair.exit_code == 2
    assert "is not key=value" in not_pair.stderr
    bad_type = run("admin", "--url", FAKE_URL, "topup", "amount=lots")
    assert bad_type.exit_code == 2
    assert "amount: expected a decimal" in bad_type.stderr


def test_inbound(run: Any) -> None:
    result = run("inbound", "--url", FAKE_URL)
    assert result.exit_code == 0
    assert "Keyword" in result.stdout and "STOP" in result.stdout and "Yes please" in result.stdout
    data = json.loads(run("inbound", "--url", FAKE_URL, "--json").stdout)
    assert data["messages"][0]["keyword"] == "STOP"
    data = json.loads(run("inbound", "--url", FAKE_URL, "--json", "--since-id", "7").stdout)
    assert [(m["id"], m["sender"], m["text"]) for m in data["messages"]] == [("8", "+41791234568", "Yes please")]
    limited = json.loads(run("inbound", "--url", FAKE_URL, "--json", "--limit", "1").stdout)
    assert len(limited["messages"]) == 1


def test_inbound_where_the_provider_has_none(run: Any) -> None:
    result = run("inbound", "--url", "memory://")
    assert result.exit_code == 2
    assert "memory has no inbound messages" in result.stderr
