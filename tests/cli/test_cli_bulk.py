"""``smsbridge bulk``: inputs, templates, the report, and resuming without sending twice."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FAKE, FAKE_URL

from smsbridge.builtin import memory
from smsbridge.cli.bulk import (
    BulkOptions,
    ReportWriter,
    ResumeState,
    recipient_key,
    run_bulk,
)
from smsbridge.connection import connect

NUMBERS = [f"+4179123{i:04d}" for i in range(10)]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def report_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sent_counts() -> Counter[str]:
    return Counter(number for number, _ in FAKE.sent)


# ---------------------------------------------------------------------------- inputs and report


def test_csv_with_template_fields_and_csv_report(run: Any, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "list.csv", [{"phone": NUMBERS[0], "name": "Ann"}, {"phone": NUMBERS[1], "name": "Bob"}]
    )
    result = run("bulk", "--url", "memory://", str(source), "Hi {name}!", "--report", "out.csv")
    assert result.exit_code == 0, result.output
    assert sorted((m.to, m.text) for m in memory.outbox()) == [(NUMBERS[0], "Hi Ann!"), (NUMBERS[1], "Hi Bob!")]
    rows = report_rows(tmp_path / "out.csv")
    assert list(rows[0]) == ["recipient", "outcome", "message_id", "reason", "code", "provider", "time"]
    assert [(r["recipient"], r["outcome"]) for r in rows] == [(NUMBERS[0], "accepted"), (NUMBERS[1], "accepted")]
    assert all(r["message_id"].startswith("mem-") for r in rows)
    assert "accepted" in result.stdout and "report: out.csv" in result.stdout


def test_jsonl_input_jsonl_report_and_json_summary(run: Any, tmp_path: Path) -> None:
    source = tmp_path / "list.jsonl"
    source.write_text(
        json.dumps({"to": NUMBERS[0], "code": "A1"}) + "\n\n" + json.dumps(NUMBERS[1]) + "\n"
        '{"to": "oops", "code": "B2"}\n',
        encoding="utf-8",
    )
    result = run("bulk", "--url", "memory://", "--json", str(source), "Code {code}", "-r", "out.jsonl")
    assert result.exit_code == 3  # one row was rejected
    summary = json.loads(result.stdout)
    assert summary["account"] == "memory://"
    assert (summary["rows"], summary["accepted"], summary["rejected"], summary["unknown"]) == (3, 1, 2, 0)
    assert summary["skipped"] == {"already_accepted": 0, "unknown_not_resent": 0, "duplicate_rows": 0}
    assert summary["stopped"] is None and summary["interrupted"] is False
    rows = {r["recipient"]: r for r in report_rows(tmp_path / "out.jsonl")}
    assert rows[NUMBERS[0]]["outcome"] == "accepted"
    assert rows[NUMBERS[1]]["outcome"] == "rejected"  # a plain number has no {code} to fill
    assert "code" in rows[NUMBERS[1]]["reason"]
    assert rows["oops"]["outcome"] == "rejected"
    assert [m.text for m in memory.outbox()] == ["Code A1"]


def test_stdin_one_number_a_line(run: Any) -> None:
    text = "# customers\n" + "\n".join(NUMBERS[:3]) + "\n"
    result = run("bulk", "--url", "memory://", "-", "Sale!", "-r", "out.csv", input=text)
    assert result.exit_code == 0, result.output
    assert sorted(m.to for m in memory.outbox()) == NUMBERS[:3]


def test_missing_template_column_stops_before_sending(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": NUMBERS[0], "name": "Ann"}])
    result = run("bulk", "--url", "memory://", str(source), "Hi {first_name}", "-r", "out.csv")
    assert result.exit_code == 2
    assert "first_name" in result.stderr and "name" in result.stderr
    assert memory.outbox() == []
    assert not (tmp_path / "out.csv").exists()


def test_csv_without_number_column_and_column_option(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"handy": NUMBERS[0], "name": "Ann"}])
    result = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "out.csv")
    assert result.exit_code == 2
    assert "--column" in result.stderr
    result = run("bulk", "--url", "memory://", str(source), "Hi {name}", "-r", "out.csv", "--column", "handy")
    assert result.exit_code == 0
    assert [m.text for m in memory.outbox()] == ["Hi Ann"]


def test_bad_jsonl_line_stops_with_exit_2_and_the_rest_resumes(run: Any, tmp_path: Path) -> None:
    source = tmp_path / "list.jsonl"
    source.write_text(f'"{NUMBERS[0]}"\n{{broken\n"{NUMBERS[1]}"\n', encoding="utf-8")
    result = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert result.exit_code == 2
    assert "line 2" in result.stderr
    source.write_text(f'"{NUMBERS[0]}"\n"{NUMBERS[1]}"\n', encoding="utf-8")
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv").exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:2])


def test_report_needs_a_known_extension(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": NUMBERS[0]}])
    result = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "out.txt")
    assert result.exit_code == 2
    assert "*.csv or *.jsonl" in result.stderr
    assert run("bulk", "--url", "memory://", str(source), "Hi").exit_code == 2  # --report is required


def test_no_progress_bar_in_a_pipe_and_one_when_asked(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:4]])
    quiet = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "a.csv")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    shown = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "b.csv", "--progress")
    assert shown.exit_code == 0
    assert "sending" in shown.stderr and "4/4" in shown.stderr


def test_duplicate_rows_are_sent_once(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in [NUMBERS[0], "0041791230000", NUMBERS[1]]])
    result = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi", "-r", "out.csv")
    assert result.exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:2])  # 0041... is +41791230000 again
    assert json.loads(result.stdout)["skipped"]["duplicate_rows"] == 1
    again = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi", "-r", "out.csv")
    assert json.loads(again.stdout)["skipped"]["already_accepted"] == 3
    assert sent_counts() == Counter(NUMBERS[:2])


# ---------------------------------------------------------------------------- stopping and resuming


def test_ctrl_c_finishes_the_request_in_flight_then_resume_sends_each_once(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    FAKE.sigint_at_request = 2  # clifake takes 2 recipients a request
    first = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.jsonl")
    assert first.exit_code == 130
    assert "interrupted" in first.stderr and "run the same command again" in first.stderr
    assert sent_counts() == Counter(NUMBERS[:4])  # request 2 was finished and recorded
    assert [r["outcome"] for r in report_rows(tmp_path / "out.jsonl")] == ["accepted"] * 4

    FAKE.sigint_at_request = None
    second = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi", "-r", "out.jsonl")
    assert second.exit_code == 0, second.output
    assert "resuming" in second.stderr
    assert json.loads(second.stdout)["skipped"]["already_accepted"] == 4
    assert sent_counts() == Counter(NUMBERS)  # everyone exactly once
    assert Counter(r["recipient"] for r in report_rows(tmp_path / "out.jsonl")) == Counter(NUMBERS)


def test_abort_during_a_request_records_unknown_and_never_resends_silently(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:6]])
    FAKE.keyboard_interrupt_at_request = 2  # the provider took NUMBERS[2:4], the reply never came
    first = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert first.exit_code == 130
    outcomes = {r["recipient"]: r["outcome"] for r in report_rows(tmp_path / "out.csv")}
    assert outcomes == {NUMBERS[0]: "accepted", NUMBERS[1]: "accepted", NUMBERS[2]: "unknown", NUMBERS[3]: "unknown"}

    FAKE.keyboard_interrupt_at_request = None
    second = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert second.exit_code == 3  # unknown ones were skipped: not everything is known to be accepted
    assert "2 recipient(s) with an unknown outcome" in second.stderr
    assert NUMBERS[2] in second.stderr and "--resend-unknown" in second.stderr
    assert sent_counts() == Counter(NUMBERS[:6])  # nothing twice

    third = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv", "--resend-unknown")
    assert third.exit_code == 0
    assert "may be received twice" in third.stderr
    assert sent_counts()[NUMBERS[2]] == 2  # what the user explicitly asked for
    assert sent_counts()[NUMBERS[0]] == 1
    fourth = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert fourth.exit_code == 0  # now every recipient is accepted in the report
    assert sum(sent_counts().values()) == 8


class _InterruptingInput(io.RawIOBase):
    """stdin that delivers ``lines`` one by one, then raises KeyboardInterrupt."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = [line.encode() for line in lines]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._lines:
            raise KeyboardInterrupt
        data = self._lines.pop(0)
        buffer[: len(data)] = data
        return len(data)


