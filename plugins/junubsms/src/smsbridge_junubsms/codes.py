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
    ProviderError,
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

ERRORS: dict[str, str] = {
    "100": "authentication failed",
    "101": "type of action is invalid or unknown",
    "102": "one or more field empty",
    "103": "not enough credit for this operation",
    "104": "webservice token is not available",
    "105": "webservice token not enable for this user",
    "106": "webservice token not allowed from this IP address",
    "200": "send message failed",
    "201": "destination number or message is empty",
    "400": "no delivery status available",
    "401": "no delivery status retrieved and SMS still in queue",
    "402": "no delivery status retrieved and SMS has been processed from queue",
    "501": "no data returned or result is empty",
    "600": "admin level authentication failed",
    "601": "inject message failed",
    "602": "sender id or message is empty",
    "603": "account addition failed due to missing data",
    "604": "fail to add account",
    "605": "account removal failed due to unknown username",
    "606": "fail to remove account",
    "607": "set parent failed due to unknown username",
    "608": "fail to set parent",
    "609": "get parent failed due to unknown username",
    "610": "fail to get parent",
    "611": "account ban failed due to unknown username",
    "612": "fail to ban account",
    "613": "account unban failed due to unknown username",
    "614": "fail to unban account",
    "615": "editing account preferences failed due to missing data",
    "616": "fail to edit account preferences",
    "617": "editing account configuration failed due to missing data",
    "618": "fail to edit account configuration",
    "619": "viewing credit failed due to missing data",
    "620": "fail to view credit",
    "621": "adding credit failed due to missing data",
    "622": "fail to add credit",
    "623": "deducting credit failed due to missing data",
    "624": "fail to deduct credit",
    "625": "setting login key failed due to missing data",
    "626": "fail to set login key",
    "627": "number is already in the stoplist",  # webservices_stoplist's duplicate; the server has no wording
}

#: "nothing to show" answers of the listing operations (ds, in, ix, sx, contact searches):
#: not failures of the call.
NO_DATA_CODES = frozenset({"400", "401", "402", "501"})

AUTH_HINT = (
    "playSMS answers ERR 100 to every authentication failure alike: wrong user or token, "
    "webservices not enabled for the user, a client IP not allowed, or a banned account"
)

#: codes a ``pv`` reply may answer at the top level that say nothing was sent
PV_REFUSALS = frozenset({"100", "101", "102", "103", "104", "105", "106", "200", "201"})
#: codes a ``pv`` destination item may carry that say it was not sent (200 send failed,
#: 103 not enough credit: webservices_pv)
ITEM_REFUSALS = frozenset({"103", "200"})

_CLASSES: dict[str, type[ProviderError]] = {
    "100": AuthenticationError,
    "101": UnsupportedOperationError,
    "102": InvalidMessageError,
    "103": InsufficientCreditError,
    # valid credentials, not allowed: no token yet, webservices off, client address refused
    # (get_token only), a non-admin on an admin operation (600; also a wrong admin token)
    "104": PermissionDeniedError,
    "105": PermissionDeniedError,
    "106": PermissionDeniedError,
    "200": RejectedError,
    "201": InvalidRecipientError,
    "600": PermissionDeniedError,
    # "failed due to unknown username"
    "605": NotFoundError,
    "607": NotFoundError,
    "609": NotFoundError,
    "611": NotFoundError,
    "613": NotFoundError,
}

_HINTS = {
    "100": AUTH_HINT,
    "600": "this operation needs an admin account's user and token (playSMS answers 600 to a wrong token too)",
    "615": "playSMS answers this when no field to change was given, and for an unknown user",
    "617": "playSMS answers this when no field to change was given, and for an unknown user",
}

#: every documented code as the error it becomes (an undocumented one is a ``RejectedError``)
REFUSALS: RefusalTable = {
    code: Refusal(_CLASSES.get(code, RejectedError), text, _HINTS.get(code)) for code, text in ERRORS.items()
}

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
