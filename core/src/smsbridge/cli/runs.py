"""Running a bulk job from the CLI: through the ledger, with a progress bar, a report file and a
summary that names the unknown outcomes (``smsbridge bulk`` and ``smsbridge jobs resume``).

Its own module so that the ``jobs`` commands and the top-level app share it without
importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from smsbridge.cli.state import ExitCode, State, cell, exit_with, masked_url, styled_status, table

__all__ = ["check_report_path", "run_job"]


def check_report_path(report: Path) -> None:
    from smsbridge.ledger.export import export_format

    if export_format(report.name) is None:
        raise click.BadParameter(
            f"cannot tell the format of {report.name!r}: name it *.csv or *.jsonl", param_hint="--report"
        )


def run_job(
    state: State,
    account: Any,
    chunks: Any,
    rows: Any,
    *,
    job: str,
    ledger_url: str | None,
    report: Path | None,
    workers: int | None,
    allow_repeats: bool = False,
    resend_unknown: bool = False,
    wait: float | None = None,
    max_failed_requests: int = 5,
    show_progress: bool = False,
    total: int | None = None,
) -> None:
    """Run ``job`` through the ledger (``rows``: the input, or ``None`` to resume from the ledger alone)."""
    import itertools

    from smsbridge.cli import bulk as b
    from smsbridge.ledger import open_ledger
    from smsbridge.ledger.runner import JobRun, StopToken

    with open_ledger(ledger_url) as ledger:
        known = ledger.find_job(job)
        if known is not None:
            done = sum(n for s, n in known.counts.items() if s not in ("pending", "not_sent", "claimed"))
            state.warn(f"resuming job {job}: {done} of {known.total} recipient(s) already have an outcome")
        run = JobRun(
            chunks,
            rows,
            workers=workers or chunks.workers,
            ledger=ledger,
            job=job,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
            stop=StopToken(),
            warn=state.warn,
        )
        with _progress(state, show_progress, total) as advance:
            if known is not None:
                advance(known.total - known.counts.get("pending", 0) - known.counts.get("not_sent", 0))
            stats = b.drive(run, max_failed_requests=max_failed_requests, on_progress=advance)
        unknown_sample = [r.number for r in itertools.islice(ledger.rows(job, states=["unknown"]), 10)]
        if report is not None:
            _export(ledger, job, report)
    _bulk_summary(state, account, run, stats, report, unknown_sample)


def _export(ledger: Any, job: str, path: Path) -> None:
    """Write the job's rows to ``path`` whole, or not at all (a temporary file, then a rename)."""
    import os

    from smsbridge.ledger.export import export_format, write_rows

    fmt = export_format(path.name) or "csv"
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        write_rows(ledger.rows(job), fh, fmt)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(path)


class _Progress:
    """rich's progress bar (done/total, rate, ETA) on stderr, or nothing at all."""

    def __init__(self, state: State, enabled: bool, total: int | None) -> None:
        self.state = state
        self.enabled = enabled
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda n: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            """Recipients per second (rich only ships a bytes-per-second column)."""

            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.1f}/s" if speed else "-/s", style="progress.data.speed")

        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            console=self.state.err_console,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task("sending", total=self.total)
        progress, task = self._progress, self._task
        return lambda n: progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)


def _progress(state: State, enabled: bool, total: int | None) -> _Progress:
    return _Progress(state, enabled, total)


def _bulk_summary(
    state: State, account: Any, run: Any, stats: Any, report: Path | None, unknown_sample: list[str]
) -> None:
    from smsbridge.cli.bulk import summary_dict

    data = summary_dict(run, stats, {"account": masked_url(account), "report": str(report) if report else None})
    data["unknown_sample"] = unknown_sample
    if data["unknown"]:
        sample = ", ".join(unknown_sample) + (" ..." if data["unknown"] > len(unknown_sample) else "")
        state.warn(
            f"{data['unknown']} recipient(s) of job {run.job_id} have an unknown outcome and are not sent again: "
            f"{sample}. Check their delivery status; --resend-unknown sends to them again (possible duplicates)."
        )
    if stats.stopped:
        state.warn(
            f"stopped early: {stats.stopped}" + (f" (last error: {stats.last_error})" if stats.last_error else "")
        )
    if stats.interrupted:
        state.warn(
            f"interrupted: every outcome is in the ledger; run the same command again to resume job {run.job_id}"
        )
    if state.json:
        state.emit_json(data)
    else:
        state.print(cell(f"Job {run.job_id} via {data['account']}"))
        shown = table("Outcome", "Recipients")
        for label, value in (
            ("accepted", data["accepted"]),
            ("rejected", data["rejected"]),
            ("unknown", data["unknown"]),
            ("pending", data["pending"]),
            ("duplicate rows (sent once)", data["duplicates"]),
        ):
            if label.startswith(("pending", "duplicate")) and not value:
                continue
            shown.add_row(
                styled_status(label) if label in ("accepted", "rejected", "unknown") else cell(label), cell(value)
            )
        state.print(shown)
        note = f"{data['total']} recipient(s) in the job; this run read {data['rows_read']} row(s), "
        note += f"made {data['requests']} request(s)"
        if data["not_sent"]:
            note += f"; {data['not_sent']} refused whole by the provider are sent again on resume"
        state.print(cell(note + (f"; report: {report}" if report else "")))
    if stats.interrupted:
        exit_with(ExitCode.INTERRUPTED)
    if stats.stopped:
        exit_with(ExitCode.ERROR)
    exit_with(ExitCode.PARTIAL if data["rejected"] or data["unknown"] or data["pending"] else ExitCode.OK)
