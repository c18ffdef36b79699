"""The polling backstop: ``Job.refresh_status`` and ``smsbridge status --job NAME --stale AGE``."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from click.testing import CliRunner

import smsbridge
from smsbridge.cli import cli
from smsbridge.errors import ServiceUnavailableError, UnsupportedOperationError
from smsbridge.ledger import open_ledger
from smsbridge.ledger.states import RowState

from .conftest import sent_job

NUMBERS = [f"+4179123{i:04d}" for i in range(10)]


@pytest.fixture
def spring(tmp_path: Any) -> Any:
    """A job of ten recipients sent through memory:// (three a request)."""
    ledger = open_ledger(tmp_path / "ledger.db")
    account = smsbridge.connect("memory://?max_recipients=3")
    assert account.bulk_send(NUMBERS, "Spring sale!", job="spring", ledger=ledger).accepted == 10
    yield ledger, account
    ledger.close()


def test_every_open_row_is_asked_about_in_batches_the_provider_takes(spring: Any) -> None:
    ledger, account = spring
    asked: list[list[str]] = []
    original = account.delivery_status
    account.delivery_status = lambda ids: asked.append(list(ids)) or original(ids)
    summary = ledger.job("spring").refresh_status(account)
    assert [len(batch) for batch in asked] == [3, 3, 3, 1]  # capabilities.max_recipients
    assert (summary.asked, summary.requests, summary.changed, summary.final) == (10, 4, 10, 10)
    assert summary.counts == {"delivered": 10} and summary.error is None
    again = ledger.job("spring").refresh_status(account)  # nothing is open any more
    assert (again.asked, again.requests) == (0, 0)


def test_only_rows_sent_long_enough_ago_are_asked_about(spring: Any) -> None:
    ledger, account = spring
    job = ledger.job("spring")
    fresh = job.refresh_status(account, stale=3600)
    assert (fresh.asked, fresh.skipped) == (0, 10)
    later = job.refresh_status(account, stale=3600, clock=lambda: time.time() + 7200)
    assert later.asked == 10 and later.counts == {"delivered": 10}


def test_rows_of_other_providers_without_ids_or_final_are_left_alone(tmp_path: Any) -> None:
    ledger = open_ledger(tmp_path / "l.db")
    sent_job(
        ledger,
        "mixed",
        NUMBERS[:3],
        ["mem-x", None, "mem-y"],
        states=[RowState.ACCEPTED, RowState.UNKNOWN, RowState.ACCEPTED],
    )
    sent_job(ledger, "other", NUMBERS[3:4], ["aspsms-1"], provider="aspsms")
    ledger.record_report("memory", "mem-y", "delivered", at=1.0)
    seen: list[list[str]] = []
    account = smsbridge.connect("memory://")
    account.delivery_status = lambda ids: seen.append(list(ids)) or []
    summary = ledger.job("mixed").refresh_status(account)
    assert seen == [["mem-x"]]
    assert summary.skipped == 1  # the unknown row without a message id
    assert ledger.job("other").refresh_status(account).asked == 0


def test_a_provider_error_stops_the_pass_and_keeps_what_was_recorded(spring: Any) -> None:
    ledger, account = spring
    original, calls = account.delivery_status, []

    def flaky(ids: list[str]) -> Any:
        calls.append(ids)
        if len(calls) == 2:
            raise ServiceUnavailableError("try later", provider="memory")
        return original(ids)

    account.delivery_status = flaky
    summary = ledger.job("spring").refresh_status(account)
    assert isinstance(summary.error, ServiceUnavailableError)
    assert (summary.asked, summary.requests) == (3, 1)
    assert summary.counts == {"delivered": 3, "accepted": 7}


def test_a_provider_without_delivery_status_is_refused(spring: Any) -> None:
    ledger, _ = spring
    jormall = smsbridge.connect("jormall://acc:pass@default?sender=Shop")
    with pytest.raises(UnsupportedOperationError, match="jormall has no delivery-status"):
        ledger.job("spring").refresh_status(jormall)


def test_host_hooks_hear_polled_reports(spring: Any) -> None:
    ledger, account = spring
    heard: list[Any] = []
    ledger.job("spring").refresh_status(account, on_report=heard.append)
    assert len(heard) == 10 and {(e.source, e.effect, e.job) for e in heard} == {("poll", "final", "spring")}


# ---------------------------------------------------------------------------- the command line


def test_status_job_stale_on_the_command_line(spring: Any) -> None:
    ledger, _ = spring
    runner = CliRunner()
    args = ["status", "--job", "spring", "--stale", "0s", "--ledger", ledger.url, "--url", "memory://?max_recipients=3"]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["asked"], data["requests"], data["final"], data["counts"]) == (10, 4, 10, {"delivered": 10})
    table = runner.invoke(cli, args)
    assert table.exit_code == 0 and "0 message id(s) in 0 request(s)" in table.output and "delivered" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "--job", "spring", "mem-1"], "not both"),
        (["status"], "give message ids, or --job NAME"),
        (["status", "--job", "nope"], "no job 'nope'"),
        (["status", "--job", "spring", "--stale", "soon"], "not an age"),
        (["status", "--job", "spring", "--url", "jormall://acc:pass@default?sender=Shop"], "no delivery-status"),
    ],
)
def test_status_job_usage_errors_exit_2(spring: Any, args: list[str], message: str) -> None:
    ledger, _ = spring
    if "--url" not in args:
        args = [*args, "--url", "memory://"]
    result = CliRunner().invoke(cli, [*args, "--ledger", ledger.url])
    assert result.exit_code == 2, result.output
    assert message in result.output
