"""``smsbridge bulk``: inputs, templates, the ledger, and resuming without sending twice."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FAKE, FAKE_URL

from smsbridge.builtin import memory
from smsbridge.ledger import open_ledger

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


def ledger_states(job: str) -> dict[str, str]:
    with open_ledger() as ledger:
        return {row.number: row.state.value for row in ledger.rows(job)}


# ---------------------------------------------------------------------------- inputs and report


def test_csv_with_template_fields_and_csv_report(run: Any, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "list.csv", [{"phone": NUMBERS[0], "name": "Ann"}, {"phone": NUMBERS[1], "name": "Bob"}]
    )
    result = run("bulk", "--url", "memory://", str(source), "Hi {name}!", "--report", "out.csv")
    assert result.exit_code == 0, result.output
    assert sorted((m.to, m.text) for m in memory.outbox()) == [(NUMBERS[0], "Hi Ann!"), (NUMBERS[1], "Hi Bob!")]
    rows = report_rows(tmp_path / "out.csv")
    assert list(rows[0])[:4] == ["row", "recipient", "outcome", "state"]
    assert [(r["recipient"], r["outcome"]) for r in rows] == [(NUMBERS[0], "accepted"), (NUMBERS[1], "accepted")]
    assert all(r["message_id"].startswith("mem-") for r in rows)
    assert "accepted" in result.stdout and "report: out.csv" in result.stdout
    assert "Job list-" in result.stdout  # the job is named after the file


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
    assert (summary["rows_read"], summary["accepted"], summary["rejected"], summary["unknown"]) == (3, 1, 2, 0)
    assert summary["pending"] == 0 and summary["duplicates"] == 0 and summary["total"] == 3
    assert summary["stopped"] is None and summary["interrupted"] is False
    rows = {r["recipient"]: r for r in report_rows(tmp_path / "out.jsonl")}
    assert rows[NUMBERS[0]]["outcome"] == "accepted"
    assert rows[NUMBERS[1]]["outcome"] == "rejected"  # a plain number has no {code} to fill
    assert "code" in rows[NUMBERS[1]]["reason"]
    assert rows["oops"]["outcome"] == "rejected"
    assert [m.text for m in memory.outbox()] == ["Code A1"]


def test_stdin_one_number_a_line_needs_a_job_name(run: Any) -> None:
    text = "# customers\n" + "\n".join(NUMBERS[:3]) + "\n"
    refused = run("bulk", "--url", "memory://", "-", "Sale!", input=text)
    assert refused.exit_code == 2 and "--job" in refused.stderr
    result = run("bulk", "--url", "memory://", "-", "Sale!", "--job", "sale", input=text)
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
    result = run("bulk", "--url", "memory://", str(source), "Hi")
    assert result.exit_code == 2
    assert "--column" in result.stderr
    result = run("bulk", "--url", "memory://", str(source), "Hi {name}", "--column", "handy", "--job", "j2")
    assert result.exit_code == 0
    assert [m.text for m in memory.outbox()] == ["Hi Ann"]


def test_bad_jsonl_line_stops_with_exit_2_and_the_fixed_file_resumes(run: Any, tmp_path: Path) -> None:
    source = tmp_path / "list.jsonl"
    source.write_text(f'"{NUMBERS[0]}"\n{{broken\n"{NUMBERS[1]}"\n', encoding="utf-8")
    result = run("bulk", "--url", FAKE_URL, str(source), "Hi")
    assert result.exit_code == 2
    assert "line 2" in result.stderr
    assert sent_counts() == Counter()  # the input is checked batch by batch before it is sent
    source.write_text(f'"{NUMBERS[0]}"\n"{NUMBERS[1]}"\n', encoding="utf-8")
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi").exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:2])


def test_missing_input_and_report_folder_are_usage_errors(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": NUMBERS[0]}])
    missing = run("bulk", "--url", "memory://", str(tmp_path / "nosuch.csv"), "Hi")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    bad_report = run("bulk", "--url", "memory://", str(source), "Hi", "-r", str(tmp_path / "no" / "dir" / "r.csv"))
    assert bad_report.exit_code == 2 and "does not exist" in bad_report.stderr
    wrong_suffix = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "out.txt")
    assert wrong_suffix.exit_code == 2 and "*.csv or *.jsonl" in wrong_suffix.stderr
    assert memory.outbox() == []
    assert run("bulk", "--url", "memory://", str(source), "Hi").exit_code == 0  # --report is optional


def test_no_progress_bar_in_a_pipe_and_one_when_asked(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:4]])
    quiet = run("bulk", "--url", "memory://", str(source), "Hi", "--job", "a")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    shown = run("bulk", "--url", "memory://", str(source), "Hi", "--job", "b", "--progress")
    assert shown.exit_code == 0
    assert "sending" in shown.stderr and "4/4" in shown.stderr


def test_duplicate_rows_are_sent_once_and_a_rerun_sends_nothing(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in [NUMBERS[0], "0041791230000", NUMBERS[1]]])
    result = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi", "-r", "out.csv")
    assert result.exit_code == 0, result.output
    assert sent_counts() == Counter(NUMBERS[:2])  # 0041... is +41791230000 again
    summary = json.loads(result.stdout)
    assert summary["duplicates"] == 1 and summary["accepted"] == 3
    duplicate = report_rows(tmp_path / "out.csv")[1]
    assert duplicate["state"] == "duplicate" and duplicate["outcome"] == "accepted"
    assert "row 1" in duplicate["reason"]
    again = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi")
    assert "resuming" in again.stderr
    assert json.loads(again.stdout)["requests"] == 0
    assert sent_counts() == Counter(NUMBERS[:2])
    repeats = run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "again", "--allow-repeats")
    assert repeats.exit_code == 0
    assert sent_counts()[NUMBERS[0]] == 3  # asked for: twice more, in a new job


def test_another_text_under_the_same_job_is_refused(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:2]])
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi").exit_code == 0
    other = run("bulk", "--url", FAKE_URL, str(source), "Hello")
    assert other.exit_code == 2
    assert "another text" in other.stderr and "--job" not in other.stdout
    assert sent_counts() == Counter(NUMBERS[:2])
    changed = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[5:7]])
    differs = run("bulk", "--url", FAKE_URL, str(changed), "Hi")
    assert differs.exit_code == 2 and "differ" in differs.stderr
    assert sent_counts() == Counter(NUMBERS[:2])


# ---------------------------------------------------------------------------- stopping and resuming


def test_ctrl_c_finishes_the_request_in_flight_then_resume_sends_each_once(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    FAKE.sigint_at_request = 2  # clifake takes 2 recipients a request
    first = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.jsonl")
    assert first.exit_code == 130
    assert "interrupted" in first.stderr and "run the same command again" in first.stderr
    assert sent_counts() == Counter(NUMBERS[:4])  # request 2 was finished and recorded
    assert [r["outcome"] for r in report_rows(tmp_path / "out.jsonl")] == ["accepted"] * 4 + ["pending"] * 6

    FAKE.sigint_at_request = None
    second = run("bulk", "--url", FAKE_URL, "--json", str(source), "Hi", "-r", "out.jsonl")
    assert second.exit_code == 0, second.output
    assert "resuming" in second.stderr
    assert json.loads(second.stdout)["this_run"]["accepted"] == 6
    assert sent_counts() == Counter(NUMBERS)  # everyone exactly once
    assert Counter(r["recipient"] for r in report_rows(tmp_path / "out.jsonl")) == Counter(NUMBERS)


def test_sigterm_is_handled_like_ctrl_c(run: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    FAKE.signal_at_request = (2, signal.SIGTERM)
    first = run("bulk", "--url", FAKE_URL, str(source), "Hi")
    assert first.exit_code == 130
    assert "SIGTERM: stopping after the requests in flight" in capfd.readouterr().err  # written to fd 2
    assert sent_counts() == Counter(NUMBERS[:4])
    FAKE.signal_at_request = None
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi").exit_code == 0
    assert sent_counts() == Counter(NUMBERS)


def test_abort_during_a_request_records_unknown_and_never_resends_silently(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:6]])
    FAKE.keyboard_interrupt_at_request = 2  # the provider took NUMBERS[2:4], the reply never came
    first = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert first.exit_code == 130
    outcomes = {r["recipient"]: r["outcome"] for r in report_rows(tmp_path / "out.csv")}
    assert outcomes == {
        NUMBERS[0]: "accepted",
        NUMBERS[1]: "accepted",
        NUMBERS[2]: "unknown",
        NUMBERS[3]: "unknown",
        NUMBERS[4]: "pending",  # never sent: a resume sends them, they are not "unknown"
        NUMBERS[5]: "pending",
    }

    FAKE.keyboard_interrupt_at_request = None
    second = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert second.exit_code == 3  # unknown ones were skipped: not everything is known to be accepted
    assert "2 recipient(s)" in second.stderr and "unknown outcome" in second.stderr
    assert NUMBERS[2] in second.stderr and "--resend-unknown" in second.stderr
    assert sent_counts() == Counter(NUMBERS[:6])  # nothing twice

    third = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv", "--resend-unknown")
    assert third.exit_code == 0
    assert "may receive it twice" in third.stderr
    assert sent_counts()[NUMBERS[2]] == 2  # what the user explicitly asked for
    assert sent_counts()[NUMBERS[0]] == 1
    fourth = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv")
    assert fourth.exit_code == 0  # now every recipient is accepted
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


def test_ctrl_c_while_reading_input_loses_nothing_and_marks_nothing_unknown(run: Any) -> None:
    lines = [n + "\n" for n in NUMBERS[:5]]
    first = run(
        "bulk", "--url", FAKE_URL, "-", "Hi", "--job", "piped", input=io.BufferedReader(_InterruptingInput(lines))
    )
    assert first.exit_code == 130
    assert set(ledger_states("piped").values()) == {"pending"}  # read in, nothing sent, nothing unknown
    second = run("bulk", "--url", FAKE_URL, "-", "Hi", "--job", "piped", input="".join(lines))
    assert second.exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:5])


def test_fatal_account_error_stops_at_once_and_rerun_sends_everything(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:3]])
    failed = run("bulk", "--url", "memory://?fail=auth&max_recipients=1", str(source), "Hi", "-r", "out.csv")
    assert failed.exit_code == 1
    assert "stopped early" in failed.stderr and "AuthenticationError" in failed.stderr
    assert [r["outcome"] for r in report_rows(tmp_path / "out.csv")] == ["rejected", "pending", "pending"]
    assert report_rows(tmp_path / "out.csv")[0]["state"] == "not_sent"  # refused whole: a resume sends it
    fixed = run("bulk", "--url", "memory://", str(source), "Hi", "-r", "out.csv")
    assert fixed.exit_code == 0, fixed.output
    assert sorted(m.to for m in memory.outbox()) == NUMBERS[:3]


def test_repeated_request_failures_stop_the_run(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    result = run(
        "bulk", "--url", "memory://?fail=unavailable&max_recipients=1", "--json", str(source), "Hi",
        "--max-failed-requests", "3",
    )  # fmt: skip
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["requests"] == 3 and summary["rejected"] == 3 and summary["not_sent"] == 3
    assert summary["pending"] == 7
    assert "3 requests in a row failed" in summary["stopped"]


def test_unknown_outcomes_from_the_provider_are_listed_on_rerun(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:2]])
    url = "memory://?unknown=%2B41791230001"
    assert run("bulk", "--url", url, str(source), "Hi").exit_code == 3
    again = run("bulk", "--url", "memory://", "--json", str(source), "Hi")
    assert again.exit_code == 3
    summary = json.loads(again.stdout)
    assert (summary["accepted"], summary["unknown"], summary["requests"]) == (1, 1, 0)
    assert summary["unknown_sample"] == [NUMBERS[1]]
    assert [m.to for m in memory.outbox()] == [NUMBERS[0]]


def test_a_second_run_of_a_running_job_is_refused_or_waits(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:2]])
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "busy", "--allow-repeats").exit_code == 0
    with open_ledger() as ledger:  # another machine's run holds the job
        assert ledger.acquire_lease("busy", "elsewhere/4242/1/abcd", ttl=60) is None
    refused = run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "busy", "--allow-repeats")
    assert refused.exit_code == 2
    assert "process 4242 on elsewhere" in refused.stderr and "--wait" in refused.stderr
    waited = run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "busy", "--allow-repeats", "--wait", "0.2")
    assert waited.exit_code == 2  # still held after 0.2 s
    with open_ledger() as ledger:
        ledger.release_lease("busy", "elsewhere/4242/1/abcd")
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "busy", "--allow-repeats").exit_code == 0
    assert sent_counts() == Counter(NUMBERS[:2])


def test_a_killed_run_of_this_machine_frees_its_job_at_once(run: Any, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS[:2]])
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "k").exit_code == 0
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    owner = f"{socket.gethostname()}/{dead.stdout.strip()}/-/dead"
    with open_ledger() as ledger:
        assert ledger.acquire_lease("k", owner, ttl=3600) is None
    assert run("bulk", "--url", FAKE_URL, str(source), "Hi", "--job", "k").exit_code == 0


@pytest.mark.parametrize("workers", [2])
def test_concurrent_workers_send_each_once(run: Any, tmp_path: Path, workers: int) -> None:
    source = write_csv(tmp_path / "list.csv", [{"to": n} for n in NUMBERS])
    result = run("bulk", "--url", FAKE_URL, str(source), "Hi", "-r", "out.csv", "--workers", str(workers))
    assert result.exit_code == 0
    assert sent_counts() == Counter(NUMBERS)
    assert Counter(r["recipient"] for r in report_rows(tmp_path / "out.csv")) == Counter(NUMBERS)
    assert os.environ["SMSBRIDGE_LEDGER"].endswith("ledger.db")


# ---------------------------------------------------------------------------- --via (a task-queue runner)


def test_via_names_an_installed_runner_and_needs_an_account_name(run: Any, tmp_path: Path) -> None:
    from importlib.metadata import entry_points

    source = tmp_path / "list.txt"
    source.write_text(NUMBERS[0] + "\n", encoding="utf-8")
    result = run("bulk", "--url", "memory://", str(source), "Hi", "--via", "nosuch")
    assert result.exit_code == 2 and "no runner 'nosuch' is installed" in result.output, result.output
    if any(ep.name == "celery" for ep in entry_points(group="smsbridge.runners")):
        result = run("bulk", "--url", "memory://", str(source), "Hi", "--via", "celery")
        assert result.exit_code == 2 and "--via celery needs --account NAME" in result.output, result.output
    result = run("bulk", "--url", "memory://", str(source), "Hi", "--via", "celery", "--report", "r.csv")
    assert result.exit_code == 2 and "--report and --workers do not apply" in result.output, result.output
    assert memory.outbox() == [] and not (tmp_path / "r.csv").exists()


def test_via_hands_the_job_and_the_account_name_to_the_runner(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core finds a runner by entry point and passes it the account's name, never its URL."""
    from smsbridge.cli import app

    seen: dict[str, Any] = {}

    def runner(**request: Any) -> dict[str, Any]:
        seen.update(request, rows=list(request["rows"]))  # read while the file is open, as a runner does
        return {"job": request["job"], "tasks": 1}

    monkeypatch.setattr(app, "_runner", lambda name, **_: runner)
    config = tmp_path / "config.toml"
    config.write_text('[accounts.shop]\nurl = "memory://"\n', encoding="utf-8")
    source = tmp_path / "list.txt"
    source.write_text(NUMBERS[0] + "\n", encoding="utf-8")
    result = run(
        "--json", "bulk", "--account", "shop", str(source), "Hi", "--job", "j1", "--via", "x",
        env={"SMSBRIDGE_CONFIG": str(config)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"job": "j1", "tasks": 1}
    assert seen["account_name"] == "shop" and seen["text"] == "Hi" and seen["account"].provider == "memory"
    assert [r["to"] if isinstance(r, dict) else r for r in seen["rows"]] == [NUMBERS[0]]
    assert memory.outbox() == []
