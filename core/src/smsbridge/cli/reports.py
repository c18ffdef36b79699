"""``smsbridge status --job NAME --stale 1h``: the polling backstop for a job's delivery reports."""

from __future__ import annotations

from typing import Any

from smsbridge.cli.state import ExitCode, State, cell, masked_url, table

__all__ = ["refresh_job"]

#: the states a row can have once sent, in the order the table shows them
_SHOWN = ("delivered", "failed", "expired", "accepted", "unknown", "rejected", "not_sent", "pending", "claimed")


def refresh_job(state: State, job: str, stale: float, ledger_url: str | None) -> None:
    """Poll the provider for ``job``'s rows without a final status; print what changed."""
    import click

    from smsbridge.ledger import open_ledger

    account = state.account()
    members = list(getattr(account, "accounts", [account]))  # a failover group: each member its rows
    with open_ledger(ledger_url) as ledger:
        handle = ledger.job(job)
        summaries = [handle.refresh_status(member, stale=stale) for member in members]
        ledger_shown = ledger.url
    last = summaries[-1]
    error = next((s.error for s in summaries if s.error is not None), None)
    data: dict[str, Any] = {
        "job": job,
        "account": masked_url(account),
        "ledger": ledger_shown,
        "stale_seconds": stale,
        "asked": sum(s.asked for s in summaries),
        "requests": sum(s.requests for s in summaries),
        "changed": sum(s.changed for s in summaries),
        "final": sum(s.final for s in summaries),
        "skipped": min(s.skipped for s in summaries),
        "counts": dict(sorted(last.counts.items())),
        "error": None if error is None else state.redact(str(error)),
    }
    if state.json:
        state.emit_json(data)
    else:
        state.print(cell(f"Job {job} via {data['account']}: delivery status polled"))
        grid = table("", "")
        grid.show_header = False
        for label, value in (
            ("asked about", f"{data['asked']} message id(s) in {data['requests']} request(s)"),
            ("changed", f"{data['changed']} row(s), {data['final']} of them now final"),
            ("left out", f"{data['skipped']} open row(s): other provider, no message id, or sent too recently"),
        ):
            grid.add_row(cell(label), cell(value))
        state.print(grid)
        shown = table("State", "Rows")
        counts = data["counts"]
        for key in (*_SHOWN, *sorted(set(counts) - set(_SHOWN))):
            if counts.get(key):
                shown.add_row(cell(key), cell(counts[key]))
        state.print(shown)
    if error is not None:
        state.warn(f"stopped early: {error}; what was asked before is recorded, run it again later")
        raise click.exceptions.Exit(int(ExitCode.ERROR))
