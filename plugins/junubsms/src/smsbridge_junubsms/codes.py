"""playSMS webservices return codes and delivery states, and the error class each one means.

The table is the JunubSMS document's (playSMS 1.4.5).  Codes the document does not list are
classed by their hundred (1xx authentication or parameters, 2xx sending, 4xx delivery status,
5xx others, 6xx administration), as the document announces.
"""

from __future__ import annotations

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    ProviderError,
    RejectedError,
    UnsupportedOperationError,
)
from smsbridge.models import DeliveryStatus

__all__ = [
    "AUTH_HINT",
    "DS_EMPTY",
    "DS_STATUS",
    "ERRORS",
    "NO_DATA_CODES",
    "error_class",
    "error_text",
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
}

#: "nothing to show" answers of the listing operations (ds, in, ix, sx, contact searches):
#: not failures of the call.
NO_DATA_CODES = frozenset({"400", "401", "402", "501"})

AUTH_HINT = (
    "playSMS answers ERR 100 to every authentication failure alike: wrong user or token, "
    "webservices not enabled for the user, a client IP not allowed, or a banned account"
)

_CLASSES: dict[str, type[ProviderError]] = {
    "100": AuthenticationError,
    "101": UnsupportedOperationError,
    "102": InvalidMessageError,
    "103": InsufficientCreditError,
    "104": AuthenticationError,
    "105": AuthenticationError,
    "106": AuthenticationError,
    "200": RejectedError,
    "201": InvalidRecipientError,
    "600": AuthenticationError,
}

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


def error_class(code: str | None, op: str) -> type[ProviderError]:
    """The smsbridge error class for ERR ``code`` answered to ``op``.

    ERR 201 means "destination or message empty"; smsbridge refuses an empty text before any
    request, so on ``pv`` it is the destination list the server found empty.  Elsewhere it is
    a missing field.
    """
    if code is None:
        return RejectedError
    if code == "201" and op != "pv":
        return InvalidMessageError
    return _CLASSES.get(code, RejectedError)


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
