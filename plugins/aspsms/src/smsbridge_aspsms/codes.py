"""The ASPSMS code tables: reply StatusCodes, delivery statuses and delivery reason codes.

Texts are those of REFERENCE.md (the same table in two independent client libraries); the
provider's own ``StatusInfo`` wording always wins when a reply carries one.
"""

from __future__ import annotations

from smsbridge.models import DeliveryStatus

__all__ = [
    "AUTHENTICATION",
    "CREDIT",
    "DELIVERY_STATUS",
    "DELIVERY_STATUS_TEXT",
    "NOTIFICATION_URL_OPTION",
    "ORIGINATOR_REFUSED",
    "PERMISSION",
    "RECIPIENT",
    "REFUSALS",
    "REQUEST",
    "SENDER",
    "STATUS_TEXT",
    "TRANSIENT",
    "reason_text",
]

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

# Which typed error a refusal becomes.
AUTHENTICATION = frozenset({"3", "8", "9"})
# valid credentials, not allowed: "user access denied" (the account's API access or allowed
# addresses, inf), an originator or notification recipient not (yet) authorised
PERMISSION = frozenset({"25", "29", "30", "33", "34"})
CREDIT = frozenset({"5"})
SENDER = frozenset({"10"})
# "pending" / "not authorized" answered to a send: the (numeric) originator is not unlocked
ORIGINATOR_REFUSED = frozenset({"29", "30"})
RECIPIENT = frozenset({"20"})
TRANSIENT = frozenset({"2", "6", "7", "24"})
# malformed requests: binary data, dates, MCC/MNC/XSer, notification URLs, missing TRN
REQUEST = frozenset({"4", "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "22", "23"})
#: every code the table documents as a refusal.  Any other code a method does not expect
#: (0, 28, 31, 99...) says nothing certain: a send answered with one has an unknown outcome.
REFUSALS = AUTHENTICATION | PERMISSION | CREDIT | SENDER | RECIPIENT | TRANSIENT | REQUEST

NOTIFICATION_URL_OPTION = {
    "17": "notify_buffered (URLBufferedMessageNotification)",
    "18": "notify_delivered (URLDeliveryNotification)",
    "19": "notify_not_delivered (URLNonDeliveryNotification)",
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
