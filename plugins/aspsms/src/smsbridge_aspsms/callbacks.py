"""How ASPSMS calls the receiver back: notification URLs with tags, given with every send.

ASPSMS takes three notification URLs in each SendTextSMS / SendTokenSMS request
(``URLDeliveryNotification``, ``URLNonDeliveryNotification``,
``URLBufferedMessageNotification``: the account options ``notify_delivered``,
``notify_not_delivered``, ``notify_buffered``) and requests them with its tags substituted
(aspsms.txt, "Notification URL properties"; REFERENCE.md: one URL is 200 characters at
most).  The query below asks for every tag ``delivery.parse_callback`` reads, with the UTC
timestamps.  ASPSMS does not sign its requests: the receiver's per-account token in the path
authenticates them, so the URL is a secret (the ``notify_*`` options are masked as such).
Nothing public says what ASPSMS expects back; an empty 200 is the plain success (inf).
"""

from __future__ import annotations

from smsbridge.plugin import CallbackKind, CallbackReply, CallbackSetup, CallbackSpec
from smsbridge_aspsms.config import MAX_URL_LENGTH
from smsbridge_aspsms.wire import Ctx

__all__ = ["NOTIFY_OPTIONS", "QUERY", "callback_spec"]

#: the tags delivery.parse_callback reads: TRN, status, reason, recipient, both UTC times
QUERY = "TRN=<TRN>&DST=<DST>&RSN=<RSN>&RCPNT=<RCPNT>&DSCTSUTC=<DSCTSUTC>&SCTSUTC=<SCTSUTC>"

#: the account options the URL goes into (one receiver URL serves all three notifications)
NOTIFY_OPTIONS = ("notify_delivered", "notify_not_delivered", "notify_buffered")


def callback_spec(ctx: Ctx) -> CallbackSpec:
    return CallbackSpec(
        kinds={
            CallbackKind.STATUS: CallbackSetup(
                query=QUERY,
                options=NOTIFY_OPTIONS,
                where="ASPSMS takes the notification URLs with each message: set them as account options",
            )
        },
        reply=CallbackReply(200, b""),
        max_url_length=MAX_URL_LENGTH,
    )
