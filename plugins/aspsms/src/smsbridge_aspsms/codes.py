"""The ASPSMS code tables: reply StatusCodes, delivery statuses and delivery reason codes.

Texts are those of REFERENCE.md (the same table in two independent client libraries); the
provider's own ``StatusInfo`` wording always wins when a reply carries one.
"""

from __future__ import annotations

from collections.abc import Iterable

from smsbridge.plugin import (
    AuthenticationError,
    DeliveryStatus,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    PermissionDeniedError,
    ProviderError,
    Refusal,
    RefusalTable,
    ServiceUnavailableError,
)

__all__ = ["DELIVERY_STATUS", "DELIVERY_STATUS_TEXT", "REFUSALS", "STATUS_TEXT", "reason_text"]

STATUS_TEXT: dict[str, str] = {
    "1": "OK",
    "2": "connect failed",
    "3": "authorization failed",
    "4": "binary file not found",
    "5": "not enough credits",
    "6": "time out",
    "7": "transmission error, try again",
    "8": "invalid userkey",
    "9": "invalid password",
    "10": "invalid originator (max 11 alphanumeric)",
    "11": "invalid message date",
    "12": "invalid binary data",
    "13": "invalid binary file",
    "14": "invalid MCC",
    "15": "invalid MNC",
    "16": "invalid XSer",
    "17": "invalid buffered message notification URL",
    "18": "invalid delivery notification URL",
    "19": "invalid non-delivery notification URL",
    "20": "missing recipient",
    "21": "missing binary data",
    "22": "invalid deferred delivery time",
    "23": "missing transaction reference number",
    "24": "service temporarily unavailable",
    "25": "user access denied",
    "28": "no originator restrictions",
    "29": "originator authorization pending",
    "30": "originator not authorized",
    "31": "originator already authorized",
    "32": "no notification recipient restrictions",
    "33": "notification recipient authorization pending",
    "34": "notification recipient not authorized",
    "35": "notification recipient already authorized",
    "36": "token authorization pending",
    "37": "token not authorized",
    "38": "token not found",
    "39": "token already authorized",
}


def _all(error: type[ProviderError], codes: Iterable[str], hint: str | None = None) -> dict[str, Refusal]:
    return {code: Refusal(error, STATUS_TEXT[code], hint) for code in codes}


#: every code the table documents as a refusal, and the typed error it becomes.  Any other
#: code a method does not expect (0, 28, 31, 99...) says nothing certain: a send answered
#: with one has an unknown outcome.
REFUSALS: RefusalTable = {
    **_all(AuthenticationError, ("3", "8", "9")),
    # valid credentials, not allowed: "user access denied" (the account's API access or
    # allowed addresses, inf), an originator or notification recipient not (yet) authorised
    **_all(PermissionDeniedError, ("33", "34")),
    "25": Refusal(
        PermissionDeniedError,
        STATUS_TEXT["25"],
        "the credentials were accepted but this access is not: check the ASPSMS account's API access "
        "and allowed IP addresses",
    ),
    # "pending" / "not authorized" answered to a send: the (numeric) originator is not unlocked
    **_all(
        PermissionDeniedError,
        ("29", "30"),
        "a numeric originator must be unlocked first: admin SendOriginatorUnlockCode, then UnlockOriginator",
    ),
    **_all(InsufficientCreditError, ("5",)),
    **_all(InvalidSenderError, ("10",)),
    **_all(InvalidRecipientError, ("20",)),
    **_all(ServiceUnavailableError, ("2", "6", "7", "24")),
    # malformed requests: binary data, dates, MCC/MNC/XSer, notification URLs, missing TRN
    **_all(InvalidMessageError, ("4", "11", "12", "13", "14", "15", "16", "21", "22", "23")),
    **_all(InvalidMessageError, ("17",), "check the option notify_buffered (URLBufferedMessageNotification)"),
    **_all(InvalidMessageError, ("18",), "check the option notify_delivered (URLDeliveryNotification)"),
    **_all(InvalidMessageError, ("19",), "check the option notify_not_delivered (URLNonDeliveryNotification)"),
}

DELIVERY_STATUS_TEXT: dict[str, str] = {
    "-1": "not yet submitted or rejected",
    "0": "delivered",
    "1": "buffered",
    "2": "not delivered",
}

# -1 is refined by the reason code (see smsbridge_aspsms.delivery.status_of)
DELIVERY_STATUS: dict[str, DeliveryStatus] = {
    "-1": DeliveryStatus.QUEUED,
    "0": DeliveryStatus.DELIVERED,
    "1": DeliveryStatus.SENT,
    "2": DeliveryStatus.FAILED,
}

_REASON_TEXT: dict[str, str] = {
    "000": "unknown subscriber",
    "010": "network time-out",
    "107": "absent subscriber",
    "108": "delivery fail (buffered: memory full; not delivered: validity expired)",
    "206": "invalid destination address",
    "207": "duplicate message submit",
}


def reason_text(code: str) -> str | None:
    """The table's text for a 3-digit delivery reason code, or ``None`` for codes it lacks."""
    if code in _REASON_TEXT:
        return _REASON_TEXT[code]
    if len(code) != 3 or not (code.isascii() and code.isdigit()):  # "²²²".isdigit() is True
        return None
    number = int(code)
    if 1 <= number <= 8:
        return "service temporarily unavailable"
    if 100 <= number <= 127:
        return "network failure"
    if 200 <= number <= 208:
        return "message or address error"
    return None
