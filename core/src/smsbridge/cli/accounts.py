"""Where the command line finds its account: ``--url``, ``--account``, ``SMSBRIDGE_URL``, config file.

Precedence, first match wins:

1. ``--url URL`` on the command line;
2. ``--account NAME``: the named account of the config file;
3. the ``SMSBRIDGE_URL`` environment variable;
4. the config file's ``default`` account.

The config file is TOML, at ``SMSBRIDGE_CONFIG`` or ``<user config dir>/smsbridge/config.toml``::

    default = "shop"

    [accounts.shop]
    url = "aspsms://USERKEY:PASSWORD@default?sender=Shop"

    [accounts.backup]            # the dict form of an account
    provider = "memory"

Nothing here ever puts an unmasked URL in a message: an account URL holds credentials.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from smsbridge.config import parse_url
from smsbridge.errors import ConfigurationError, SmsBridgeError

__all__ = [
    "CONFIG_ENV",
    "URL_ENV",
    "AccountSource",
    "config_path",
    "load_config",
    "resolve_source",
    "with_console_on_stderr",
]

URL_ENV = "SMSBRIDGE_URL"
CONFIG_ENV = "SMSBRIDGE_CONFIG"


@attrs.frozen
class AccountSource:
    """What to pass to ``smsbridge.connect`` and where it came from (for messages)."""

    value: str | Mapping[str, Any] = attrs.field(repr=False)
    origin: str  # "--url", "--account shop", "SMSBRIDGE_URL", "config default 'shop'"
    name: str | None = None  # the config file's account name, when it came from there

    @property
    def raw_secrets(self) -> list[str]:
        """The source's credentials, to redact before an account exists.

        The core masks URLs in its own errors; this is a second net for anything else
        (a plugin's exception text) printed before the account and its redactor are built.
        Only secrets: a user name is not one unless the provider's config says so, so that
        it is not masked wherever it appears in output (an e-mail address, a message text).
        """
        from smsbridge.config import split_failover

        if isinstance(self.value, Mapping):
            secret = _secret_names(str(self.value.get("provider", "")))
            return [str(v) for k, v in self.value.items() if isinstance(v, str) and _is_secret(k, secret)]
        found: list[str] = []
        for text in split_failover(self.value):
            try:
                url = parse_url(text)
            except ConfigurationError:
                found.extend(_userinfo_guess(text))
                continue
            secret = _secret_names(url.provider)
            if url.password:
                found.append(url.password)
            if url.user and secret is not None and "user" in secret:
                found.append(url.user)
            found.extend(v for k, v in url.options.items() if _is_secret(k, secret))
        return [v for v in found if v]


_SECRETISH = re.compile(r"pass|token|key|secret|auth|pwd", re.I)


def _secret_names(provider_id: str) -> frozenset[str] | None:
    """The provider's secret option names, plus ``"user"`` when its user part is a secret;
    ``None`` when the provider is not available (then secret-looking names count)."""
    from smsbridge.config import secret_option_names, secret_url_parts
    from smsbridge.plugins import get_registry

    try:
        spec, _ = get_registry().provider(provider_id)
    except SmsBridgeError:
        return None
    return secret_option_names(spec.config_class) | (secret_url_parts(spec.config_class) & {"user"})


def _is_secret(key: str, secret: frozenset[str] | None) -> bool:
    return key in secret if secret is not None else bool(_SECRETISH.search(key))


def _userinfo_guess(text: str) -> list[str]:
    """What may be the password of a URL too malformed to parse: after the user, up to the last '@'."""
    from urllib.parse import unquote

    rest = text.partition("://")[2]
    userinfo = rest.rpartition("@")[0]
    password = userinfo.partition(":")[2]
    return [p for p in (password, unquote(password)) if p]


def config_path() -> Path:
    """The config file path: ``SMSBRIDGE_CONFIG`` or the platform's user config directory."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("smsbridge")) / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The parsed config file, or ``{}`` when there is none.  A broken file is an error, not ``{}``."""
    path = path or config_path()
    if not path.is_file():
        if os.environ.get(CONFIG_ENV):
            raise ConfigurationError(
                f"{CONFIG_ENV} points to {path}, which is not a file", hint=f"unset {CONFIG_ENV} or create the file"
            )
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, no-redef]
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # the decoder names line and column, never the value: safe to show
        raise ConfigurationError(f"the config file {path} is not valid TOML: {exc}", hint=_EXAMPLE_HINT) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc.strerror}") from None
    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict) or not all(isinstance(v, dict) for v in accounts.values()):
        raise ConfigurationError(
            f"in {path}, 'accounts' must be tables such as [accounts.shop] with a url", hint=_EXAMPLE_HINT
        )
    return data


