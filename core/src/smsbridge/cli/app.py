"""The ``smsbridge`` commands.

This module is imported for ``smsbridge --help``, so it imports only click and the cheap parts
of smsbridge at the top; rich, the account machinery, requests and plugins load inside the
commands that need them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

import click

from smsbridge.cli.dev import dev
from smsbridge.cli.jobs import jobs, ledger
from smsbridge.cli.params import INPUT_FILE, OUTPUT_FILE, SCHEDULE, parse_pairs, read_text_file
from smsbridge.cli.receiver import receiver, serve
from smsbridge.cli.runs import check_report_path, run_job
from smsbridge.cli.state import (
    ExitCode,
    State,
    cell,
    common_options,
    exit_with,
    handle_errors,
    join,
    masked_url,
    stdin_text,
    styled_status,
    table,
)

__all__ = ["cli", "main"]

_LOOKS_LIKE_NUMBER = re.compile(r"^\+?[\d\s().-]{6,}$")
_ENCODINGS = click.Choice(["gsm7", "ucs2"])

EPILOG = """\b
Account: --url URL, --account NAME (config file), or SMSBRIDGE_URL.
Try things out with --url console:// (prints instead of sending).
Exit codes: 0 all accepted, 1 provider or transport error,
2 usage or configuration error, 3 some recipients rejected or unknown.
"""


class _Group(click.Group):
    """Ctrl-C outside ``bulk`` (which handles it itself) exits 130, the shell convention."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(int(ExitCode.INTERRUPTED)) from None


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smsbridge", prog_name="smsbridge")
@common_options
def cli() -> None:
    """Send SMS through many providers, from the command line."""


def _counts(receipts: Any) -> dict[str, int]:
    counts = {"accepted": 0, "rejected": 0, "unknown": 0}
    for receipt in receipts:
        counts[receipt.status.value] += 1
    return counts


# ---------------------------------------------------------------------------- providers

_CAPABILITY_FLAGS = (
    "bulk_send",
    "balance",
    "delivery_status",
    "inbound",
    "callbacks",
    "estimate",
    "scheduling",
    "flash",
    "unicode",
    "templating",
    "targets",
    "deduplicates",
)


