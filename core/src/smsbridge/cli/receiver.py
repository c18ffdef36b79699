"""``smsbridge receiver ...`` and ``smsbridge serve``: the callback receiver from the command line.

The accounts served and their tokens come from the ``[receiver]`` table of the config file
(``smsbridge.receiver.config``).  ``receiver token`` makes a token, ``receiver url ACCOUNT``
prints what to give the provider, ``receiver check`` builds the receiver (every check it
makes at start-up), ``receiver inbound`` lists received messages and ``receiver purge``
deletes old ones.  ``serve`` runs it with uvicorn (the ``smsbridge[serve]`` extra), bound to
127.0.0.1 unless told otherwise: TLS is the reverse proxy's job (docs/receiving.md).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import quote

import click

from smsbridge.cli.state import State, cell, common_options, handle_errors, table

__all__ = ["receiver", "serve"]

LEDGER_OPTION = click.option(
    "--ledger",
    "ledger_url",
    metavar="URL",
    help="The ledger (default: [receiver] ledger, else SMSBRIDGE_LEDGER, else the default file).",
)


@click.group()
def receiver() -> None:
    """The callback receiver: tokens, the URLs to give providers, stored messages."""


def _settings(only: tuple[str, ...] | None = None) -> Any:
    from smsbridge.cli.accounts import config_path, load_config
    from smsbridge.receiver.config import load_settings

    path = config_path()
    return load_settings(load_config(path), path, only=only)


@receiver.command("token")
@common_options
@handle_errors
def token() -> None:
    """Print a new receiver token (128 random bits) for [receiver.accounts.NAME]."""
    from smsbridge.receiver import new_token

    state = State.get()
    value = new_token()
    if state.json:
        state.emit_json({"token": value})
    else:
        click.echo(value)


def _endpoint_urls(name: str, entry: Any, public_url: str) -> list[dict[str, Any]]:
    from smsbridge.errors import ConfigurationError
    from smsbridge.receiver import routing

    account = entry.connected()
    spec = account.callback_spec()
    out = []
    for kind, setup in spec.kinds.items():
        url = routing.callback_url(public_url, name, kind, entry.token, setup)
        if spec.max_url_length is not None and len(url) > spec.max_url_length:
            raise ConfigurationError(
                f"the {kind.value} URL for {name} has {len(url)} characters; {account.provider} takes at most "
                f"{spec.max_url_length}",
                provider=account.provider,
                hint="shorten public_url or the account's name in [receiver.accounts]",
            )
        out.append(
            {
                "kind": kind.value,
                "url": url,
                "where": setup.where,
                "options": dict.fromkeys(setup.options, url),
                "length": len(url),
                "max_length": spec.max_url_length,
                "signed": spec.verify is not None,
                "signature": spec.signature or None,
                "reply": {"status": spec.reply.status, "body": spec.reply.body.decode("utf-8", "replace")},
            }
        )
    account.close()
    return out


@receiver.command("url")
@common_options
@click.argument("name", metavar="ACCOUNT")
@click.option("--public-url", metavar="URL", help="The address providers call (default: [receiver] public_url).")
@handle_errors
def url(name: str, public_url: str | None) -> None:
    """The URL(s) to give ACCOUNT's provider, and where they go.

    The URL holds the account's receiver token: treat it as a secret.
    """
    from smsbridge.errors import ConfigurationError

    state = State.get()
    settings = _settings((name,))
    base = public_url or settings.public_url
    if not base:
        raise ConfigurationError(
            "no public URL: set public_url in [receiver] or pass --public-url",
            hint="the https:// address of the receiver as providers reach it (the reverse proxy's)",
        )
    entry = settings.accounts[name]
    urls = _endpoint_urls(name, entry, base)
    if state.json:
        state.emit_json({"account": name, "urls": urls})
        return
    for item in urls:
        what = "delivery reports" if item["kind"] == "status" else "received messages"
        click.echo(f"{name}: {what}")
        click.echo(f"  {item['url']}")
        if item["options"]:
            click.echo(f"  {item['where']}; add to the account URL:")
            click.echo(
                "    " + "&".join(f"{option}={quote(value, safe='')}" for option, value in item["options"].items())
            )
        elif item["where"]:
            click.echo(f"  {item['where']}")
        if item["max_length"]:
            click.echo(f"  {item['length']} of at most {item['max_length']} characters")
        if item["signed"]:
            click.echo(f"  signed by the provider: {item['signature']}")


@receiver.command("check")
@common_options
@LEDGER_OPTION
@handle_errors
def check(ledger_url: str | None) -> None:
    """Build the receiver from the config file, with every check it makes at start-up."""
    from smsbridge.receiver import Receiver

    state = State.get()
    settings = _settings()
    built = Receiver(
        settings.accounts,
        ledger=ledger_url or settings.ledger,
        max_body=settings.max_body,
        trusted_proxies=settings.trusted_proxies,
    )
    try:
        ledger = built.writer.open()
        rows: list[dict[str, Any]] = [
            {
                "account": name,
                "provider": endpoint.provider,
                "kinds": [k.value for k in endpoint.spec.kinds],
                "signed": endpoint.spec.verify is not None,
                "basic_auth": endpoint.basic is not None,
                "allow": [str(n) for n in endpoint.allow],
            }
            for name, endpoint in sorted(built.endpoints.items())
        ]
        data = {"ledger": ledger.url, "listen": settings.listen, "public_url": settings.public_url, "accounts": rows}
    finally:
        built.close()
    if state.json:
        state.emit_json(data)
        return
    shown = table("Account", "Provider", "Callbacks", "Checks")
    for row in rows:
        checks = ["token"] + (["signature"] if row["signed"] else []) + (["basic auth"] if row["basic_auth"] else [])
        checks += [f"from {', '.join(row['allow'])}"] if row["allow"] else []
        shown.add_row(
            cell(row["account"]), cell(row["provider"]), cell(", ".join(row["kinds"])), cell(", ".join(checks))
        )
    state.print(shown)
    state.print(cell(f"ledger {data['ledger']}; listens on {data['listen']}; public URL {data['public_url'] or '-'}"))


@receiver.command("inbound")
@common_options
@LEDGER_OPTION
@click.option("--name", "account_name", metavar="ACCOUNT", help="Only messages received for this receiver account.")
@click.option("--since", metavar="AGE", help="Only messages stored within AGE (30m, 12h, 7d).")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@handle_errors
def inbound(ledger_url: str | None, account_name: str | None, since: str | None, limit: int) -> None:
    """Messages the receiver stored, oldest first."""
    import itertools
    import time

    from smsbridge.cli.jobs import parse_age
    from smsbridge.json_output import to_dict
    from smsbridge.ledger import open_ledger

    state = State.get()
    start = time.time() - parse_age(since) if since else None
    with open_ledger(ledger_url) as ledger:
        messages = list(itertools.islice(ledger.inbound(account=account_name, since=start), limit))
    if state.json:
        state.emit_json({"messages": [to_dict(m) for m in messages]})
        return
    shown = table("Account", "From", "To", "Stored", "Text")
    for m in messages:
        stored = m.stored_at.isoformat(timespec="seconds")
        shown.add_row(cell(m.account), cell(m.sender), cell(m.recipient), cell(stored), cell(m.text))
    state.print(shown)
    state.print(cell(f"{len(messages)} message(s)"))


@receiver.command("purge")
@common_options
@LEDGER_OPTION
@click.option("--older-than", "age", required=True, metavar="AGE", help="Delete messages stored longer ago: 30d, 2w.")
@handle_errors
def purge(ledger_url: str | None, age: str) -> None:
    """Delete received messages (numbers and texts: personal data) stored more than AGE ago."""
    from smsbridge.cli.jobs import parse_age
    from smsbridge.ledger import open_ledger

    state = State.get()
    with open_ledger(ledger_url) as ledger:
        deleted = ledger.purge_inbound(parse_age(age))
    if state.json:
        state.emit_json({"deleted": deleted})
    else:
        state.print(cell(f"{deleted} received message(s) deleted"))


def _server_logging(state: State, access_log: bool) -> None:
    """Plain timestamped lines on stderr (a server's log, read by journald or a file), redacted
    like every CLI log: the table-style handler the other commands use is too slow for a flood
    of refused requests."""
    import logging
    import sys

    from smsbridge.cli.state import _RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter(state))
    logger = logging.getLogger("smsbridge")
    for previous in list(logger.handlers):
        logger.removeHandler(previous)
    logger.addHandler(handler)
    logger.propagate = False
    logging.getLogger("smsbridge.receiver").setLevel(logging.INFO)
    logging.getLogger("smsbridge.receiver.access").setLevel(logging.INFO if access_log else logging.WARNING)


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (e.g. 127.0.0.1:8025)", param_hint="--listen")
    return host.strip("[]") or "127.0.0.1", int(port)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@common_options
@click.option(
    "--listen", metavar="HOST:PORT", help="Where to listen (default: [receiver] listen, else 127.0.0.1:8025)."
)
@LEDGER_OPTION
@click.option("--root-path", default="", metavar="PREFIX", help="The path prefix the reverse proxy forwards under.")
@click.option("--access-log", is_flag=True, help="Log every request (tokens masked).")
@handle_errors
def serve(listen: str | None, ledger_url: str | None, root_path: str, access_log: bool) -> None:
    """Run the callback receiver (uvicorn), for the accounts of the config's [receiver] table.

    It listens on 127.0.0.1 unless told otherwise: put a reverse proxy in front for TLS.
    """
    from smsbridge.errors import ConfigurationError
    from smsbridge.receiver import Receiver

    try:
        import uvicorn
    except ImportError:
        raise ConfigurationError(
            "smsbridge serve needs uvicorn",
            hint="pip install 'smsbridge[serve]' (or mount receiver.wsgi/asgi yourself)",
        ) from None
    state = State.get()
    settings = _settings()
    host, port = _listen(listen or settings.listen)
    built = Receiver(
        settings.accounts,
        ledger=ledger_url or settings.ledger,
        max_body=settings.max_body,
        trusted_proxies=settings.trusted_proxies,
    )
    built.writer.open()  # a ledger that cannot be opened fails now, not on the first callback
    _server_logging(state, access_log)
    if not _loopback(host):
        state.warn(
            f"listening on {host}, not on loopback: providers must reach it through TLS, "
            "so put a reverse proxy in front (docs/receiving.md)"
        )
    served = ", ".join(
        f"{n} ({e.provider}: {'+'.join(k.value for k in e.spec.kinds)})" for n, e in built.endpoints.items()
    )
    state.warn(f"smsbridge receiver on http://{host}:{port}{root_path} for {served}; ledger {built.writer.ledger.url}")
    config = uvicorn.Config(
        built.asgi,
        host=host,
        port=port,
        root_path=root_path,
        proxy_headers=False,  # the receiver reads X-Forwarded-For itself, from trusted_proxies only
        server_header=False,
        access_log=False,  # uvicorn's would print the token; the receiver logs masked paths
        log_config=None,
        lifespan="on",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        built.close()
