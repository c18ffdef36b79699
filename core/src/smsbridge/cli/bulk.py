"""``smsbridge bulk``: stream recipients from a file, keep a report, resume without duplicates.

The report is the source of truth.  One line per recipient outcome is appended, and the file
is flushed and fsynced after every provider request, so that whatever stops the run (Ctrl-C,
a crash, a power cut) loses at most the request in flight.  On start the report is read once,
as a stream, into two sets of compact keys:

* recipients **accepted** at least once: never sent again by this report;
* recipients whose latest outcome is **unknown** (a timeout after the request left, an
  interruption while it was in flight): skipped and listed, unless ``--resend-unknown``.

Rejected recipients were certainly not taken, so a re-run sends them again.

Memory: a key is an ``int`` (the digits of the E.164 number; a 56-bit hash for ``@user`` /
``#group`` targets and unreadable entries) kept in a ``KeySet``: a Python set up to 50,000
keys, then an SQLite scratch file, so memory stays flat however large the run.  The input file
itself is never held in memory; only the recipients of the requests in flight are.

Interruptions: the first Ctrl-C lets the request in flight finish, records it and stops;
a second one aborts at once, and the recipients of the interrupted request are recorded
*unknown*, because the provider may have taken them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from smsbridge.errors import ConfigurationError, SmsBridgeError
from smsbridge.models import Receipt, ReceiptStatus

__all__ = [
    "REPORT_FIELDS",
    "BulkOptions",
    "BulkStats",
    "InputError",
    "ReportWriter",
    "ResumeState",
    "count_rows",
    "read_rows",
    "recipient_key",
    "report_format",
    "run_bulk",
]

REPORT_FIELDS = ("recipient", "outcome", "message_id", "reason", "code", "provider", "time")
NUMBER_COLUMNS = ("to", "number", "recipient", "phone", "mobile", "msisdn")
#: request-level errors after which every further request would fail the same way
FATAL_ERRORS = frozenset({"AuthenticationError", "InsufficientCreditError"})


class InputError(ConfigurationError):
    """The recipients file cannot be read (exit code 2); a re-run resumes after the fix."""

    default_hint = "fix the file and run the same command again: the report makes it resume"


# ---------------------------------------------------------------------------- keys


def recipient_key(number: str) -> int:
    """A compact, exact key for a normalised recipient.

    E.164 numbers (``+`` and at most 15 digits) map to their digits as an int: distinct
    numbers, distinct keys.  Anything else (targets, unreadable entries) maps to a negative
    64-bit hash, which cannot meet a number's key.
    """
    if number.startswith("+") and number[1:].isdigit() and len(number) <= 19:
        return int(number[1:])
    digest = hashlib.blake2b(number.encode("utf-8"), digest_size=7).digest()
    return -1 - int.from_bytes(digest, "big")  # within SQLite's 64-bit integers


class KeySet:
    """Recipient keys: a Python ``set`` while small, an SQLite scratch file beyond ``spill_at``.

    Resuming a run means remembering every accepted recipient.  In a ``set`` that costs about
    60 bytes each (60 MB a million), so memory would grow with the run; past ``spill_at``
    keys (a few MB) they move to a temporary SQLite file with a 2 MB page cache, and peak
    memory stays flat however many recipients there are.  Used from one thread.
    """

    def __init__(self, spill_at: int = 50_000) -> None:
        self._memory: set[int] | None = set()
        self._db: Any = None
        self._size = 0
        self._spill_at = spill_at

    def __len__(self) -> int:
        return len(self._memory) if self._memory is not None else self._size

    def __contains__(self, key: object) -> bool:
        if self._memory is not None:
            return key in self._memory
        return self._db.execute("SELECT 1 FROM k WHERE key = ?", (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[int]:
        if self._memory is not None:
            return iter(list(self._memory))
        return (row[0] for row in self._db.execute("SELECT key FROM k").fetchall())

    def add(self, key: int) -> None:
        if self._memory is not None:
            self._memory.add(key)
            if len(self._memory) > self._spill_at:
                self._spill()
            return
        self._size += self._db.execute("INSERT OR IGNORE INTO k VALUES (?)", (key,)).rowcount

    def discard(self, key: int) -> None:
        if self._memory is not None:
            self._memory.discard(key)
        else:
            self._size -= self._db.execute("DELETE FROM k WHERE key = ?", (key,)).rowcount

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def _spill(self) -> None:
        import sqlite3
        import tempfile

        assert self._memory is not None
        fd, path = tempfile.mkstemp(prefix="smsbridge-keys-", suffix=".sqlite")
        os.close(fd)
        db = sqlite3.connect(path, isolation_level=None)
        with contextlib.suppress(OSError):
            os.unlink(path)  # POSIX keeps the open file; nothing is left behind
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000", "temp_store=FILE"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("CREATE TABLE k (key INTEGER PRIMARY KEY)")
        db.execute("BEGIN")  # one long transaction: a scratch file needs no commits
        db.executemany("INSERT INTO k VALUES (?)", ((k,) for k in self._memory))
        self._size = len(self._memory)
        self._memory = None
        self._db = db


# ---------------------------------------------------------------------------- report


def report_format(path: Path) -> str:
    """``csv`` or ``jsonl``, by the report file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ConfigurationError(
        f"cannot tell the report format of {path.name!r} from its extension", hint="name it *.csv or *.jsonl"
    )