@cli.command()
@common_options
@handle_errors
def providers() -> None:
    """Installed providers: package, capabilities, limits, admin operations; the cross-cutting
    plugins; plugins that failed to load, are disabled, or claim the same provider id."""
    from smsbridge.json_output import to_dict
    from smsbridge.plugins import get_registry

    state = State.get()
    registry = get_registry()
    found = registry.providers()
    broken = list(registry.broken)
    cross_cutting = registry.cross_cutting()
    if state.json:
        state.emit_json(
            {
                "providers": [
                    {
                        "id": spec.id,
                        "description": spec.description,
                        "distribution": info.distribution,
                        "version": info.version,
                        "plugin": info.name,
                        "default_host": spec.default_host,
                        "docs_url": spec.docs_url,
                        "capabilities": to_dict(spec.capabilities),
                    }
                    for spec, info in found
                ],
                "cross_cutting": [
                    {"plugin": i.name, "distribution": i.distribution, "version": i.version, "hooks": list(i.hooks)}
                    for i in cross_cutting
                ],
                "broken": [to_dict(b) for b in broken],
                "disabled": [to_dict(d) for d in registry.disabled],
                "conflicts": [to_dict(c) for c in registry.conflicts.values()],
                "duplicate_entry_points": [to_dict(d) for d in registry.duplicates],
            }
        )
        return
    from rich.table import Table
    from rich.text import Text

    for spec, info in found:
        caps = spec.capabilities
        flags = [name for name in _CAPABILITY_FLAGS if getattr(caps, name)]
        rule = caps.sender
        limits = [
            f"{caps.max_recipients} recipient{'s' if caps.max_recipients != 1 else ''} a request",
            f"text up to {caps.max_text_length} characters" if caps.max_text_length else "no text limit",
            f"sender {rule.min_length}-{rule.max_length} characters" + (" (required)" if rule.required else ""),
        ]
        heading = Text()
        heading.append(spec.id, style="bold")
        heading.append(f"  {info.distribution or info.name} {info.version or ''}".rstrip(), style="dim")
        if spec.description:
            heading.append(f"  {spec.description}")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(Text("  can"), cell(join(flags)))
        grid.add_row(Text("  limits"), cell("; ".join(limits)))
        grid.add_row(Text("  admin"), cell(join(op.name for op in caps.admin_operations)))
        state.print(heading)
        state.print(grid)
        state.print()
    if cross_cutting:
        shown = table("Plugin", "Package", "Hooks", title="Cross-cutting plugins (wrap every provider)")
        for info in cross_cutting:
            shown.add_row(
                cell(info.name),
                cell(f"{info.distribution or '-'} {info.version or ''}".strip()),
                cell(join(info.hooks)),
            )
        state.print(shown)
    if broken:
        bad = table("Plugin", "Package", "Error", title="Plugins that failed to load")
        for plugin in broken:
            bad.add_row(
                cell(plugin.name), cell(f"{plugin.distribution or '?'} {plugin.version or ''}"), cell(plugin.error)
            )
        state.print(bad)
    if registry.disabled:
        off = table("Plugin", "Package", "Disabled by", title="Disabled plugins")
        for item in registry.disabled:
            off.add_row(cell(item.name), cell(f"{item.distribution or '?'} {item.version or ''}"), cell(item.by))
        state.print(off)
    if registry.conflicts:
        clash = table("Provider", "Claimed by", title="Provider ids claimed by several plugins (not used)")
        for conflict in registry.conflicts.values():
            clash.add_row(cell(conflict.provider_id), cell("\n".join(conflict.plugins)))
        state.print(clash)
    if registry.duplicates:
        twice = table("Entry point", "Packages", title="Entry-point names used by several packages")
        for duplicate in registry.duplicates:
            twice.add_row(cell(duplicate.name), cell(join(duplicate.distributions)))
        state.print(twice)


# ---------------------------------------------------------------------------- send


def _split_send_args(args: tuple[str, ...], message: str | None, text_file: IO[str] | None) -> tuple[list[str], str]:
    if message is not None and text_file is not None:
        raise click.UsageError("give the text with -m or --text-file, not both")
    if message is not None:
        return list(args), message
    if text_file is not None:
        return list(args), read_text_file(text_file)
    if len(args) < 2:
        raise click.UsageError(
            "give the recipients and then the text, e.g. smsbridge send +41791234567 'Hello' "
            "(use - as the text to read it from stdin)"
        )
    *recipients, text = args
    if text == "-":
        return recipients, stdin_text()
    if _LOOKS_LIKE_NUMBER.match(text):
        raise click.UsageError(
            f"the last argument is the text, but {text!r} looks like a phone number; "
            "did you forget the text?  (To send digits as the text, use -m TEXT.)"
        )
    return recipients, text


