"""Per-invocation state of the command line: options every command shares, the account, output.

Every command takes ``--url``, ``--account``, ``--json`` and ``-v``; they may also be given
before the command name (``smsbridge --json balance``).  The account is opened lazily, once,
and closed when the command ends.  All printing goes through here so that one place decides
stdout versus stderr, tables versus JSON, and redaction.
"""

from __future__ import annotations

import enum
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from smsbridge.errors import (
    ConfigurationError,
    LedgerError,
    LedgerUnavailableError,
    SmsBridgeError,
    UnsupportedOperationError,
)

if TYPE_CHECKING:
    from rich.console import Console

    from smsbridge.cli.accounts import AccountSource

__all__ = ["ExitCode", "State", "common_options", "handle_errors"]

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    """The documented exit codes (see docs/cli.md)."""

    OK = 0  # every recipient accepted / the operation succeeded
    ERROR = 1  # the provider refused or the transport failed
    USAGE = 2  # bad command line, configuration, or input refused before any request
    PARTIAL = 3  # the command ran, but some recipients were rejected or have an unknown outcome
    INTERRUPTED = 130  # Ctrl-C (bulk records what it knows first)


def exit_with(code: ExitCode) -> None:
    """End the command with ``code`` (nothing to do for ``OK``)."""
    if code is not ExitCode.OK:
        raise click.exceptions.Exit(int(code))


class _RedactingFilter(logging.Filter):
    """Runs every log record through the redactors of the accounts opened so far."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.state.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.state.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class State:
    """Options, account and output for one invocation (stored as ``ctx.obj``)."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.account_name: str | None = None
        self.json = False
        self.verbose = 0
        self._account: Any = None
        self._source: AccountSource | None = None
        self._redactors: list[Callable[[str], str]] = []
        self._console: Console | None = None
        self._err_console: Console | None = None
        self._handler: logging.Handler | None = None

    @classmethod
    def get(cls) -> State:
        return click.get_current_context().ensure_object(cls)

    # ------------------------------------------------------------------ redaction and logs

    def redact(self, text: str) -> str:
        """Remove every known credential from ``text``: the source's, then the accounts' redactors."""
        for redactor in self._redactors:
            text = redactor(text)
        return text

    def setup_logging(self) -> None:
        """Route smsbridge's logs through rich on stderr, redacted; ``-v`` shows debug lines.

        Installed even without ``-v`` (at WARNING) so that Python's last-resort handler, which
        would print unredacted text, is never used.
        """
        level = logging.DEBUG if self.verbose else logging.WARNING
        if self._handler is None:
            from rich.logging import RichHandler

            handler = RichHandler(console=self.err_console, show_path=False, show_time=bool(self.verbose), markup=False)
            handler.addFilter(_RedactingFilter(self))
            self._handler = handler
            for name in ("smsbridge", "urllib3"):
                logger = logging.getLogger(name)
                logger.addHandler(handler)
                logger.propagate = False
            click.get_current_context().call_on_close(self._remove_logging)
        for name in ("smsbridge", "urllib3"):
            logging.getLogger(name).setLevel(level if name == "smsbridge" or self.verbose > 1 else logging.WARNING)

    def _remove_logging(self) -> None:
        if self._handler is not None:
            for name in ("smsbridge", "urllib3"):
                logger = logging.getLogger(name)
                logger.removeHandler(self._handler)
                logger.propagate = True
                logger.setLevel(logging.NOTSET)
            self._handler = None

    # ------------------------------------------------------------------ account

    def source(self, *, required: bool = True) -> AccountSource | None:
        from smsbridge.cli.accounts import resolve_source

        if self._source is None:
            self._source = resolve_source(self.url, self.account_name, required=required)
            if self._source is not None:
                from smsbridge.redaction import Redactor

                self._redactors.append(Redactor(self._source.raw_secrets))
        return self._source

    def account(self, *, required: bool = True) -> Any:
        """The account (``Account`` or ``FailoverAccount``), opened on first use."""
        if self._account is not None:
            return self._account
        source = self.source(required=required)
        if source is None:
            return None
        from smsbridge.cli.accounts import with_console_on_stderr
        from smsbridge.client import connect

        value = with_console_on_stderr(source.value) if isinstance(source.value, str) else source.value
        account = connect(value)
        for member in getattr(account, "accounts", [account]):
            self._redactors.append(member.ctx.redact)
        logging.getLogger("smsbridge.cli").debug("account %s (from %s)", masked_url(account), source.origin)
        click.get_current_context().call_on_close(account.close)
        self._account = account
        return account

    # ------------------------------------------------------------------ output

    @property
    def console(self) -> Console:
        """rich console on stdout: tables and summaries (the command's result)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False, soft_wrap=False)
        return self._console

    @property
    def err_console(self) -> Console:
        """rich console on stderr: warnings, errors, progress, logs."""
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._err_console

    def emit_json(self, data: Any) -> None:
        """One JSON document on stdout.

        A command's result is printed as the provider gave it (what the user asked for is
        output: a new token from an admin operation, a received text); it never holds a raw
        reply, and URLs in it are masked.  Error texts are redacted before they get here.
        """
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))

    def print(self, *renderables: Any) -> None:
        self.console.print(*renderables)

    def warn(self, message: str) -> None:
        from rich.text import Text

        self.err_console.print(Text(self.redact(message), style="yellow"))

    def fail(self, exc: SmsBridgeError) -> NoReturn:
        """Report ``exc`` (stderr, and stdout as JSON with ``--json``) and exit with its code."""
        from rich.text import Text

        code = exit_code_for(exc)
        prefix = f"[{exc.provider}] " if exc.provider else ""
        details = []
        for attr, label in (("code", "code "), ("http_status", "HTTP ")):
            value = getattr(exc, attr, None)
            if value is not None and not (attr == "http_status" and value == 200):
                details.append(f"{label}{value}")
        message = self.redact(f"{prefix}{exc.message}" + (f" [{', '.join(details)}]" if details else ""))
        hint = self.redact(exc.hint) if exc.hint else None
        if self.json:
            self.emit_json(
                {
                    "error": {
                        "type": type(exc).__name__,
                        "message": message,
                        "hint": hint,
                        "provider": exc.provider,
                        "code": getattr(exc, "code", None),
                        "outcome": exc.outcome.value,
                    },
                    "exit_code": int(code),
                }
            )
        out = Text()
        out.append("error: ", style="bold red")
        out.append(message)
        if hint:
            out.append("\n  hint: ", style="bold")
            out.append(hint)
        self.err_console.print(out)
        raise SystemExit(int(code))


def masked_url(account: Any) -> str:
    """An account's URL, masked; a failover group shows every member masked.

    The ``stream=stderr`` the CLI adds to ``console://`` (see ``with_console_on_stderr``)
    is left out: the user did not write it.
    """
    members = getattr(account, "accounts", None)
    urls = [str(m.url) for m in members] if members is not None else [str(account.url)]
    urls = [u.replace("?stream=stderr", "").replace("&stream=stderr", "") for u in urls]
    return f"failover({' '.join(urls)})" if members is not None else urls[0]


def exit_code_for(exc: SmsBridgeError) -> ExitCode:
    """Configuration errors, input the account refuses before sending, and missing operations
    are the user's to fix (2); everything the provider or the network did is 1."""
    if isinstance(exc, (ConfigurationError, UnsupportedOperationError)):
        return ExitCode.USAGE
    if isinstance(exc, LedgerError) and not isinstance(exc, LedgerUnavailableError):
        return ExitCode.USAGE  # a busy, unknown or different job: the user's to sort out
    if getattr(exc, "before_request", False):
        return ExitCode.USAGE
    return ExitCode.ERROR