@attrs.define
class ResumeState:
    """What an existing report says: who was accepted, whose outcome is unknown."""

    accepted: KeySet = attrs.field(factory=KeySet)
    unknown: KeySet = attrs.field(factory=KeySet)
    lines: int = 0
    damaged: int = 0  # lines that could not be read in full (a crash mid-write)

    @classmethod
    def load(cls, path: Path) -> ResumeState:
        """Read ``path`` once, streaming; a missing or empty report is a fresh start.

        The latest outcome of a recipient counts, except that *accepted* is final: it was
        sent, whatever a later line says.  A damaged line (cut by a crash) whose recipient can
        still be read counts as unknown: the safe side of "was it sent?".
        """
        state = cls()
        if not path.exists():
            return state
        fmt = report_format(path)
        with path.open("r", encoding="utf-8", newline="") as fh:
            rows = _csv_report_rows(fh) if fmt == "csv" else _jsonl_report_rows(fh)
            for recipient, outcome in rows:
                state.lines += 1
                if outcome not in ("accepted", "rejected", "unknown"):
                    state.damaged += 1
                    if recipient is None:
                        continue
                    outcome = "unknown"
                assert recipient is not None
                state.record(recipient_key(recipient), outcome)
        return state

    def record(self, key: int, outcome: str) -> None:
        if outcome == "accepted":
            self.accepted.add(key)
            self.unknown.discard(key)
        elif key not in self.accepted:
            if outcome == "unknown":
                self.unknown.add(key)
            else:
                self.unknown.discard(key)


def _csv_report_rows(fh: IO[str]) -> Iterator[tuple[str | None, str | None]]:
    for row in csv.DictReader(fh):
        recipient = (row.get("recipient") or "").strip() or None
        yield recipient, (row.get("outcome") or "").strip() or None


_RECIPIENT_IN_JSON = re.compile(r'"recipient"\s*:\s*"([^"]+)"')


def _jsonl_report_rows(fh: IO[str]) -> Iterator[tuple[str | None, str | None]]:
    for line in fh:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError:
            match = _RECIPIENT_IN_JSON.search(line)
            yield (match.group(1) if match else None), None
            continue
        recipient = row.get("recipient")
        yield (str(recipient) if recipient else None), row.get("outcome")


class ReportWriter:
    """Appends outcomes to the report; every ``write`` reaches the disk before it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = report_format(path)
        fresh = not path.exists() or path.stat().st_size == 0
        if not fresh:
            with path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                needs_newline = fh.read(1) != b"\n"
        else:
            needs_newline = False
        self._fh = path.open("a", encoding="utf-8", newline="")
        if needs_newline:  # the last run died mid-line: never glue a new line onto it
            self._fh.write("\n")
        if fresh and self.format == "csv":
            self._emit(",".join(REPORT_FIELDS) + "\r\n")

    def write(self, receipts: Iterable[Receipt], *, reason: str | None = None) -> None:
        """One request's outcomes in one write, then flush and fsync."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        rows = [
            {
                "recipient": r.recipient,
                "outcome": r.status.value,
                "message_id": r.message_id,
                "reason": reason or r.reason,
                "code": r.code,
                "provider": r.provider,
                "time": now,
            }
            for r in receipts
        ]
        if not rows:
            return
        buffer = io.StringIO()
        if self.format == "csv":
            writer = csv.DictWriter(buffer, fieldnames=REPORT_FIELDS, lineterminator="\r\n")
            writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
        else:
            for row in rows:
                buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._emit(buffer.getvalue())

    def _emit(self, text: str) -> None:
        self._fh.write(text)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


# ---------------------------------------------------------------------------- input


def _sniff(first_line: str) -> str:
    stripped = first_line.lstrip("\ufeff").strip()
    if stripped.startswith(("{", '"')):
        return "jsonl"
    if "," in stripped or ";" in stripped or stripped.lower() in NUMBER_COLUMNS:
        return "csv"
    return "lines"