@cli.command()
@common_options
@click.argument("args", nargs=-1, required=True, metavar="RECIPIENT... TEXT")
@click.option("-m", "--message", help="The text; every argument is then a recipient.")
@click.option("--text-file", type=click.File("r", encoding="utf-8"), help="Read the text from a file (- for stdin).")
@click.option("-s", "--sender", help="Sender id (originator); defaults to the account's ?sender=.")
@click.option("--at", "schedule", type=SCHEDULE, help="Schedule: 2030-01-31T09:00 (local), an ISO time, or +30m.")
@click.option("--flash", is_flag=True, help="Flash SMS (shown at once, not stored), where the provider has it.")
@click.option("--encoding", type=_ENCODINGS, help="Force an encoding instead of detecting it.")
@click.option("--dry-run", is_flag=True, help="Send nothing; show what would go out and what it may cost.")
@click.option(
    "--key",
    "idempotency_key",
    metavar="KEY",
    help="Send at most once per KEY: a second run with the same KEY prints the recorded outcome (send ledger).",
)
@click.option(
    "--ledger", "ledger_url", metavar="URL", help="Record the send in this ledger (default: SMSBRIDGE_LEDGER)."
)
@handle_errors
def send(
    args: tuple[str, ...],
    message: str | None,
    text_file: IO[str] | None,
    sender: str | None,
    schedule: Any,
    flash: bool,
    encoding: str | None,
    dry_run: bool,
    idempotency_key: str | None,
    ledger_url: str | None,
) -> None:
    """Send TEXT to one or more recipients; prints one receipt per recipient.

    TEXT is the last argument (- reads it from stdin).  Every part is checked before anything
    is sent: one invalid number and nothing goes out.  With --key (a cron job, a retried
    script), the send is recorded in the send ledger and never made twice.
    """
    recipients, text = _split_send_args(args, message, text_file)
    if not recipients:
        raise click.UsageError("give at least one recipient")
    state = State.get()
    account = state.account()
    if dry_run:
        _dry_run(state, account, recipients, text, sender, schedule, flash, encoding)
        return
    result = account.send(
        recipients if len(recipients) > 1 else recipients[0],
        text,
        sender=sender,
        schedule=schedule,
        flash=flash,
        encoding=encoding,
        idempotency_key=idempotency_key,
        ledger=ledger_url,
    )
    if result.details.get("replayed"):
        state.warn(f"already sent with key {idempotency_key}: the recorded outcome, nothing sent now")
    counts = _counts(result.receipts)
    if state.json:
        from smsbridge.json_output import to_dict

        state.emit_json(
            {
                "account": masked_url(account),
                "provider": result.provider,
                "scheduled": result.scheduled,
                "receipts": [to_dict(r) for r in result.receipts],
                **counts,
            }
        )
    else:
        with_reason = any(r.reason for r in result.receipts)
        shown = table("Recipient", "Status", "Message ID", *(["Reason"] if with_reason else []))
        for r in result.receipts:
            shown.add_row(
                cell(r.recipient),
                styled_status(r.status),
                cell(r.message_id),
                *([cell(r.reason)] if with_reason else []),
            )
        state.print(shown)
        note = f"{counts['accepted']} of {len(result.receipts)} accepted by {result.provider}"
        if result.scheduled and schedule is not None:
            note += f", scheduled for {schedule.isoformat(timespec='minutes')}"
        state.print(cell(note))
    exit_with(ExitCode.OK if counts["accepted"] == len(result.receipts) else ExitCode.PARTIAL)


def _validated_message(account: Any, text: str, **options: Any) -> Any:
    """The message as the account would send it (plugins' rewrites applied), fully checked.

    Uses ``Account.prepare``, the same preparation ``send`` runs, so that a dry run refuses
    exactly what a real send would: a bad sender, a past schedule, flash where there is none.
    """
    members = getattr(account, "accounts", [account])
    prepared = None
    for member in members:
        prepared = member.prepare(text, **options)
    return prepared


