"""JorMall's reply texts and what each one means.

JorMall answers every outcome as a sentence, with HTTP 200 (REFERENCE.md, JorMall).  The texts
come from the document's SendSMS and SendBulkMessages tables and from replies others captured.
Matching is on the text with whitespace collapsed, case-insensitive, so ``Error Invalid Sender
ID`` (bulk table) and ``Invalid Sender ID`` (single table) are one entry.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["ACCEPTED", "PHRASES", "Phrase", "match_phrase"]

#: ``MsgID = 123`` (ASMX and REST), ``MsgID =123`` (bulk table of the document)
ACCEPTED = re.compile(r"MsgID\s*=\s*([0-9]+)", re.IGNORECASE)


@attrs.frozen
class Phrase:
    """One refusal text: ``kind`` names the error it becomes (see ``wire.interpret``)."""

    code: str
    kind: str  # "sender", "recipient", "auth", "duplicate", "unavailable"
    pattern: re.Pattern[str]
    meaning: str


def _p(code: str, kind: str, regex: str, meaning: str) -> Phrase:
    return Phrase(code, kind, re.compile(rf"(?:error\s*[:\-]?\s*)?{regex}\.?", re.IGNORECASE), meaning)


PHRASES: tuple[Phrase, ...] = (
    _p(
        "invalid_sender",
        "sender",
        r"invalid sender id",
        "the sender id is not registered for this account",
    ),
    _p(
        "invalid_mobile_number",
        "recipient",
        r"invalid mobile number",
        "not a valid Jordanian mobile number",
    ),
    _p(
        "invalid_number",
        "recipient",
        r"invalid number",
        "every number of the request is invalid (expected 9627XXXXXXXX)",
    ),
    _p(
        "invalid_login",
        "auth",
        r"invalid user ?name or password",
        "the account name, password or token was refused",
    ),
    _p(
        "duplicate_id",
        "duplicate",
        r"message ignored\s*,?\s*duplicate id(?:\s*[:=]?\s*\S+)?",
        "a message with this id was already accepted",
    ),
    _p(
        "error_exists",
        "unavailable",
        r"error exists\s*,?\s*please try again",
        "JorMall reports an error on its side; nothing was sent",
    ),
    _p(
        "connection_failed",
        "unavailable",
        r"connection failed\s*,?\s*please try again",
        "JorMall reports a temporary problem; the message was not submitted",
    ),
)


def match_phrase(text: str) -> Phrase | None:
    """The refusal ``text`` (already whitespace-collapsed) states, or ``None``."""
    for phrase in PHRASES:
        if phrase.pattern.fullmatch(text):
            return phrase
    return None