def test_ctrl_c_while_reading_input_loses_nothing_and_marks_nothing_unknown(run: Any, tmp_path: Path) -> None:
    lines = [n + "\n" for n in NUMBERS[:5]]
    first = run(
        "bulk", "--url", FAKE_URL, "-", "Hi", "-r", "out.csv", input=io.BufferedReader(_InterruptingInput(lines))
    )
    assert first.exit_code == 130
    recorded = report_rows(tmp_path / "out.csv")
    assert {r["outcome"] for r in recorded} == {"accepted"}
    assert len(recorded) == len(FAKE.sent) == 4  # the 5th row was read but not yet sent
    second = run("bulk", "--url", FAKE_URL, "-", "Hi", "-r", "out.csv", input="".join(lines))
    assert second.exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:5])


def test_fatal_account_error_stops_at_once_and_rerun_sends_everything(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:3]])
    failed = run("bulk", "--url", "memory://?fail=auth&max_recipients=1", str(source), "Hi", "-r", "out.csv")
    assert failed.exit_code == 1
    assert "stopped early" in failed.stderr and "AuthenticationError" in failed.stderr
    assert [r["outcome"] for r in report_rows(tmp_path / "out.csv")] == ["rejected"]  # one request, then stop
    fixed = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "out.csv")
    assert fixed.exit_code == 0
    assert sorted(m.to for m in memory.outbox()) == NUMBERS[:3]