def input_format(name: str, first_line: str | None = None, explicit: str | None = None) -> str:
    """``csv``, ``jsonl`` or ``lines``: as told, else by extension, else by the first line."""
    if explicit:
        return explicit
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".txt":
        return "lines"
    return _sniff(first_line or "")


def read_rows(lines: Iterable[str], fmt: str, *, column: str | None = None, source: str = "input") -> Iterator[Any]:
    """Recipients from ``lines``, lazily: numbers (``str``) or mappings with a number and fields.

    CSV needs a header row; the number column is ``--column`` or the first of
    to/number/recipient/phone/mobile/msisdn; the other columns fill ``{name}`` fields of the
    text.  JSONL lines are objects (same keys) or plain strings.  ``lines`` is one number a
    line, ``#`` comments allowed.
    """
    if fmt == "csv":
        yield from _csv_rows(lines, column, source)
    elif fmt == "jsonl":
        yield from _jsonl_rows(lines, column, source)
    else:
        for line in lines:
            text = line.strip().lstrip("\ufeff")
            if text and not text.startswith("#"):
                yield text


def csv_header(lines: Iterable[str]) -> list[str]:
    reader = csv.reader(lines, dialect=_dialect_of(None))
    return [h.strip().lstrip("\ufeff") for h in next(reader, [])]


def _dialect_of(sample: str | None) -> type[csv.Dialect]:
    if sample is not None and sample.count(";") > sample.count(","):
        return _Semicolon
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _csv_rows(lines: Iterable[str], column: str | None, source: str) -> Iterator[dict[str, Any]]:
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return
    dialect = _dialect_of(first)
    header = next(csv.reader([first], dialect=dialect))
    header = [h.strip().lstrip("\ufeff") for h in header]
    number_key = number_column(header, column, source)
    reader = csv.reader(iterator, dialect=dialect)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record = dict(zip(header, row, strict=False))  # short rows: missing fields
        number = record.pop(number_key, "")
        yield {"to": number.strip(), **{k: v for k, v in record.items() if k}}


def number_column(header: list[str], column: str | None, source: str) -> str:
    if column is not None:
        if column not in header:
            raise InputError(f"{source} has no column {column!r}; its columns: {', '.join(header)}")
        return column
    lowered = {h.lower(): h for h in header}
    for name in NUMBER_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise InputError(
        f"{source} has no recipient column; its header is: {', '.join(header) or '(empty)'}",
        hint=f"name the column one of {', '.join(NUMBER_COLUMNS)}, or pass --column NAME",
    )


def _jsonl_rows(lines: Iterable[str], column: str | None, source: str) -> Iterator[Any]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number} of {source} is not JSON ({exc.msg})") from None
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            if column is not None:
                if column not in item:
                    raise InputError(f"line {number} of {source} has no key {column!r}")
                item = {"to": item.pop(column), **item}
            yield item
        else:
            raise InputError(f"line {number} of {source} is neither an object nor a string")


def count_rows(path: Path, fmt: str, column: str | None) -> int:
    """How many recipients ``path`` holds, by one streaming pass (for the progress bar)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in read_rows(fh, fmt, column=column, source=path.name))


# ---------------------------------------------------------------------------- the run


@attrs.define
class BulkOptions:
    text: str
    sender: str | None = None
    schedule: dt.datetime | None = None
    flash: bool = False
    encoding: str | None = None
    workers: int | None = None
    resend_unknown: bool = False
    max_failed_requests: int = 5


@attrs.define
class BulkStats:
    """Counts of one run; ``stopped`` says why it ended early, if it did."""

    rows: int = 0
    requests: int = 0
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    skipped_accepted: int = 0
    skipped_unknown: int = 0
    skipped_duplicate: int = 0
    unknown_samples: list[str] = attrs.field(factory=list)
    stopped: str | None = None
    interrupted: bool = False
    last_error: str | None = None


class _StopSignal:
    """First Ctrl-C: finish the request in flight, then stop.  Second: abort now."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _StopSignal:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        # os.write: safe inside a signal handler, unlike the buffered streams
        os.write(2, b"\nstopping after the request in flight (press Ctrl-C again to abort now)\n")

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)


