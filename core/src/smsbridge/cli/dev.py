"""``smsbridge dev``: the local provider emulator with its web inbox (smsbridge.devserver).

aiohttp is an optional extra: it is imported inside the command, and its absence is a usage
error (exit 2) that says what to install.
"""

from __future__ import annotations

import sys

import click

__all__ = ["dev"]

_MISSING = "smsbridge dev needs aiohttp: pip install 'smsbridge[devserver]'"


def _http_url(value: str | None, name: str) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter(f"{value!r} is not an http(s) URL", param_hint=name)
    return value


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8025, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--db", "db", metavar="PATH", default=None, help="Keep messages in this SQLite file (default: in memory)."
)
@click.option("--report-url", metavar="URL", default=None, help="Where delivery reports go when a send names no URL.")
@click.option("--inbound-url", metavar="URL", default=None, help="Where simulated received messages are posted.")
@click.option(
    "--report-delay", type=click.FloatRange(0, 3600), default=0.5, show_default=True, help="Seconds until a report."
)
@click.option("--max-messages", type=click.IntRange(1), default=10_000, show_default=True, help="Newest messages kept.")
def dev(
    port: int,
    db: str | None,
    report_url: str | None,
    inbound_url: str | None,
    report_delay: float,
    max_messages: int,
) -> None:
    """Run a local provider emulator with a web inbox (binds 127.0.0.1 only).

    Point an account at it, e.g. aspsms://KEY:PW@127.0.0.1:8025?plain_http=yes: it answers
    each provider's real API, shows every message in the inbox, simulates delivery reports
    and received messages, and fails on purpose by rule.  Ctrl-C stops it.
    """
    _http_url(report_url, "--report-url")
    _http_url(inbound_url, "--inbound-url")
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        click.echo(_MISSING, err=True)
        raise click.exceptions.Exit(2) from None
    from smsbridge.devserver.app import example_url
    from smsbridge.devserver.runner import HOST, serve

    def started(bound: int) -> None:
        from smsbridge.devserver.registry import load_profiles

        host = f"{HOST}:{bound}"
        click.echo(f"smsbridge dev: inbox at http://{host}/  (REST API: http://{host}/api/v1/)")
        for profile in load_profiles():
            click.echo(f"  {profile.id:<12} {example_url(profile, host)}")
        click.echo("Ctrl-C to stop.")
        sys.stdout.flush()

    try:
        serve(
            port,
            started=started,
            db=db or ":memory:",
            report_url=report_url,
            inbound_url=inbound_url,
            report_delay=report_delay,
            max_messages=max_messages,
        )
    except OSError as exc:
        click.echo(f"smsbridge dev: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
        raise click.exceptions.Exit(2) from None