def _dry_run(
    state: State,
    account: Any,
    recipients: list[str],
    text: str,
    sender: str | None,
    schedule: Any,
    flash: bool,
    encoding: str | None,
) -> None:
    from smsbridge.errors import InvalidRecipientError
    from smsbridge.text import analyze

    prepared = _validated_message(account, text, sender=sender, schedule=schedule, flash=flash, encoding=encoding)
    rows: list[dict[str, Any]] = []
    valid: list[str] = []
    for raw in recipients:
        try:
            number = account.recipient(raw).number
            wire = account.wire_number(raw)
        except InvalidRecipientError as exc:
            rows.append({"recipient": raw, "wire": None, "error": exc.message})
            continue
        valid.append(number)
        rows.append({"recipient": number, "wire": wire, "error": None})
    info = analyze(prepared.text, encoding=prepared.encoding)
    estimate = account.estimate(text, valid, sender=sender, encoding=encoding) if valid else None
    cost = estimate.provider_cost if estimate is not None else None
    unit = estimate.cost_unit if estimate is not None else None
    data = {
        "dry_run": True,
        "account": masked_url(account),
        "provider": account.provider,
        "sender": prepared.sender,
        "schedule": schedule.isoformat() if schedule else None,
        "flash": flash,
        "text": prepared.text,
        "encoding": info.encoding,
        "characters": info.characters,
        "segments": info.segments,
        "unsupported_characters": list(info.unsupported) if info.encoding == "gsm7" else [],
        "recipients": rows,
        "segments_total": info.segments * len(valid),
        "provider_cost": str(cost) if cost is not None else None,
        "cost_unit": unit,
        "provider_segments": estimate.provider_segments if estimate is not None else None,
    }
    invalid = [r for r in rows if r["error"]]
    if state.json:
        state.emit_json(data)
    else:
        shown = table("Recipient", "Provider receives", *(["Problem"] if invalid else []))
        for row in rows:
            shown.add_row(cell(row["recipient"]), cell(row["wire"]), *([cell(row["error"])] if invalid else []))
        state.print(cell("Dry run: nothing was sent."))
        state.print(shown)
        lines = [
            f"text      {info.encoding}, {info.characters} characters, {info.segments} segment"
            f"{'s' if info.segments != 1 else ''} ({info.per_segment} per segment)",
            f"total     {data['segments_total']} segment(s) to {len(valid)} recipient(s)",
            f"sender    {prepared.sender or '(account default)'}",
        ]
        if schedule is not None:
            lines.append(f"at        {schedule.isoformat(timespec='minutes')}")
        if flash:
            lines.append("flash     yes")
        if cost is not None:
            lines.append(f"cost      {cost} {unit or ''} (the provider's estimate)".rstrip())
        else:
            lines.append(f"cost      {account.provider} gives no cost estimate")
        state.print(cell("\n".join(lines)))
    exit_with(ExitCode.USAGE if invalid else ExitCode.OK)


# ---------------------------------------------------------------------------- bulk


LEDGER_OPTION = click.option(
    "--ledger",
    "ledger_url",
    metavar="URL",
    help="Send ledger: sqlite:///path.db, a file path, or postgresql://user@host/db "
    "(default: SMSBRIDGE_LEDGER, else ledger.db in the user data folder).",
)


