"""``memory://`` callbacks: a stand-in provider that can sign them, for host-app tests.

Delivery reports are ``id=<message id>&status=<delivered|failed|...>`` (query or form), with
optional ``at`` (the report's time, UNIX seconds), ``code`` and ``to``; received messages
``from=<number>&text=<text>`` with optional ``to``, ``id`` and ``keyword``.
With the account option ``callback_secret=...`` every callback must carry
``X-Memory-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>\\n<METHOD>\\n<request target>\\n" + body``, made with that secret (``sign``), no older
than five minutes: the scheme real providers use (Stripe-style), so that a host app can
rehearse a signing provider, and the receiver's signature path is tested without one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from typing import Any

from smsbridge import errors
from smsbridge.models import (
    CallbackKind,
    CallbackReply,
    CallbackRequest,
    CallbackSetup,
    CallbackSpec,
    DeliveryReport,
    DeliveryStatus,
    InboundMessage,
)

__all__ = ["SIGNATURE_HEADER", "TOLERANCE", "callback_spec", "parse_inbound", "parse_report", "sign", "verify"]

SIGNATURE_HEADER = "X-Memory-Signature"
TOLERANCE = 300.0  # seconds a signed callback stays valid (a replay later is refused)


def _mac(secret: str, timestamp: str, method: str, target: str, body: bytes) -> str:
    payload = f"{timestamp}\n{method.upper()}\n{target}\n".encode() + body
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, target: str, body: bytes = b"", *, at: float | None = None) -> str:
    """The ``X-Memory-Signature`` value for a callback to ``target`` (path and query, as sent)."""
    timestamp = str(int(time.time() if at is None else at))
    return f"t={timestamp},v1={_mac(secret, timestamp, method, target, body)}"


def verify(secret: str, request: CallbackRequest, *, now: float | None = None) -> bool:
    """True only for a request signed with ``secret`` over its own method, target and body, recently."""
    header = request.headers.get(SIGNATURE_HEADER.lower(), "")
    fields = dict(part.strip().partition("=")[::2] for part in header.split(",") if "=" in part)
    timestamp, given = fields.get("t", ""), fields.get("v1", "")
    if not timestamp.isdigit() or not given:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE:
        return False
    expected = _mac(secret, timestamp, request.method, request.target, request.body)
    return hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))


def callback_spec(ctx: Any) -> CallbackSpec:
    secret = ctx.config.callback_secret
    if secret is not None and not secret:
        raise errors.ConfigurationError(
            "memory:// callback_secret is empty: leave the option out for unsigned callbacks, or give a secret",
            provider="memory",
        )
    return CallbackSpec(
        kinds={
            CallbackKind.STATUS: CallbackSetup(where="POST id=<message id>&status=<delivery status> to it"),
            CallbackKind.INBOUND: CallbackSetup(where="POST from=<number>&text=<text> to it"),
        },
        reply=CallbackReply(200, b"OK\n"),
        verify=(lambda request: verify(secret, request)) if secret else None,
        signature=f"HMAC-SHA256 in the {SIGNATURE_HEADER} header (callback_secret)" if secret else "",
    )


def parse_inbound(ctx: Any, request: CallbackRequest) -> list[InboundMessage]:
    data = {**request.query, **request.form}
    sender, text = data.get("from"), data.get("text")
    if not sender or text is None:
        raise errors.UnreadableReplyError(
            "not a memory:// inbound callback: from and text are needed", provider="memory"
        )
    ident = (
        data.get("id")
        or hashlib.blake2b(f"{sender}\x00{data.get('to', '')}\x00{text}".encode(), digest_size=10).hexdigest()
    )
    return [
        InboundMessage(
            id=ident, sender=sender, text=text, recipient=data.get("to"), keyword=data.get("keyword"), provider="memory"
        )
    ]


def parse_report(ctx: Any, request: CallbackRequest) -> list[DeliveryReport]:
    data = {**request.query, **request.form}
    if not data.get("id"):
        raise errors.UnreadableReplyError("not a memory:// callback: no id", provider="memory")
    try:
        status = DeliveryStatus(data.get("status", "delivered"))
    except ValueError:
        status = DeliveryStatus.UNKNOWN
    try:
        at = dt.datetime.fromtimestamp(float(data["at"]), dt.timezone.utc) if data.get("at") else None
    except (ValueError, OverflowError, OSError):
        raise errors.UnreadableReplyError("memory:// callback: at is not UNIX seconds", provider="memory") from None
    return [
        DeliveryReport(
            message_id=data["id"],
            status=status,
            recipient=data.get("to"),
            provider_code=data.get("code"),
            provider_text=data.get("status"),
            updated_at=at,
            provider="memory",
        )
    ]
