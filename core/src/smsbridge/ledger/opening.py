"""Which ledger a caller means, and opening it: ``SMSBRIDGE_LEDGER``, the default file, a URL,
a ``Ledger`` given as it is, one shared ledger per process and URL.

Its own module (re-exported by ``smsbridge.ledger``) so that the runner and single sends
reach it without importing the package, whose ``__init__`` imports the store and the jobs.
"""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path
from typing import Any

from smsbridge.errors import ConfigurationError
from smsbridge.ledger.database import connect_database
from smsbridge.ledger.store import Ledger

__all__ = ["LEDGER_ENV", "default_ledger_url", "open_ledger", "resolve_ledger", "shared_ledger"]

LEDGER_ENV = "SMSBRIDGE_LEDGER"


def default_ledger_url() -> str:
    """``SMSBRIDGE_LEDGER``, else ``ledger.db`` in the user data folder (created if missing)."""
    configured = os.environ.get(LEDGER_ENV, "").strip()
    if configured:
        return configured
    import platformdirs

    folder = Path(platformdirs.user_data_dir("smsbridge"))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return str(folder / "ledger.db")


def open_ledger(url: str | os.PathLike[str] | None = None) -> Ledger:
    """Open (and on first use create) the ledger at ``url``.

    ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, a plain file path, or
    ``postgresql://user@host/db``; ``None``: ``SMSBRIDGE_LEDGER`` or the default file.
    """
    text = os.fspath(url) if url is not None else default_ledger_url()
    if not text:
        raise ConfigurationError("the ledger URL is empty", hint="e.g. sqlite:///ledger.db")
    return Ledger(connect_database(text))


_SHARED: collections.OrderedDict[tuple[int, str], Ledger] = collections.OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 16


def shared_ledger(url: str | None = None) -> Ledger:
    """The ledger at ``url`` (``None``: the default), opened once per process and kept open.

    Sends and bulk sends given a URL (or nothing) use this, so that a process sending one
    message at a time does not open the database for each one.  Safe to share between
    threads; a forked process opens its own.
    """
    text = url if url is not None else default_ledger_url()
    key = (os.getpid(), text)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is not None:
            _SHARED.move_to_end(key)
            return found
    opened = open_ledger(text)
    with _SHARED_LOCK:
        found = _SHARED.setdefault(key, opened)
        _SHARED.move_to_end(key)
        while len(_SHARED) > _SHARED_MAX:
            _SHARED.popitem(last=False)  # closed when nothing uses it any more
    if found is not opened:
        opened.close()
    return found


def resolve_ledger(value: Any) -> Ledger:
    """The ledger a caller means: a ``Ledger`` as it is, a URL or ``None`` (the default) shared."""
    if isinstance(value, Ledger):
        return value
    if value is None or isinstance(value, (str, os.PathLike)):
        return shared_ledger(None if value is None else os.fspath(value))
    raise ConfigurationError(f"ledger= takes a Ledger, a ledger URL, None or False, not {type(value).__name__}")
