"""Received messages pushed by playSMS: its "SMS custom" feature calls the receiver per keyword.

playSMS (JunubSMS included) has no delivery-report callbacks: delivery status is polled
(``op=ds``; ``smsbridge status --job NAME --stale 1h``).  It does push received messages:
an "SMS custom" keyword (Features > Manage SMS custom) forwards every incoming SMS that starts
with it to a URL, after substituting ``{SMSSENDER}``, ``{SMSRECEIVER}``, ``{SMSDATETIME}``,
``{CUSTOMKEYWORD}``, ``{CUSTOMPARAM}``, ``{CUSTOMRAW}`` and ``{SERVICENAME}``, each
urlencoded.  What playSMS 1.4.8 does with it (src: ``plugin/feature/sms_custom/fn.php``,
``sms_custom_handle``):

* it POSTs to the URL **without its query**, with the substituted query as an
  ``application/x-www-form-urlencoded`` body: the receiver's token must be in the path;
* it does not verify the receiver's TLS certificate (``verify_peer`` off): run the receiver
  where the network between the two is trusted, or accept that the token can be read;
* when "return as reply" is on, a non-empty answer body is **sent to the sender as an SMS**
  (and charged): the receiver answers 200 with an empty body;
* ``{SMSDATETIME}`` is ``Y-m-d H:i:s`` in the user's (or gateway's) time zone, without a
  zone: read in the account's ``timezone`` option.

There is no message id: the id stored is a digest of sender, time and text, so a repeated
request is one message.  Older playSMS may request the URL with GET: query and form are
read alike.
"""

from __future__ import annotations

import hashlib

from smsbridge.plugin import (
    CallbackKind,
    CallbackReply,
    CallbackRequest,
    CallbackSetup,
    CallbackSpec,
    InboundMessage,
    UnreadableReplyError,
)
from smsbridge_junubsms.wire import Ctx

__all__ = ["QUERY", "callback_spec", "parse_inbound"]

QUERY = (
    "sender={SMSSENDER}&receiver={SMSRECEIVER}&datetime={SMSDATETIME}&keyword={CUSTOMKEYWORD}"
    "&param={CUSTOMPARAM}&raw={CUSTOMRAW}&service={SERVICENAME}"
)


def callback_spec(ctx: Ctx) -> CallbackSpec:
    return CallbackSpec(
        kinds={
            CallbackKind.INBOUND: CallbackSetup(
                query=QUERY,
                where=(
                    "playSMS: Features > Manage SMS custom > Add: the keyword(s) to forward, this as the "
                    "custom URL, 'Return as reply' off"
                ),
            )
        },
        reply=CallbackReply(200, b""),  # a body would be sent back to the sender as an SMS
    )


def parse_inbound(ctx: Ctx, request: CallbackRequest) -> list[InboundMessage]:
    data = {**request.query, **request.form}
    sender = (data.get("sender") or "").strip()
    keyword = (data.get("keyword") or "").strip()
    param = data.get("param") or ""
    raw = data.get("raw")
    if not sender or (raw is None and not keyword):
        raise UnreadableReplyError("not a playSMS SMS custom callback: sender and raw (or keyword) are needed")
    text = raw if raw is not None else f"{keyword} {param}".strip()
    when = data.get("datetime") or ""
    ident = hashlib.blake2b(f"{sender}\x00{when}\x00{text}".encode(), digest_size=12).hexdigest()
    return [
        InboundMessage(
            id=f"custom-{ident}",
            sender=sender,
            text=text,
            recipient=(data.get("receiver") or "").strip() or None,
            received_at=ctx.config.clock.read(when, "in"),  # the PHP clock's wall time, like op=in
            keyword=keyword or None,
        )
    ]
