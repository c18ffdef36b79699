"""Requests to the ASPSMS JSON API and THE one mapping from a reply to data or a typed error.

Every method is ``POST <base>/<Method>`` with a JSON object holding ``UserName`` (the userkey)
and ``Password``; every reply is a JSON object whose values are strings, with a
``StatusCode`` / ``StatusInfo`` envelope, and refusals come with HTTP 200 (REFERENCE.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from smsbridge.plugin import (
    Answer,
    ProviderContext,
    ProviderError,
    RawReply,
    Refusal,
    RejectedError,
    UnreadableReplyError,
    expect_ok_status,
    is_success,
    json_body,
    refusal_error,
    status_error,
    text_of,
    unreadable,
)
from smsbridge_aspsms import codes
from smsbridge_aspsms.config import AspsmsConfig

__all__ = ["Ctx", "call", "code_of", "read_reply", "refusal"]

Ctx = ProviderContext[AspsmsConfig]

_OK = ("1",)
# ASPSMS answers refusals with HTTP 200; should a 4xx come with the envelope, read it too
_ERROR_STATUSES = range(400, 500)


def code_of(value: Any) -> str | None:
    """A StatusCode as text (``"1"``; a number ``1`` is read the same), or ``None``."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def call(ctx: Ctx, method: str, fields: Mapping[str, Any], *, auth: bool = True, **reading: Any) -> Answer:
    """POST ``fields`` (plus the credentials when ``auth``) to ``method``; map the reply
    (``reading``: the options of ``read_reply``)."""
    credentials = {"UserName": ctx.config.userkey, "Password": ctx.config.password} if auth else {}
    reply = ctx.http.request("POST", ctx.url(f"/{method}"), json={**credentials, **fields})
    return read_reply(reply, ctx.provider, method, **reading)


def read_reply(
    reply: RawReply,
    provider: str,
    method: str,
    *,
    success: Collection[str] = _OK,
    answers: Collection[str] = (),
    effectful: bool = False,
    envelope: bool = True,
) -> Answer:
    """The one mapping from a reply to an :class:`Answer` or a typed error.

    ``success`` are the StatusCodes meaning OK for this method (``"0"`` and ``"1"`` for
    InquireDeliveryNotifications); ``answers`` are codes that are results rather than
    refusals for this method (``30``/``31`` for CheckOriginatorAuthorization...).
    ``effectful``: the method sends or spends something, so StatusCode 6 ("time out") or a
    code that is not a documented refusal leaves the outcome unknown.  ``envelope=False``:
    VersionInfo / ListAllStatusCodes, whose documented reply is ``{}``: an object (or list)
    without StatusCode is accepted as is.  A non-2xx reply is read for a documented refusal
    code; without one its status decides (``smsbridge.plugin.status_error``), quoting StatusInfo.
    """
    data = json_body(reply, provider, expect=dict if envelope else (dict, list), error_statuses=_ERROR_STATUSES)
    if isinstance(data, list) or ("StatusCode" not in data and not envelope):
        expect_ok_status(reply, provider)
        return Answer(data, reply)
    code = code_of(data.get("StatusCode"))
    info = text_of(data.get("StatusInfo"))
    if not is_success(reply):
        # a documented refusal says more than the status; anything else: the status decides
        if code is not None and code in codes.REFUSALS:
            raise refusal(reply, provider, method, code, info, effectful=effectful)
        raise status_error(reply, provider, text=info, code=code)
    if code is None:
        why = "no StatusCode in the reply" if "StatusCode" not in data else "a StatusCode that is not a code"
        raise unreadable(reply, provider, f"{method}: {why}")
    if code in success or code in answers:
        return Answer(data, reply, code, info)
    raise refusal(reply, provider, method, code, info, effectful=effectful)


def refusal(
    reply: RawReply,
    provider: str,
    method: str,
    code: str,
    info: str | None,
    *,
    effectful: bool = False,
) -> ProviderError:
    """The typed error for a StatusCode that refuses ``method`` (built, not raised).

    Only the table's refusal codes (``codes.REFUSALS``) are certain refusals.  Another code
    (``0``, ``999``, an answer of another method) on a method that sends or spends something
    leaves its outcome unknown; on a read it is a ``RejectedError``.
    """
    said = info or codes.STATUS_TEXT.get(code)
    message = f"{method} refused: {said or 'unknown status'} (StatusCode {code})"
    common: dict[str, Any] = {
        "provider": provider,
        "http_status": reply.status,
        "code": code,
        "text": said,
        "raw": reply,
    }
    known = codes.REFUSALS.get(code)
    if code == "6" and effectful:
        # ASPSMS gave up waiting on its own side: it may have taken the request.
        return _maybe_taken(method, "the provider answered 'time out' (StatusCode 6)", common)
    if known is None and effectful:
        return _maybe_taken(
            method, f"StatusCode {code} ({said or 'unknown status'}) is not a documented refusal", common
        )
    refused = known or Refusal(RejectedError, "")
    return refusal_error(refused, reply, code=code, text=said, message=message, provider=provider)


# the methods whose effect is an SMS: an unknown outcome is checked through delivery status
_SENDS = frozenset({"SendTextSMS", "SendSimpleTextSMS", "SendTokenSMS", "SendOriginatorUnlockCode"})


def _maybe_taken(method: str, why: str, common: dict[str, Any]) -> UnreadableReplyError:
    hint = (
        "check delivery status with the TRNs before sending again"
        if method in _SENDS
        else "check the account (credits, vouchers) before repeating it"
    )
    return UnreadableReplyError(f"{method}: {why}: the request may have been taken", hint=hint, **common)