@cli.command()
@common_options
@click.argument("file", type=INPUT_FILE)
@click.argument("text", required=False)
@click.option(
    "--job",
    "job_name",
    metavar="NAME",
    help="Job name; running the same job again resumes it (default: from FILE's path; required for stdin).",
)
@LEDGER_OPTION
@click.option(
    "-r",
    "--report",
    type=OUTPUT_FILE,
    help="Also write every recipient's outcome to this file (*.csv or *.jsonl) when the run ends.",
)
@click.option("--text-file", type=click.File("r", encoding="utf-8"), help="Read the text from a file.")
@click.option("--format", "input_format", type=click.Choice(["csv", "jsonl", "lines"]), help="Input format.")
@click.option("--column", help="The CSV column or JSON key holding the number.")
@click.option("-s", "--sender", help="Sender id (originator).")
@click.option("--at", "schedule", type=SCHEDULE, help="Schedule every message (see `send --help`).")
@click.option("--flash", is_flag=True, help="Flash SMS.")
@click.option("--encoding", type=_ENCODINGS, help="Force an encoding.")
@click.option("--workers", type=click.IntRange(1, 64), help="Concurrent requests (default: the account's).")
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Also send to recipients whose outcome is unknown.  They may get the SMS twice.",
)
@click.option("--allow-repeats", is_flag=True, help="Send rows that repeat a number and text again (default: once).")
@click.option("--wait", type=click.FloatRange(0), metavar="SECONDS", help="Wait this long for another run of the job.")
@click.option(
    "--max-failed-requests",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="Stop after this many failed requests in a row.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@click.option(
    "--via",
    metavar="RUNNER",
    help="Run the job on a task queue instead of in this process: `celery` (smsbridge-celery). "
    "Needs --account NAME (the workers find the account by its name) and a shared ledger.",
)
@handle_errors
def bulk(
    file: str,
    text: str | None,
    job_name: str | None,
    ledger_url: str | None,
    report: Path | None,
    text_file: IO[str] | None,
    input_format: str | None,
    column: str | None,
    sender: str | None,
    schedule: Any,
    flash: bool,
    encoding: str | None,
    workers: int | None,
    resend_unknown: bool,
    allow_repeats: bool,
    wait: float | None,
    max_failed_requests: int,
    progress: bool | None,
    via: str | None,
) -> None:
    """Send TEXT to every recipient of FILE (CSV, JSONL or one number a line; - for stdin).

    CSV columns and JSON keys other than the number fill {name} fields of TEXT.  The file is
    streamed into the send ledger, never loaded whole; each request is recorded there before
    it leaves and after it returns.  Running the same command again resumes the job: nobody
    is sent twice, and recipients whose outcome is unknown are listed and skipped unless
    --resend-unknown.  `smsbridge jobs` shows the jobs.  With --via celery the recipients are
    written to the (shared) ledger and the job's chunks are queued for Celery workers.
    """
    import itertools
    import sys

    from smsbridge.cli import inputs

    if (text is None) == (text_file is None):
        raise click.UsageError("give the text either as TEXT or with --text-file")
    if text is None:
        assert text_file is not None
        text = read_text_file(text_file)
    if file == "-" and not job_name:
        raise click.UsageError("reading recipients from stdin needs --job NAME, so that the run can be resumed")
    if report is not None:
        check_report_path(report)
    job = job_name or _default_job_name(file)
    state = State.get()
    runner = _runner(via, report=report, workers=workers) if via is not None else None
    account = state.account()

    stream: IO[str] = sys.stdin if file == "-" else open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115
    try:
        source = "stdin" if file == "-" else Path(file).name
        text_lines = inputs.decoded(stream, source)
        first = next(text_lines, "")
        fmt = inputs.input_format(file if file != "-" else "", first, input_format)
        lines = itertools.chain([first] if first else [], text_lines)
        if fmt == "csv" and first:
            header = inputs.csv_header([first])
            number_col = inputs.number_column(header, column, source)
            missing = inputs.template_check(text, [h for h in header if h != number_col])
            if missing:
                raise inputs.InputError(
                    f"the text needs {', '.join(missing)}, which {source} has no column for",
                    hint=f"its columns: {', '.join(header)}",
                )
        rows = inputs.read_rows(lines, fmt, column=column, source=source)
        show_progress = progress if progress is not None else sys.stdout.isatty() and sys.stderr.isatty()
        total = inputs.count_rows(Path(file), fmt, column) if show_progress and file != "-" else None
        if runner is not None:
            origin = state.source()
            _submit(
                state,
                runner,
                via=str(via),
                account=account,
                account_name=origin.name if origin is not None else None,
                rows=rows,
                text=text,
                options={"sender": sender, "schedule": schedule, "flash": flash, "encoding": encoding},
                job=job,
                ledger_url=ledger_url,
                allow_repeats=allow_repeats,
                resend_unknown=resend_unknown,
                wait=wait,
            )
            return
        chunks = account.chunk_sender(text, sender=sender, schedule=schedule, flash=flash, encoding=encoding)
        run_job(
            state,
            account,
            chunks,
            rows,
            job=job,
            ledger_url=ledger_url,
            report=report,
            workers=workers,
            allow_repeats=allow_repeats,
            resend_unknown=resend_unknown,
            wait=wait,
            max_failed_requests=max_failed_requests,
            show_progress=show_progress,
            total=total,
        )
    finally:
        if file != "-":
            stream.close()


