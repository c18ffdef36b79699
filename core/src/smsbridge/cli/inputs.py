"""Reading recipient files for ``smsbridge bulk``: CSV, JSON lines or one number a line, streamed.

CSV needs a header row; the number column is ``--column`` or the first of
to/number/recipient/phone/mobile/msisdn, and the other columns fill ``{name}`` fields of the
text.  JSON lines are objects (same keys) or plain strings.  Nothing is held in memory: rows
are produced as the file is read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from smsbridge.errors import ConfigurationError

__all__ = [
    "NUMBER_COLUMNS",
    "InputError",
    "count_rows",
    "csv_header",
    "decoded",
    "input_format",
    "number_column",
    "read_rows",
    "template_check",
]

NUMBER_COLUMNS = ("to", "number", "recipient", "phone", "mobile", "msisdn")


class InputError(ConfigurationError):
    """The recipients file cannot be read (exit code 2); a re-run resumes after the fix."""

    default_hint = "fix the file and run the same command again: the report makes it resume"


def _sniff(first_line: str) -> str:
    stripped = first_line.lstrip("\ufeff").strip()
    if stripped.startswith(("{", '"')):
        return "jsonl"
    if "," in stripped or ";" in stripped or stripped.lower() in NUMBER_COLUMNS:
        return "csv"
    return "lines"


def decoded(lines: Iterable[str], source: str) -> Iterator[str]:
    """``lines`` as read from a text file, a line that is not UTF-8 becoming ``InputError``.

    The rows before it are read in already; once the file is saved as UTF-8, the same
    command goes on from there.
    """
    iterator = iter(lines)
    number = 0
    while True:
        try:
            line = next(iterator)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source} is not UTF-8 text after line {number} ({exc.reason} at byte {exc.start} of a block)",
                hint="save it as UTF-8 and run the same command again: it goes on from there",
            ) from None
        number += 1
        yield line


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
        return sum(1 for _ in read_rows(decoded(fh, path.name), fmt, column=column, source=path.name))


def template_check(text: str, columns: Iterable[str]) -> list[str]:
    """Fields of ``text`` that no column provides (checked before anything is sent)."""
    from smsbridge.text import template_fields

    try:
        fields = template_fields(text)
    except ValueError:
        return []
    present = set(columns)
    return [f for f in fields if f not in present]
