"""The send ledger: a durable record of every bulk send, written ahead of the wire.

A job is a text and options sent to a list of recipients; the ledger holds one row per
recipient and moves it through ``pending → claimed → accepted / rejected / not_sent /
unknown`` (and on to ``delivered / failed / expired`` from delivery reports).  A request's
recipients are claimed in a committed transaction *before* it leaves, and get their outcome
in another *after* it: a crash, a kill or a second run can therefore never send a recipient
twice, and every recipient ends with exactly one outcome.  See ``docs/ledger.md``.

>>> import smsbridge
>>> ledger = smsbridge.open_ledger("sqlite:///ledger.db")  # doctest: +SKIP
>>> account.bulk_send(numbers, "Hi!", job="spring-sale", ledger=ledger)  # doctest: +SKIP
>>> ledger.job("spring-sale").counts()  # doctest: +SKIP
{'accepted': 1998, 'rejected': 2}

Storage: SQLite (the default: ``SMSBRIDGE_LEDGER``, else ``ledger.db`` in the user data
folder) or PostgreSQL (``postgresql://user@host/db``, with ``pip install 'smsbridge[postgres]'``)
for several processes or machines.  It never holds a credential; it does hold phone numbers
and texts (personal data): ``Ledger.purge`` / ``smsbridge jobs purge`` delete old jobs.
"""

from __future__ import annotations

import collections
import os
import threading
from pathlib import Path
from typing import Any

from smsbridge.errors import ConfigurationError
from smsbridge.ledger.database import connect_database
from smsbridge.ledger.jobs import Job
from smsbridge.ledger.models import JobInfo, LedgerRow
from smsbridge.ledger.states import RowState
from smsbridge.ledger.store import Ledger

__all__ = [
    "LEDGER_ENV",
    "Job",
    "JobInfo",
    "Ledger",
    "LedgerRow",
    "RowState",
    "default_ledger_url",
    "open_ledger",
    "resolve_ledger",
    "shared_ledger",
]

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