#: entry points that run a bulk job elsewhere (``--via NAME``), e.g. ``celery = "smsbridge_celery.cli:submit_bulk"``
RUNNER_GROUP = "smsbridge.runners"
_RUNNER_PACKAGES = {"celery": "smsbridge-celery (from this repository: pip install ./integrations/celery)"}


def _runner(name: str, *, report: Path | None, workers: int | None) -> Any:
    """The ``--via`` runner's submit function, loaded from its entry point (the core never imports one)."""
    from importlib.metadata import entry_points

    if report is not None or workers is not None:
        raise click.UsageError(
            "--via runs the job on other machines: --report and --workers do not apply "
            "(export the outcomes later with `smsbridge jobs export`)"
        )
    found = [ep for ep in entry_points(group=RUNNER_GROUP) if ep.name == name]
    if not found:
        known = sorted({ep.name for ep in entry_points(group=RUNNER_GROUP)})
        package = _RUNNER_PACKAGES.get(name)
        raise click.UsageError(
            f"no runner {name!r} is installed"
            + (f": --via {name} needs {package}" if package else "")
            + (f"; installed runners: {', '.join(known)}" if known else "")
        )
    return found[0].load()


def _submit(state: State, runner: Any, *, via: str, account_name: str | None, **request: Any) -> None:
    """Hand the job to ``runner`` and print what it queued (see docs/scaling.md)."""
    if not account_name:
        raise click.UsageError(
            f"--via {via} needs --account NAME (or a default account in the config file): the workers "
            "look the account up by its name, so that credentials never travel through the queue"
        )
    submitted: dict[str, Any] = dict(runner(account_name=account_name, warn=state.warn, **request))
    if state.json:
        state.emit_json(submitted)
        return
    for key, value in submitted.items():
        state.print(cell(f"{key:18} {value}"))


