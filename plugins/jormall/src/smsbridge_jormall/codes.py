"""JorMall's reply texts and what each one means.

JorMall answers every outcome as a sentence, with HTTP 200 (REFERENCE.md, JorMall).  The texts
come from the document's SendSMS and SendBulkMessages tables and from replies others captured.
Matching is on the text with whitespace collapsed, case-insensitive, so ``Error Invalid Sender
ID`` (bulk table) and ``Invalid Sender ID`` (single table) are one entry.
"""

from __future__ import annotations

import re

from smsbridge.plugin import (
    AuthenticationError,
    DuplicateError,
    InvalidRecipientError,
    InvalidSenderError,
    Refusal,
    RefusalTable,
    ServiceUnavailableError,
)

__all__ = ["ACCEPTED", "PHRASES", "REFUSALS", "match_phrase"]

#: ``MsgID = 123`` (ASMX and REST), ``MsgID =123`` (bulk table of the document)
ACCEPTED = re.compile(r"MsgID\s*=\s*([0-9]+)", re.IGNORECASE)

#: what each refusal means (the code is smsbridge's name for the text)
REFUSALS: RefusalTable = {
    "invalid_sender": Refusal(InvalidSenderError, "the sender id is not registered for this account"),
    "invalid_mobile_number": Refusal(InvalidRecipientError, "not a valid Jordanian mobile number"),
    "invalid_number": Refusal(InvalidRecipientError, "every number of the request is invalid (expected 9627XXXXXXXX)"),
    "invalid_login": Refusal(AuthenticationError, "the account name, password or token was refused"),
    "duplicate_id": Refusal(DuplicateError, "a message with this id was already accepted"),
    "error_exists": Refusal(ServiceUnavailableError, "JorMall reports an error on its side; nothing was sent"),
    "connection_failed": Refusal(
        ServiceUnavailableError, "JorMall reports a temporary problem; the message was not submitted"
    ),
}


def _p(code: str, regex: str) -> tuple[str, re.Pattern[str]]:
    return code, re.compile(rf"(?:error\s*[:\-]?\s*)?{regex}\.?", re.IGNORECASE)


#: the refusal texts JorMall answers, by code
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    _p("invalid_sender", r"invalid sender id"),
    _p("invalid_mobile_number", r"invalid mobile number"),
    _p("invalid_number", r"invalid number"),
    _p("invalid_login", r"invalid user ?name or password"),
    _p("duplicate_id", r"message ignored\s*,?\s*duplicate id(?:\s*[:=]?\s*\S+)?"),
    _p("error_exists", r"error exists\s*,?\s*please try again"),
    _p("connection_failed", r"connection failed\s*,?\s*please try again"),
)


def match_phrase(text: str) -> str | None:
    """The code of the refusal ``text`` (already whitespace-collapsed) states, or ``None``."""
    return next((code for code, pattern in PHRASES if pattern.fullmatch(text)), None)