_EXAMPLE_HINT = 'e.g. default = "shop" then [accounts.shop] with url = "console://"'


def _entry_source(data: Mapping[str, Any], name: str, origin: str, path: Path) -> AccountSource:
    accounts: Mapping[str, Any] = data.get("accounts", {})
    entry = accounts.get(name)
    if entry is None:
        known = ", ".join(sorted(accounts)) or "none"
        raise ConfigurationError(f"no account named {name!r} in {path}; accounts there: {known}", hint=_EXAMPLE_HINT)
    if "url" in entry:
        url = entry["url"]
        if not isinstance(url, str):
            raise ConfigurationError(f"in {path}, accounts.{name}.url must be a string")
        extra = sorted(set(entry) - {"url", "description"})
        if extra:
            raise ConfigurationError(f"in {path}, accounts.{name} has a url and also {', '.join(extra)}: use one form")
        return AccountSource(url, origin, name)
    if "provider" in entry:
        return AccountSource({k: v for k, v in entry.items() if k != "description"}, origin, name)
    raise ConfigurationError(f"in {path}, accounts.{name} has neither 'url' nor 'provider'", hint=_EXAMPLE_HINT)


def resolve_source(url: str | None, account: str | None, *, required: bool = True) -> AccountSource | None:
    """Pick the account source by the documented precedence.

    With ``required=False`` (``smsbridge estimate`` works without an account) ``None`` is
    returned when nothing is configured; otherwise a ``ConfigurationError`` explains how to
    configure one.
    """
    if url is not None and account is not None:
        raise ConfigurationError("give either --url or --account, not both")
    if url is not None:
        return AccountSource(url, "--url")
    path = config_path()
    if account is not None:
        return _entry_source(load_config(path), account, f"--account {account}", path)
    env = os.environ.get(URL_ENV)
    if env:
        return AccountSource(env, URL_ENV)
    data = load_config(path)
    default = data.get("default")
    if default is not None:
        if not isinstance(default, str):
            raise ConfigurationError(f"in {path}, 'default' must be the name of an account")
        return _entry_source(data, default, f"config default {default!r}", path)
    if not required:
        return None
    raise ConfigurationError("no account to use", hint=missing_account_help(path))


def missing_account_help(path: Path) -> str:
    """How to configure an account; shown whenever none is given."""
    return (
        "give one with --url, for instance\n"
        '    smsbridge send --url console:// +41791234567 "Hello"\n'
        "  (console:// prints messages instead of sending them: good for trying things out),\n"
        f"  or set {URL_ENV}, or name accounts in {path}:\n"
        '    default = "shop"\n'
        "    [accounts.shop]\n"
        '    url = "aspsms://USERKEY:PASSWORD@default?sender=Shop"\n'
        "  and pick one with --account NAME.  `smsbridge providers` lists the installed providers."
    )


def with_console_on_stderr(source: str) -> str:
    """Make ``console://`` print its messages on stderr unless the URL chose a stream.

    Why: the command's own output (receipts, ``--json``) goes to stdout, where scripts read
    it; the console provider's rendering of the SMS is for the eyes and belongs with the
    other diagnostics.  On a terminal both show, in order.
    """
    from smsbridge.config import split_failover

    try:
        parts = split_failover(source)
    except ConfigurationError:
        return source
    changed = []
    for part in parts:
        try:
            url = parse_url(part)
        except ConfigurationError:
            changed.append(part)
            continue
        if url.provider == "console" and "stream" not in url.options:
            part = part + ("&" if "?" in part else "?") + "stream=stderr"
        changed.append(part)
    if changed == parts:
        return source
    return changed[0] if len(changed) == 1 else f"failover({' '.join(changed)})"