def _default_job_name(file: str) -> str:
    """A stable job name for an input file: re-running the same command resumes the same job."""
    import hashlib

    path = Path(file).resolve()
    digest = hashlib.blake2b(str(path).encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
    return f"{path.stem[:40] or 'bulk'}-{digest}"


@cli.command()
@common_options
@handle_errors
def balance() -> None:
    """The account's credit, as the provider reports it."""
    state = State.get()
    account = state.account()
    result = account.balance()
    if state.json:
        state.emit_json(
            {
                "account": masked_url(account),
                "provider": result.provider or account.provider,
                "amount": str(result.amount),
                "unit": result.unit,
            }
        )
        return
    shown = table("Account", "Balance", "Unit")
    shown.add_row(cell(masked_url(account)), cell(result.amount), cell(result.unit))
    state.print(shown)


@cli.command()
@common_options
@click.argument("message_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--job",
    "job_name",
    metavar="NAME",
    help="Ask about every recipient of job NAME without a final status, and record the answers in the ledger.",
)
@click.option(
    "--stale",
    metavar="AGE",
    default="0s",
    show_default=True,
    help="With --job: only recipients whose request left at least AGE ago (90s, 30m, 1h, 2d).",
)
@LEDGER_OPTION
@handle_errors
def status(message_ids: tuple[str, ...], job_name: str | None, stale: str, ledger_url: str | None) -> None:
    """Delivery reports for message ids (as printed by send and written to bulk reports).

    With --job NAME it is the polling backstop: every recipient of the job still without a
    final status is asked about (in batches the provider takes) and the ledger updated.
    """
    from smsbridge.json_output import to_dict

    state = State.get()
    if job_name is not None:
        if message_ids:
            raise click.UsageError("give message ids or --job NAME, not both")
        from smsbridge.cli.jobs import parse_age
        from smsbridge.cli.reports import refresh_job

        refresh_job(state, job_name, parse_age(stale), ledger_url)
        return
    if not message_ids:
        raise click.UsageError("give message ids, or --job NAME to poll a job's recipients")
    account = state.account()
    reports = account.delivery_status(list(message_ids))
    if state.json:
        state.emit_json({"account": masked_url(account), "reports": [to_dict(r) for r in reports]})
        return
    shown = table("Message ID", "Status", "Recipient", "Provider says", "Updated")
    for r in reports:
        said = " ".join(x for x in (r.provider_code, r.provider_text, r.reason) if x) or None
        updated = r.updated_at or r.submitted_at
        shown.add_row(
            cell(r.message_id),
            styled_status(r.status),
            cell(r.recipient),
            cell(said),
            cell(updated.isoformat(timespec="seconds") if updated else None),
        )
    state.print(shown)


@cli.command()
@common_options
@click.argument("text")
@click.option("--to", "recipients", multiple=True, metavar="NUMBER", help="Recipient(s), for the provider's cost.")
@click.option("-s", "--sender", help="Sender id (some providers price by it).")
@click.option("--encoding", type=_ENCODINGS, help="Force an encoding.")
@handle_errors
def estimate(text: str, recipients: tuple[str, ...], sender: str | None, encoding: str | None) -> None:
    """Encoding and segments of TEXT (- for stdin), and the provider's cost where it gives one.

    Works without an account; with one (and --to) it asks the provider for its estimate.
    """
    from smsbridge.text import analyze

    if text == "-":
        text = stdin_text()
    state = State.get()
    account = state.account(required=bool(recipients))
    if account is not None:
        result = account.estimate(text, list(recipients), sender=sender, encoding=encoding)
        info = result.text
        cost, unit, provider_segments = result.provider_cost, result.cost_unit, result.provider_segments
        total = result.segments_total
    else:
        info = analyze(text, encoding=encoding)
        cost = unit = provider_segments = None
        total = info.segments
    data = {
        "account": masked_url(account) if account is not None else None,
        "encoding": info.encoding,
        "characters": info.characters,
        "units": info.units,
        "segments": info.segments,
        "per_segment": info.per_segment,
        "unsupported_characters": list(info.unsupported) if info.encoding == "gsm7" else [],
        "non_gsm_characters": list(info.unsupported),
        "recipients": len(recipients),
        "segments_total": total,
        "provider_cost": str(cost) if cost is not None else None,
        "cost_unit": unit,
        "provider_segments": provider_segments,
    }
    if state.json:
        state.emit_json(data)
        return
    shown = table("", "")
    shown.show_header = False
    shown.add_row(cell("encoding"), cell(info.encoding))
    shown.add_row(cell("characters"), cell(f"{info.characters} ({info.units} units)"))
    shown.add_row(cell("segments"), cell(f"{info.segments} ({info.per_segment} units per segment)"))
    if info.unsupported:
        label = "lost in GSM-7" if info.encoding == "gsm7" else "need UCS-2"
        shown.add_row(cell(label), cell(" ".join(repr(c) for c in info.unsupported)))
    if recipients:
        shown.add_row(cell("recipients"), cell(f"{len(recipients)} ({total} segments in total)"))
    if account is None:
        shown.add_row(cell("cost"), cell("give an account and --to for the provider's estimate"))
    elif cost is not None:
        shown.add_row(cell("cost"), cell(f"{cost} {unit or ''}".strip()))
    else:
        shown.add_row(cell("cost"), cell(f"{account.provider} gives no cost estimate"))
    state.print(shown)


@cli.command()
@common_options
@click.option("--folder", default="inbox", show_default=True, help="Provider folder (inbox, sandbox, ...).")
@click.option("--since-id", help="Only messages after this id.")
@click.option("--limit", type=click.IntRange(1), help="At most this many messages.")
@handle_errors
def inbound(folder: str, since_id: str | None, limit: int | None) -> None:
    """Messages received by the account, where the provider keeps them."""
    from smsbridge.json_output import to_dict

    state = State.get()
    account = state.account()
    messages = account.inbound(folder, since_id=since_id, limit=limit)
    if state.json:
        state.emit_json({"account": masked_url(account), "messages": [to_dict(m) for m in messages]})
        return
    keywords = any(m.keyword for m in messages)  # e.g. playSMS's incoming folder: the matched keyword
    shown = table("ID", "From", "To", "Received", *(["Keyword"] if keywords else []), "Text")
    for m in messages:
        shown.add_row(
            cell(m.id),
            cell(m.sender),
            cell(m.recipient),
            cell(m.received_at.isoformat(timespec="seconds") if m.received_at else None),
            *([cell(m.keyword)] if keywords else []),
            cell(m.text),
        )
    state.print(shown)
    if not messages:
        state.print(cell(f"no messages in {folder}"))


# ---------------------------------------------------------------------------- admin


@cli.command()
@common_options
@click.argument("operation", required=False)
@click.argument("params", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--list", "list_operations", is_flag=True, help="List the provider's operations and parameters.")
@handle_errors
def admin(operation: str | None, params: tuple[str, ...], list_operations: bool) -> None:
    """Run a named operation of the account's provider: smsbridge admin OPERATION key=value..."""
    import json

    from smsbridge.json_output import to_dict

    state = State.get()
    account = state.account()
    operations = account.capabilities.admin_operations
    if list_operations or operation is None:
        if operation is not None:
            raise click.UsageError("--list takes no operation")
        if state.json:
            state.emit_json({"account": masked_url(account), "operations": [to_dict(op) for op in operations]})
            return
        shown = table("Operation", "Parameters", "Description", title=f"Admin operations of {account.provider}")
        for op in operations:
            described = [
                f"{p.name}{'' if p.required else '?'}: {p.type}" + (f"  {p.description}" if p.description else "")
                for p in op.params
            ]
            shown.add_row(cell(op.name), cell("\n".join(described) or None), cell(op.description))
        state.print(shown)
        if not operations:
            state.print(cell(f"{account.provider} declares no admin operations"))
        else:
            state.print(cell("parameters marked ? are optional"))
        return
    declared = account.capabilities.admin_operation(operation)
    types = {p.name: p.type for p in declared.params} if declared is not None else {}
    result = account.admin(operation, **parse_pairs(params, types))
    data = to_dict(result)
    if state.json:
        state.emit_json({"account": masked_url(account), **data})
        return
    shown = table("Key", "Value", title=f"{account.provider}: {operation}")
    for key, value in data.get("data", {}).items():
        shown.add_row(cell(key), cell(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    state.print(shown)


# ---------------------------------------------------------------------------- accounts


@cli.command()
@common_options
@handle_errors
def accounts() -> None:
    """The config file's named accounts (masked) and which account a command would use."""
    from smsbridge.cli.accounts import config_path, load_config, resolve_source
    from smsbridge.config import mask_url

    state = State.get()
    path = config_path()
    data = load_config(path)
    default = data.get("default")
    named = []
    for name, entry in sorted(data.get("accounts", {}).items()):
        shown_url = mask_url(entry["url"]) if "url" in entry else f"{entry.get('provider', '?')}://(from dict)"
        named.append({"name": name, "url": shown_url, "default": name == default})
    source = resolve_source(state.url, state.account_name, required=False)
    current = source.origin if source is not None else None
    if state.json:
        state.emit_json({"config": str(path), "exists": path.is_file(), "accounts": named, "current": current})
        return
    state.print(cell(f"config file: {path}" + ("" if path.is_file() else " (not created yet)")))
    shown = table("Name", "URL", "Default")
    for entry in named:
        shown.add_row(cell(entry["name"]), cell(entry["url"]), cell("yes" if entry["default"] else ""))
    state.print(shown)
    state.print(cell(f"commands use: {current}" if current else "no account configured (see --help)"))


cli.add_command(jobs)
cli.add_command(ledger)
cli.add_command(receiver)
cli.add_command(serve)
cli.add_command(dev)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="smsbridge")