def run_bulk(
    account: Any,
    rows: Iterable[Any],
    options: BulkOptions,
    state: ResumeState,
    writer: ReportWriter,
    *,
    on_progress: Callable[[int], None] = lambda n: None,
    warn: Callable[[str], None] = lambda m: None,
) -> BulkStats:
    """Send to every row that the report does not mark accepted (or unknown); record each outcome."""
    stats = BulkStats()
    pending: dict[int, int] = {}  # key -> how many rows of it are with the core, not yet reported
    pending_numbers: dict[int, str] = {}
    reading = False  # True while our input generator runs: no request can be in flight then

    def wanted() -> Iterator[Any]:
        # ``reading`` stays True if the input itself raises (Ctrl-C while reading): the
        # handler below then knows no request was in flight.
        nonlocal reading
        reading = True
        for row in rows:
            stats.rows += 1
            try:
                recipient = account.recipient(row)
            except SmsBridgeError:
                reading = False
                yield row  # the core rejects it with its reason; it goes to the report
                reading = True
                continue
            key = recipient_key(recipient.number)
            if key in state.accepted:
                stats.skipped_accepted += 1
                on_progress(1)
                continue
            if key in pending:
                stats.skipped_duplicate += 1
                on_progress(1)
                continue
            if key in state.unknown and not options.resend_unknown:
                stats.skipped_unknown += 1
                if len(stats.unknown_samples) < 10:
                    stats.unknown_samples.append(recipient.number)
                on_progress(1)
                continue
            pending[key] = pending.get(key, 0) + 1
            pending_numbers[key] = recipient.number
            reading = False
            yield recipient
            reading = True
        reading = False

    results = account.iter_bulk_send(
        wanted(),
        options.text,
        sender=options.sender,
        schedule=options.schedule,
        flash=options.flash,
        encoding=options.encoding,
        workers=options.workers,
    )
    workers = int(options.workers or getattr(getattr(account, "settings", None), "workers", 1) or 1)
    failed_in_a_row = 0
    abort_now = False
    with _StopSignal() as stop:
        try:
            for result in results:
                writer.write(result.receipts)
                requests = int(result.details.get("requests", 1))
                stats.requests += requests
                for receipt in result.receipts:
                    key = recipient_key(receipt.recipient)
                    _done(pending, pending_numbers, key)
                    state.record(key, receipt.status.value)
                    _count(stats, receipt)
                on_progress(len(result.receipts))
                error = result.details.get("error")
                if error and requests and not result.accepted:
                    failed_in_a_row += 1
                    stats.last_error = next((r.reason for r in result.receipts if r.reason), str(error))
                else:
                    failed_in_a_row = 0
                if error in FATAL_ERRORS and not result.accepted:
                    stats.stopped = f"the provider refused the account ({error}); nothing more was sent"
                    break
                if failed_in_a_row >= options.max_failed_requests:
                    stats.stopped = f"{failed_in_a_row} requests in a row failed; stopped (--max-failed-requests)"
                    break
                if stop.requested:
                    stats.interrupted = True
                    break
        except KeyboardInterrupt:
            stats.interrupted = True
            abort_now = not reading
        finally:
            with contextlib.suppress(KeyboardInterrupt):
                results.close()  # waits for requests other workers still have in flight
            in_flight = abort_now or (workers > 1 and bool(pending))
            if in_flight and pending:
                lost = [
                    Receipt(pending_numbers[k], ReceiptStatus.UNKNOWN, provider=account.provider)
                    for k, n in pending.items()
                    for _ in range(n)
                ]
                writer.write(lost, reason="interrupted while the request was in flight: it may have been sent")
                for receipt in lost:
                    state.record(recipient_key(receipt.recipient), "unknown")
                    _count(stats, receipt)
                warn(f"{len(lost)} recipient(s) were in flight when the run stopped: recorded as unknown")
    return stats


def _done(pending: dict[int, int], numbers: dict[int, str], key: int) -> None:
    left = pending.get(key)
    if left is None:
        return
    if left <= 1:
        del pending[key]
        numbers.pop(key, None)
    else:
        pending[key] = left - 1


def _count(stats: BulkStats, receipt: Receipt) -> None:
    if receipt.status is ReceiptStatus.ACCEPTED:
        stats.accepted += 1
    elif receipt.status is ReceiptStatus.REJECTED:
        stats.rejected += 1
    else:
        stats.unknown += 1


def template_check(text: str, columns: Iterable[str]) -> list[str]:
    """Fields of ``text`` that no column provides (checked before anything is sent)."""
    from smsbridge.text import template_fields

    try:
        fields = template_fields(text)
    except ValueError:
        return []
    present = set(columns)
    return [f for f in fields if f not in present]


def summary_dict(stats: BulkStats, extra: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **extra,
        "rows": stats.rows,
        "requests": stats.requests,
        "accepted": stats.accepted,
        "rejected": stats.rejected,
        "unknown": stats.unknown,
        "skipped": {
            "already_accepted": stats.skipped_accepted,
            "unknown_not_resent": stats.skipped_unknown,
            "duplicate_rows": stats.skipped_duplicate,
        },
        "unknown_not_resent_sample": stats.unknown_samples,
        "stopped": stats.stopped,
        "interrupted": stats.interrupted,
    }
