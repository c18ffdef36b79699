"""AllMySMS status codes: what each one means and which smsbridge error it becomes.

The numbering is that of HTTP API 9.0 as recorded in REFERENCE.md (the ``allmysms.txt`` page
shows an older table whose numbers are shifted from 107 on; REFERENCE.md's is the one 9.0
clients use).  100 and 101 are success; 113 is a partial success (some numbers invalid, the
others sent), handled by the send parser, not raised.  Only the codes of ``REFUSALS`` are
refusals: a number outside the table (``0``, ``116``...) leaves a send's outcome unknown.
"""

from __future__ import annotations

from smsbridge.plugin import (
    AuthenticationError,
    DeliveryStatus,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    NotFoundError,
    Refusal,
    RefusalTable,
)

__all__ = [
    "ACK_STATUSES",
    "PARTIAL",
    "REFUSALS",
    "SCHEDULED",
    "SENT",
    "SUCCESS",
    "ack_status",
]

SENT = 100
SCHEDULED = 101
PARTIAL = 113
SUCCESS = frozenset({SENT, SCHEDULED})

#: the documented refusal codes and the error each one becomes
REFUSALS: RefusalTable = {
    "102": Refusal(AuthenticationError, "the login or API key was refused"),
    "103": Refusal(InsufficientCreditError, "the account has no credit left"),
    "104": Refusal(InsufficientCreditError, "the account has not enough credit for this send"),
    "105": Refusal(InvalidMessageError, "the flow (smsData) was empty"),
    "106": Refusal(InvalidMessageError, "the flow (smsData) is invalid or incomplete"),
    "107": Refusal(InvalidMessageError, "the flow (smsData) is invalid or incomplete"),
    # The client code is the account login (the document lists ``clientcode : login``): the
    # thing to fix is the URL's user part, so it is an authentication failure.
    "108": Refusal(AuthenticationError, "the client code (login) is invalid", "check the login (the URL's user part)"),
    "109": Refusal(InvalidMessageError, "the flow (smsData) is invalid or incomplete"),
    "110": Refusal(InvalidMessageError, "the message is empty"),
    "111": Refusal(InvalidMessageError, "the message is longer than 640 characters"),
    "112": Refusal(InvalidMessageError, "the flow (smsData) is invalid or incomplete"),
    # 113 (some numbers invalid) is a partial result, see PARTIAL.
    "114": Refusal(InvalidRecipientError, "none of the phone numbers is valid"),
    "115": Refusal(InvalidMessageError, "the send date is invalid", "give a schedule time in the future"),
    "117": Refusal(InvalidMessageError, "a link in the message is longer than 80 characters", "shorten the link"),
    # MASTERACCOUNT comes from the account URL (masteraccount=): an account that does not
    # exist, so the user fixes the URL rather than the message.
    "118": Refusal(
        NotFoundError, "the master account does not exist", "check the masteraccount= option of the account URL"
    ),
}

# getAcks / getAckBySmsId ``statut`` (and the webhook's ``status``)
ACK_STATUSES: dict[str, tuple[DeliveryStatus, str]] = {
    "1": (DeliveryStatus.DELIVERED, "delivered"),
    "2": (DeliveryStatus.FAILED, "not delivered"),
    "3": (DeliveryStatus.SENT, "sent to the operator"),
    "4": (DeliveryStatus.REJECTED, "message rejected"),
    "5": (DeliveryStatus.REJECTED, "SMS rejected"),
}


def ack_status(value: object) -> tuple[DeliveryStatus, str | None]:
    """The delivery state for a ``statut`` value of any type (``"1"``, ``1``, ``" 1 "``)."""
    if isinstance(value, bool) or value is None:
        return DeliveryStatus.UNKNOWN, None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # 1.0 from a lax serializer
        text = text[:-2]
    known = ACK_STATUSES.get(text)
    if known is None:
        return DeliveryStatus.UNKNOWN, None
    return known
