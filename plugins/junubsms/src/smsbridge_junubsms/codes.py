"""playSMS webservices return codes and delivery states, and the error class each one means.

The table is the JunubSMS document's (playSMS 1.4.5; 1.4.8 answers the same codes, plus 627
from ``stoplist``).  Codes the document does not list are named by their hundred (1xx
authentication or parameters, 2xx sending, 4xx delivery status, 5xx others, 6xx
administration), as the document announces.  On ``pv`` only a documented refusal means "not
sent": an undocumented code, or ERR without a code, leaves the outcome unknown.
"""

from __future__ import annotations

from smsbridge.plugin import (
    AuthenticationError,
    DeliveryStatus,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    NotFoundError,
    PermissionDeniedError,
    Refusal,
    RefusalTable,
    RejectedError,
    UnsupportedOperationError,
)

__all__ = [
    "AUTH_HINT",
    "DS_EMPTY",
    "DS_STATUS",
    "ERRORS",
    "ITEM_REFUSALS",
    "NO_DATA_CODES",
    "PV_REFUSALS",
    "REFUSALS",
    "error_text",
    "refusal",
    "unreadable_hint",
]


#: "nothing to show" answers of the listing operations (ds, in, ix, sx, contact searches):
#: not failures of the call.
NO_DATA_CODES = frozenset({"400", "401", "402", "501"})

AUTH_HINT = (
    "playSMS answers ERR 100 to every authentication failure alike: wrong user or token, "
    "webservices not enabled for the user, a client IP not allowed, or a banned account"
)

_ADMIN_HINT = "this operation needs an admin account's user and token (playSMS answers 600 to a wrong token too)"
_NO_FIELD_HINT = "playSMS answers this when no field to change was given, and for an unknown user"

#: every documented code, the error it becomes and what it means; an undocumented code is a
#: ``RejectedError``.  Valid credentials but not allowed: no token yet, webservices off, client
#: address refused (get_token only), a non-admin on an admin operation (600; also a wrong admin
#: token); 605-613 "failed due to unknown username".
REFUSALS: RefusalTable = {
    "100": Refusal(AuthenticationError, "authentication failed", AUTH_HINT),
    "101": Refusal(UnsupportedOperationError, "type of action is invalid or unknown"),
    "102": Refusal(InvalidMessageError, "one or more field empty"),
    "103": Refusal(InsufficientCreditError, "not enough credit for this operation"),
    "104": Refusal(PermissionDeniedError, "webservice token is not available"),
    "105": Refusal(PermissionDeniedError, "webservice token not enable for this user"),
    "106": Refusal(PermissionDeniedError, "webservice token not allowed from this IP address"),
    "200": Refusal(RejectedError, "send message failed"),
    "201": Refusal(InvalidRecipientError, "destination number or message is empty"),
    "400": Refusal(RejectedError, "no delivery status available"),
    "401": Refusal(RejectedError, "no delivery status retrieved and SMS still in queue"),
    "402": Refusal(RejectedError, "no delivery status retrieved and SMS has been processed from queue"),
    "501": Refusal(RejectedError, "no data returned or result is empty"),
    "600": Refusal(PermissionDeniedError, "admin level authentication failed", _ADMIN_HINT),
    "601": Refusal(RejectedError, "inject message failed"),
    "602": Refusal(RejectedError, "sender id or message is empty"),
    "603": Refusal(RejectedError, "account addition failed due to missing data"),
    "604": Refusal(RejectedError, "fail to add account"),
    "605": Refusal(NotFoundError, "account removal failed due to unknown username"),
    "606": Refusal(RejectedError, "fail to remove account"),
    "607": Refusal(NotFoundError, "set parent failed due to unknown username"),
    "608": Refusal(RejectedError, "fail to set parent"),
    "609": Refusal(NotFoundError, "get parent failed due to unknown username"),
    "610": Refusal(RejectedError, "fail to get parent"),
    "611": Refusal(NotFoundError, "account ban failed due to unknown username"),
    "612": Refusal(RejectedError, "fail to ban account"),
    "613": Refusal(NotFoundError, "account unban failed due to unknown username"),
    "614": Refusal(RejectedError, "fail to unban account"),
    "615": Refusal(RejectedError, "editing account preferences failed due to missing data", _NO_FIELD_HINT),
    "616": Refusal(RejectedError, "fail to edit account preferences"),
    "617": Refusal(RejectedError, "editing account configuration failed due to missing data", _NO_FIELD_HINT),
    "618": Refusal(RejectedError, "fail to edit account configuration"),
    "619": Refusal(RejectedError, "viewing credit failed due to missing data"),
    "620": Refusal(RejectedError, "fail to view credit"),
    "621": Refusal(RejectedError, "adding credit failed due to missing data"),
    "622": Refusal(RejectedError, "fail to add credit"),
    "623": Refusal(RejectedError, "deducting credit failed due to missing data"),
    "624": Refusal(RejectedError, "fail to deduct credit"),
    "625": Refusal(RejectedError, "setting login key failed due to missing data"),
    "626": Refusal(RejectedError, "fail to set login key"),
    # webservices_stoplist's duplicate; the server has no wording
    "627": Refusal(RejectedError, "number is already in the stoplist"),
}
#: the document's wording of each code
ERRORS: dict[str, str] = {code: refusal.meaning for code, refusal in REFUSALS.items()}

