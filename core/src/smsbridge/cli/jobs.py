"""``smsbridge jobs`` and ``smsbridge ledger``: what the send ledger holds, and its upkeep.

``jobs`` lists jobs with their progress; ``jobs show`` details one; ``jobs export`` writes a
job's rows (the per-recipient report) as CSV or JSON lines; ``jobs resume`` runs a job again
from the ledger alone; ``jobs purge`` deletes old jobs (the ledger holds phone numbers and
texts: personal data).  ``ledger info`` says where the ledger is and its schema version;
``ledger migrate`` upgrades an older one, only when asked.  Each reads ``--ledger`` or
``SMSBRIDGE_LEDGER`` (default: ``ledger.db`` in the user data folder), so any host that
reaches a shared PostgreSQL ledger sees the same jobs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from smsbridge.cli.params import OUTPUT_FILE
from smsbridge.cli.state import State, cell, common_options, handle_errors, table

__all__ = ["jobs", "ledger", "parse_age"]

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

LEDGER_OPTION = click.option(
    "--ledger",
    "ledger_url",
    metavar="URL",
    help="The send ledger (default: SMSBRIDGE_LEDGER, else ledger.db in the user data folder).",
)


def parse_age(text: str) -> float:
    """``90s``, ``30m``, ``12h``, ``30d``, ``2w`` in seconds."""
    match = _AGE.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not an age: use e.g. 90m, 12h, 30d or 2w")
    return float(match.group(1)) * _UNIT[match.group(2).lower()]


def _open(ledger_url: str | None) -> Any:
    from smsbridge.ledger import open_ledger

    return open_ledger(ledger_url)


def _progress(counts: dict[str, int]) -> tuple[int, int]:
    total = sum(counts.values())
    open_rows = counts.get("pending", 0) + counts.get("not_sent", 0) + counts.get("claimed", 0)
    return total - open_rows, total


def _job_dict(info: Any) -> dict[str, Any]:
    from smsbridge.ledger.lease import describe_owner

    done, total = _progress(dict(info.counts))
    running = info.lease_owner is not None and info.lease_expires is not None
    return {
        "job": info.id,
        "kind": info.kind,
        "provider": info.provider,
        "account": info.account.replace("?stream=stderr", "").replace("&stream=stderr", ""),  # the CLI's own
        "created": info.created_at.isoformat(timespec="seconds"),
        "updated": info.updated_at.isoformat(timespec="seconds"),
        "input_complete": info.input_done,
        "rows": total,
        "done": done,
        "counts": dict(sorted(info.counts.items())),
        "running": describe_owner(info.lease_owner) if running else None,
    }


@click.group(invoke_without_command=True)
@common_options
@LEDGER_OPTION
@click.pass_context
@handle_errors
def jobs(ctx: click.Context, ledger_url: str | None) -> None:
    """Jobs of the send ledger, with their progress (subcommands: show, export, resume, purge)."""
    ctx.ensure_object(dict)["ledger_url"] = ledger_url
    if ctx.invoked_subcommand is not None:
        return
    state = State.get()
    with _open(ledger_url) as store:
        found = [_job_dict(info) for info in store.jobs()]
        if state.json:
            state.emit_json({"ledger": store.url, "jobs": found})
            return
        shown = table("Job", "Provider", "Updated", "Rows", "Accepted", "Rejected", "Unknown", "Open", "Running")
        for job in found:
            counts = job["counts"]
            sent = sum(counts.get(s, 0) for s in ("accepted", "delivered", "failed", "expired"))
            shown.add_row(
                cell(job["job"]),
                cell(job["provider"]),
                cell(job["updated"][:16].replace("T", " ")),
                cell(job["rows"]),
                cell(sent),
                cell(counts.get("rejected", 0) + counts.get("not_sent", 0)),
                cell(counts.get("unknown", 0)),
                cell(job["rows"] - job["done"]),
                cell(job["running"] or ""),
            )
        state.print(shown)
        state.print(cell(f"{len(found)} job(s) in {store.url}"))


@jobs.command("show")
@common_options
@LEDGER_OPTION
@click.argument("name")
@handle_errors
def show(name: str, ledger_url: str | None) -> None:
    """One job: account, text, options, counts by state, and a sample of unknown outcomes."""
    import itertools

    state = State.get()
    with _open(ledger_url or _parent_ledger()) as store:
        info = store.job_info(name)
        data = _job_dict(info)
        data["text"] = info.text
        data["options"] = dict(info.options)
        data["unknown_sample"] = [r.number for r in itertools.islice(store.rows(name, states=["unknown"]), 10)]
        data["ledger"] = store.url
    if state.json:
        state.emit_json(data)
        return
    grid = table("", "")
    grid.show_header = False
    for label, value in (
        ("job", data["job"]),
        ("account", data["account"]),
        ("text", data["text"]),
        ("options", ", ".join(f"{k}={v}" for k, v in data["options"].items() if v not in (None, False)) or "-"),
        ("created", data["created"]),
        ("updated", data["updated"]),
        ("input", "complete" if data["input_complete"] else "not read to the end yet"),
        ("progress", f"{data['done']} of {data['rows']} rows have an outcome"),
        ("running", data["running"] or "no"),
    ):
        grid.add_row(cell(label), cell(value))
    state.print(grid)
    counts = table("State", "Rows")
    for key, value in data["counts"].items():
        counts.add_row(cell(key), cell(value))
    state.print(counts)
    if data["unknown_sample"]:
        state.print(cell("unknown outcome: " + ", ".join(data["unknown_sample"])))


def _parent_ledger() -> str | None:
    ctx = click.get_current_context()
    parent = ctx.parent
    obj = parent.obj if parent is not None else None
    return obj.get("ledger_url") if isinstance(obj, dict) else None


@jobs.command("export")
@common_options
@LEDGER_OPTION
@click.argument("name")
@click.option("--csv", "fmt", flag_value="csv", default=True, help="CSV (the default).")
@click.option("--jsonl", "fmt", flag_value="jsonl", help="JSON lines.")
@click.option("-o", "--output", type=OUTPUT_FILE, help="Write here instead of stdout.")
@handle_errors
def export(name: str, fmt: str, output: Path | None, ledger_url: str | None) -> None:
    """Every row of job NAME with its outcome: recipient, outcome, message id, reason, ..."""
    from smsbridge.ledger.export import write_rows

    with _open(ledger_url or _parent_ledger()) as store:
        store.job_info(name, counts=False)
        if output is None:
            write_rows(store.rows(name), sys.stdout, fmt)
            return
        with output.open("w", encoding="utf-8", newline="") as fh:
            count = write_rows(store.rows(name), fh, fmt)
    State.get().warn(f"{count} row(s) of job {name} written to {output}")


@jobs.command("resume")
@common_options
@LEDGER_OPTION
@click.argument("name")
@click.option("--workers", type=click.IntRange(1, 64), help="Concurrent requests (default: the account's).")
@click.option("--resend-unknown", is_flag=True, help="Also send to recipients whose outcome is unknown (duplicates!).")
@click.option("--wait", type=click.FloatRange(0), metavar="SECONDS", help="Wait this long for another run of the job.")
@click.option("--max-failed-requests", type=click.IntRange(1), default=5, show_default=True)
@click.option("-r", "--report", type=OUTPUT_FILE, help="Write the outcomes here too (*.csv or *.jsonl).")
@handle_errors
def resume(
    name: str,
    workers: int | None,
    resend_unknown: bool,
    wait: float | None,
    max_failed_requests: int,
    report: Path | None,
    ledger_url: str | None,
) -> None:
    """Run job NAME again from the ledger alone, through the account given (--url / --account)."""

    from smsbridge.cli.runs import check_report_path, run_job

    state = State.get()
    url = ledger_url or _parent_ledger()
    with _open(url) as store:
        info = store.job_info(name, counts=False)
    account = state.account()
    options, allow_repeats = info.send_options()
    chunks = account.chunk_sender(info.text, **options)
    path = report
    if path is not None:
        check_report_path(path)
    run_job(
        state,
        account,
        chunks,
        None,
        job=name,
        ledger_url=url,
        report=path,
        workers=workers,
        allow_repeats=allow_repeats,
        resend_unknown=resend_unknown,
        wait=wait,
        max_failed_requests=max_failed_requests,
    )


@jobs.command("purge")
@common_options
@LEDGER_OPTION
@click.option("--older-than", "age", required=True, metavar="AGE", help="Delete jobs idle for longer: 30d, 12h, 2w.")
@click.option("--job", "job_name", metavar="NAME", help="Only this job.")
@handle_errors
def purge(age: str, job_name: str | None, ledger_url: str | None) -> None:
    """Delete jobs (and their rows: numbers and texts) with no activity for AGE; running jobs stay."""
    seconds = parse_age(age)
    state = State.get()
    with _open(ledger_url or _parent_ledger()) as store:
        deleted = store.purge(seconds, job=job_name)
    if state.json:
        state.emit_json({"deleted": deleted})
        return
    state.print(cell(f"{len(deleted)} job(s) deleted" + (f": {', '.join(deleted)}" if deleted else "")))


@click.group()
def ledger() -> None:
    """The send ledger itself: where it is, its schema version, migrations."""


@ledger.command("info")
@common_options
@LEDGER_OPTION
@handle_errors
def info(ledger_url: str | None) -> None:
    """Where the ledger is, its schema version and how many jobs it holds."""
    from smsbridge.ledger.schema import SCHEMA_VERSION

    state = State.get()
    with _open(ledger_url) as store:
        data = {
            "ledger": store.url,
            "schema_version": store.schema_version(),
            "code_schema_version": SCHEMA_VERSION,
            "jobs": len(store.jobs()),
        }
    if state.json:
        state.emit_json(data)
        return
    for key, value in data.items():
        state.print(cell(f"{key:20} {value}"))


@ledger.command("migrate")
@common_options
@LEDGER_OPTION
@handle_errors
def migrate(ledger_url: str | None) -> None:
    """Upgrade an older ledger to this smsbridge's schema (back it up first)."""
    from smsbridge.ledger import default_ledger_url
    from smsbridge.ledger.database import connect_database
    from smsbridge.ledger.store import Ledger

    db = connect_database(ledger_url or default_ledger_url())
    try:
        start, end = Ledger.migrate(db)
    finally:
        db.close()
    state = State.get()
    if state.json:
        state.emit_json({"ledger": db.shown, "from": start, "to": end})
        return
    state.print(cell(f"{db.shown}: schema version {start}" + (f" -> {end}" if end != start else " (up to date)")))