def handle_errors(func: F) -> F:
    """Turn smsbridge errors into a message and the documented exit code."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = State.get()
        state.setup_logging()
        try:
            return func(*args, **kwargs)
        except SmsBridgeError as exc:
            state.fail(exc)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # the reader went away (`smsbridge jobs export NAME | head`): not an error of ours
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(int(ExitCode.ERROR)) from None
        except Exception as exc:
            # A plugin bug.  Python's own traceback would print unredacted text: log it
            # through the redacting handler instead (shown with -v) and exit 1.
            logging.getLogger("smsbridge.cli").debug("unexpected error", exc_info=True)
            state.fail(
                SmsBridgeError(
                    f"unexpected {type(exc).__name__}: {exc}",
                    hint="this is a bug in smsbridge or a plugin; -v shows the traceback",
                )
            )

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------- shared options


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or value is False or value == 0:
            return  # given before the command name, or not at all: keep what is there
        state = ctx.ensure_object(State)
        if attr == "verbose":
            state.verbose += int(value)
        else:
            setattr(state, attr, value)

    return callback


def common_options(func: F) -> F:
    """``--url``, ``--account``, ``--json`` and ``-v``, stored on the shared ``State``."""
    options = [
        click.option(
            "--url",
            metavar="URL",
            expose_value=False,
            callback=_store("url"),
            help="Account URL, e.g. console:// (overrides SMSBRIDGE_URL and the config file).",
        ),
        click.option(
            "--account",
            "-a",
            "account_name",
            metavar="NAME",
            expose_value=False,
            callback=_store("account_name"),
            help="Named account from the config file.",
        ),
        click.option(
            "--json",
            "json_output",
            is_flag=True,
            default=False,
            expose_value=False,
            callback=_store("json"),
            help="Print JSON for scripts instead of tables.",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            expose_value=False,
            callback=_store("verbose"),
            help="Debug logging on stderr, credentials redacted (-vv adds HTTP internals).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def table(*columns: str, title: str | None = None) -> Any:
    """A rich table in the CLI's house style."""
    from rich import box
    from rich.table import Table

    result = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False, show_edge=False)
    for column in columns:
        result.add_column(column, overflow="fold")
    return result


def cell(value: Any) -> Any:
    """A table cell that shows ``value`` literally (no rich markup from provider text)."""
    from rich.text import Text

    if value is None:
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, enum.Enum):
        value = value.value
    return Text(str(value))


def styled_status(status: Any) -> Any:
    from rich.text import Text

    value = status.value if isinstance(status, enum.Enum) else str(status)
    style = {"accepted": "green", "delivered": "green", "rejected": "red", "failed": "red", "unknown": "yellow"}
    return Text(value, style=style.get(value, ""))


def join(items: Iterable[str]) -> str:
    return ", ".join(items) or "-"


def stdin_text() -> str:
    """The text piped on stdin, without the final newline a shell adds."""
    data = sys.stdin.read()
    return data[:-1] if data.endswith("\n") else data