#: codes a ``pv`` reply may answer at the top level that say nothing was sent
PV_REFUSALS = frozenset({"100", "101", "102", "103", "104", "105", "106", "200", "201"})
#: codes a ``pv`` destination item may carry that say it was not sent (200 send failed,
#: 103 not enough credit: webservices_pv)
ITEM_REFUSALS = frozenset({"103", "200"})


#: operations that change nothing on the server: a reply lost on them is safe to ask again
READ_ONLY = frozenset({"cr", "ds", "in", "ix", "sx", "query", "get_contact", "get_contact_group", "get_token"})

#: op=ds item status: 0 pending, 1 sent, 2 failed, 3 delivered (playSMS source).
DS_STATUS: dict[str, DeliveryStatus] = {
    "0": DeliveryStatus.QUEUED,
    "1": DeliveryStatus.SENT,
    "2": DeliveryStatus.FAILED,
    "3": DeliveryStatus.DELIVERED,
}

#: what an empty ds answer means for the one id asked about
DS_EMPTY: dict[str, DeliveryStatus] = {
    "400": DeliveryStatus.UNKNOWN,  # no delivery status available (unknown id, or not yet)
    "401": DeliveryStatus.QUEUED,  # still in the queue
    "402": DeliveryStatus.UNKNOWN,  # processed from the queue, no status row retrieved
    "501": DeliveryStatus.UNKNOWN,  # no data
}


def refusal(code: str | None, op: str) -> Refusal:
    """What ERR ``code`` answered to ``op`` means.

    ERR 201 means "destination or message empty"; smsbridge refuses an empty text before any
    request, so on ``pv`` it is the destination list the server found empty.  Elsewhere it is
    a missing field.
    """
    if code == "201" and op != "pv":
        return Refusal(InvalidMessageError, ERRORS[code])
    if code == "620" and op == "creditview":
        return Refusal(
            RejectedError, ERRORS[code], "playSMS answers ERR 620 when the balance is zero (or the user is unknown)"
        )
    return REFUSALS.get(code or "") or Refusal(RejectedError, error_text(code))


def unreadable_hint(op: str) -> str:
    """What to do after an unreadable reply to ``op``: only a send needs a delivery-status check."""
    if op == "pv":
        return "the message may have been taken: check the delivery status before sending it again"
    if op in READ_ONLY:
        return "this operation changes nothing on the server: it is safe to ask again"
    return f"op={op} may have been carried out: check its effect (e.g. with query or creditview) before repeating it"


def error_text(code: str | None) -> str:
    if code is None:
        return "error without a code"
    if code in ERRORS:
        return ERRORS[code]
    families = {
        "1": "authentication or parameter error",
        "2": "sending error",
        "4": "delivery status error",
        "5": "other error",
        "6": "administrative task error",
    }
    return f"undocumented {families.get(code[:1], 'error')} {code}" if len(code) == 3 else f"undocumented error {code}"