def test_repeated_request_failures_stop_the_run(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    result = run(
        "bulk", "--url", "memory://?fail=unavailable&max_recipients=1", "--json", str(source), "Hi", "-r", "o.csv",
        "--max-failed-requests", "3",
    )  # fmt: skip
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["requests"] == 3 and summary["rejected"] == 3
    assert "3 requests in a row failed" in summary["stopped"]


def test_unknown_outcomes_from_the_provider_are_listed_on_rerun(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:2]])
    url = "memory://?unknown=%2B41791230001"
    assert run("bulk", "--url", url, str(source), "Hi", "-r", "out.csv").exit_code == 3
    again = run("bulk", "--url", "memory://", "--json", str(source), "Hi", "-r", "out.csv")
    assert again.exit_code == 3
    summary = json.loads(again.stdout)
    assert summary["skipped"] == {"already_accepted": 1, "unknown_not_resent": 1, "duplicate_rows": 0}
    assert summary["unknown_not_resent_sample"] == [NUMBERS[1]]
    assert [m.to for m in memory.outbox()] == [NUMBERS[0]]


# ---------------------------------------------------------------------------- report details


def test_damaged_last_line_counts_as_unknown_and_is_not_glued_to(tmp_path: Path) -> None:
    report = tmp_path / "r.jsonl"
    good = json.dumps({"recipient": NUMBERS[0], "outcome": "accepted"})
    report.write_text(good + "\n" + '{"recipient": "' + NUMBERS[1] + '", "outc', encoding="utf-8")
    state = ResumeState.load(report)
    assert set(state.accepted) == {recipient_key(NUMBERS[0])}
    assert set(state.unknown) == {recipient_key(NUMBERS[1])}
    assert state.damaged == 1
    writer = ReportWriter(report)
    writer.close()
    assert report.read_text(encoding="utf-8").endswith("\n")


def test_latest_outcome_wins_but_accepted_is_final(tmp_path: Path) -> None:
    report = tmp_path / "r.csv"
    report.write_text(
        "recipient,outcome\n"
        f"{NUMBERS[0]},unknown\n{NUMBERS[0]},rejected\n"  # resent after unknown: certainly not taken
        f"{NUMBERS[1]},accepted\n{NUMBERS[1]},unknown\n"
        f"{NUMBERS[2]},unknown\n",
        encoding="utf-8",
    )
    state = ResumeState.load(report)
    assert set(state.accepted) == {recipient_key(NUMBERS[1])}
    assert set(state.unknown) == {recipient_key(NUMBERS[2])}


def test_recipient_keys_are_compact_and_distinct() -> None:
    assert recipient_key("+41791234567") == 41791234567
    assert recipient_key("+41791234567") != recipient_key("+4179123456")
    assert recipient_key("@team") < 0 and recipient_key("@team") != recipient_key("#team")


def test_the_input_is_streamed_not_loaded(tmp_path: Path) -> None:
    """A large input is read as requests go: never more than a request's worth ahead."""
    consumed = 0
    consumed_at_first_write: list[int] = []

    def numbers() -> Iterator[str]:
        nonlocal consumed
        for i in range(20_000):
            consumed += 1
            yield f"+4179{i:07d}"

    class SpyWriter(ReportWriter):
        def write(self, receipts: Any, *, reason: str | None = None) -> None:
            if not consumed_at_first_write:
                consumed_at_first_write.append(consumed)
            super().write(receipts, reason=reason)

    account = connect("memory://?max_recipients=500")
    writer = SpyWriter(tmp_path / "r.jsonl")
    stats = run_bulk(account, numbers(), BulkOptions(text="Hi"), ResumeState(), writer)
    writer.close()
    assert stats.accepted == 20_000 and stats.requests == 40
    assert consumed_at_first_write[0] <= 501
    memory.clear()


@pytest.mark.parametrize("workers", [2])
def test_concurrent_workers_send_each_once(run: Any, tmp_path: Path, workers: int) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    result = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv", "--workers", str(workers))
    assert result.exit_code == 0
    assert sent_counts() == Counter(NUMBERS)
    assert Counter(r["recipient"] for r in report_rows(tmp_path / "out.csv")) == Counter(NUMBERS)
