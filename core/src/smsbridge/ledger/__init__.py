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

from smsbridge.ledger.jobs import Job
from smsbridge.ledger.models import JobInfo, LedgerRow
from smsbridge.ledger.opening import LEDGER_ENV, default_ledger_url, open_ledger, resolve_ledger, shared_ledger
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
