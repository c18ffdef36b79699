"""How AllMySMS calls the receiver back: delivery webhooks (``smsbridge_parse_callback`` reads them).

The webhook carries ``smsId, receptionDate, phoneNumber, campaignId, status, statusText``
(REFERENCE.md, AllMySMS).  Where the URL is entered, whether the body is a form or JSON,
and what AllMySMS expects back are not published: the parser takes query, form and JSON
(object or list) alike, and the receiver answers an empty 200, the plain success (inf).
AllMySMS is not known to sign its webhooks: the receiver's token in the path authenticates
them.  Received messages are fetched with ``getPulls`` (``smsbridge inbound``), not pushed.
"""

from __future__ import annotations

from smsbridge.plugin import CallbackKind, CallbackReply, CallbackSetup, CallbackSpec
from smsbridge_allmysms.config import Ctx

__all__ = ["callback_spec"]


def callback_spec(ctx: Ctx) -> CallbackSpec:
    return CallbackSpec(
        kinds={
            CallbackKind.STATUS: CallbackSetup(
                where="enter it where your AllMySMS account asks for the delivery-report (webhook) URL"
            )
        },
        reply=CallbackReply(200, b""),
    )
