"""``smsbridge send``: receipts, JSON shape, text sources, options, dry run, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cli_fakes import FAKE, FAKE_URL

from smsbridge.builtin import memory


def test_console_send_prints_the_message_on_stderr_and_the_receipt_on_stdout(run: Any) -> None:
    result = run("send", "--url", "console://", "+41791234567", "Hello from smsbridge")
    assert result.exit_code == 0
    assert "+41791234567" in result.stdout
    assert "accepted" in result.stdout
    assert "1 of 1 accepted by console" in result.stdout
    assert "Hello from smsbridge" not in result.stdout  # the SMS itself is console's rendering...
    assert "| Hello from smsbridge" in result.stderr  # ...on stderr, so stdout stays the command's result
    assert "to +41791234567" in result.stderr


def test_console_stream_chosen_in_the_url_is_respected(run: Any) -> None:
    result = run("send", "--url", "console://?stream=stdout", "+41791234567", "Hi")
    assert result.exit_code == 0
    assert "| Hi" in result.stdout


def test_json_shape_one_receipt_per_recipient(run: Any) -> None:
    result = run("send", "--url", "memory://", "--json", "+41791234567", "+41791234568", "Hello")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["account"] == "memory://"
    assert data["provider"] == "memory"
    assert data["scheduled"] is False
    assert (data["accepted"], data["rejected"], data["unknown"]) == (2, 0, 0)
    assert [r["recipient"] for r in data["receipts"]] == ["+41791234567", "+41791234568"]
    assert set(data["receipts"][0]) == {"recipient", "status", "message_id", "reason", "code", "provider", "retryable"}
    assert all(r["status"] == "accepted" and r["message_id"].startswith("mem-") for r in data["receipts"])
    assert [m.to for m in memory.outbox()] == ["+41791234567", "+41791234568"]


def test_sender_flash_and_schedule_reach_the_provider(run: Any) -> None:
    result = run(
        "send", "--url", "memory://", "+41791234567", "Hi", "--sender", "Shop", "--flash", "--at", "2031-01-31T09:00"
    )
    assert result.exit_code == 0, result.output
    (sent,) = memory.outbox()
    assert sent.sender == "Shop"
    assert sent.flash is True
    assert sent.schedule is not None and sent.schedule.tzinfo is not None  # local time made aware
    assert sent.schedule.astimezone().replace(tzinfo=None) == dt.datetime(2031, 1, 31, 9, 0)
    assert "scheduled for" in result.stdout


def test_relative_schedule(run: Any) -> None:
    before = dt.datetime.now(dt.timezone.utc)
    assert run("send", "--url", "memory://", "+41791234567", "Hi", "--at", "+2h").exit_code == 0
    (sent,) = memory.outbox()
    assert sent.schedule is not None
    assert dt.timedelta(hours=2) <= sent.schedule - before < dt.timedelta(hours=2, minutes=1)


def test_unreadable_schedule_is_a_usage_error(run: Any) -> None:
    result = run("send", "--url", "memory://", "+41791234567", "Hi", "--at", "tomorrowish")
    assert result.exit_code == 2
    assert "is not a time" in result.stderr
    assert memory.outbox() == []


def test_past_schedule_is_refused_before_sending(run: Any) -> None:
    result = run("send", "--url", "memory://", "+41791234567", "Hi", "--at", "2001-01-01T00:00Z")
    assert result.exit_code == 2
    assert "in the past" in result.stderr
    assert memory.outbox() == []


def test_text_from_stdin(run: Any) -> None:
    result = run("send", "--url", "memory://", "+41791234567", "-", input="Line one\nLine two\n")
    assert result.exit_code == 0
    assert memory.outbox()[0].text == "Line one\nLine two"


def test_text_from_option_and_file(run: Any, tmp_path: Any) -> None:
    assert run("send", "--url", "memory://", "-m", "12345678", "+41791234567").exit_code == 0
    path = tmp_path / "text.txt"
    path.write_text("From a file\n", encoding="utf-8")
    assert run("send", "--url", "memory://", "--text-file", str(path), "+41791234568").exit_code == 0
    assert [m.text for m in memory.outbox()] == ["12345678", "From a file"]


def test_forgotten_text_is_caught(run: Any) -> None:
    result = run("send", "--url", "memory://", "+41791234567", "+41791234568")
    assert result.exit_code == 2
    assert "looks like a phone number" in result.stderr
    assert memory.outbox() == []
    assert run("send", "--url", "memory://", "+41791234567").exit_code == 2


def test_invalid_number_sends_nothing_and_exits_2(run: Any) -> None:
    result = run("send", "--url", "memory://", "+41791234567", "not-a-number", "Hi")
    assert result.exit_code == 2
    assert "not-a-number" in result.stderr
    assert "hint:" in result.stderr
    assert memory.outbox() == []


def test_some_rejected_is_partial_exit_3(run: Any) -> None:
    result = run("send", "--url", "memory://?reject=%2B41791234568", "--json", "+41791234567", "+41791234568", "Hi")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert [r["status"] for r in data["receipts"]] == ["accepted", "rejected"]
    assert data["receipts"][1]["reason"] == "rejected by memory:// reject="


def test_unknown_outcome_is_partial_exit_3(run: Any) -> None:
    result = run("send", "--url", "memory://?unknown=%2B41791234567", "+41791234567", "Hi")
    assert result.exit_code == 3
    assert "unknown" in result.stdout


def test_provider_error_exits_1_with_message_and_json(run: Any) -> None:
    result = run("send", "--url", "memory://?fail=auth", "+41791234567", "Hi")
    assert result.exit_code == 1
    assert "error: [memory] memory outbox rehearses an authentication failure" in result.stderr
    assert "check the credentials" in result.stderr
    result = run("send", "--url", "memory://?fail=timeout", "--json", "+41791234567", "Hi")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1
    assert data["error"]["type"] == "ReadTimeoutError"
    assert data["error"]["outcome"] == "unknown"
    assert "may have been sent" in data["error"]["hint"]


def test_configuration_error_exits_2(run: Any) -> None:
    result = run("send", "--url", "memory://?colour=blue", "+41791234567", "Hi")
    assert result.exit_code == 2
    assert "unknown option 'colour'" in result.stderr


def test_unknown_provider_exits_2_and_names_installed_ones(run: Any) -> None:
    result = run("send", "--url", "nosuchsms://x:y@default", "+41791234567", "Hi")
    assert result.exit_code == 2
    assert "nosuchsms" in result.stderr
    assert "console" in result.stderr


def test_dry_run_sends_nothing_and_shows_the_wire_numbers_and_cost(run: Any) -> None:
    result = run("send", "--url", FAKE_URL, "--dry-run", "+41791234567", "+41791234568", "Grüezi", "-s", "Shop")
    assert result.exit_code == 0, result.output
    assert FAKE.sent == [] and FAKE.requests == 0
    assert "Dry run: nothing was sent." in result.stdout
    assert "0041791234567" in result.stdout  # as the provider will receive it
    assert "gsm7" in result.stdout
    assert "0.14 CHF" in result.stdout


def test_dry_run_json_shape(run: Any) -> None:
    result = run("send", "--url", FAKE_URL, "--dry-run", "--json", "+41791234567", "Hi 😀", "-s", "Shop")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["dry_run"] is True
    assert data["recipients"] == [{"recipient": "+41791234567", "wire": "0041791234567", "error": None}]
    assert (data["encoding"], data["segments"], data["segments_total"]) == ("ucs2", 1, 1)
    assert (data["provider_cost"], data["cost_unit"]) == ("0.07", "CHF")
    assert data["sender"] == "Shop"
    assert FAKE.sent == []


def test_dry_run_refuses_what_a_send_would_refuse(run: Any) -> None:
    bad_sender = run("send", "--url", FAKE_URL, "--dry-run", "+41791234567", "Hi", "-s", "X")
    assert bad_sender.exit_code == 2
    assert "sender 'X'" in bad_sender.stderr
    no_flash = run("send", "--url", FAKE_URL, "--dry-run", "+41791234567", "Hi", "-s", "Shop", "--flash")
    assert no_flash.exit_code == 2
    assert "flash" in no_flash.stderr
    invalid = run("send", "--url", "memory://", "--dry-run", "--json", "+41791234567", "12", "Hi there")
    assert invalid.exit_code == 2
    rows = json.loads(invalid.stdout)["recipients"]
    assert rows[1]["recipient"] == "12" and rows[1]["error"]
    assert memory.outbox() == []


def test_dry_run_without_provider_estimate(run: Any) -> None:
    result = run("send", "--url", "console://", "--dry-run", "+41791234567", "Hi")
    assert result.exit_code == 0
    assert "console gives no cost estimate" in result.stdout
    assert result.stderr == ""  # console printed nothing: nothing was sent


def test_a_key_sends_at_most_once(run: Any) -> None:
    first = run("send", "--url", "memory://", "--key", "cron-42", "+41791234567", "Backup done")
    assert first.exit_code == 0, first.output
    again = run("send", "--url", "memory://", "--key", "cron-42", "+41791234567", "Backup done", "--json")
    assert again.exit_code == 0
    assert "already sent with key cron-42" in again.stderr
    assert json.loads(again.stdout)["receipts"][0]["status"] == "accepted"
    assert [m.to for m in memory.outbox()] == ["+41791234567"]  # once
    other = run("send", "--url", "memory://", "--key", "cron-42", "+41791234568", "Backup done")
    assert other.exit_code == 2 and "another recipient list" in other.stderr  # the key names another message
