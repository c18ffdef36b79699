"""The API's other methods as admin operations: one-time codes, originators, vouchers, info.

Operation and parameter names are the API's own.  The JSON replies of these methods are not
published (REFERENCE.md: UNKNOWN); they are read as the same ``StatusCode``/``StatusInfo``
envelope as the documented ones (an inference), and any other field of a reply is passed
on under ``details`` as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from smsbridge.plugin import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Answer,
    InvalidRecipientError,
    InvalidSenderError,
    UnsupportedOperationError,
    admin_error,
    before_request,
    first_text,
    normalize,
    text_of,
    unreadable,
    wire_fields,
)
from smsbridge_aspsms.config import originator_problem
from smsbridge_aspsms.sending import MESSAGE_OPTIONS, notification_fields
from smsbridge_aspsms.wire import Ctx, call

__all__ = ["OPERATIONS", "run"]

PLACEHOLDER = "<VERIFICATIONCODE>"
MAX_TEXT = 603
_MASK_CHARACTERS = frozenset("#AN")

_NOTIFY_PARAMS = (
    AdminParam("URLBufferedMessageNotification", description="overrides notify_buffered (200 characters at most)"),
    AdminParam("URLDeliveryNotification", description="overrides notify_delivered (200 characters at most)"),
    AdminParam("URLNonDeliveryNotification", description="overrides notify_not_delivered (200 characters at most)"),
    AdminParam("AffiliateID", description="overrides affiliate_id"),
)
_ORIGINATOR = AdminParam("Originator", required=True, description="the numeric originator (a phone number)")

OPERATIONS: tuple[AdminOperation, ...] = (
    AdminOperation(
        "SendTokenSMS",
        "Send a one-time code; ASPSMS makes (or takes) the code and remembers it under TokenReference.",
        (
            AdminParam("Recipients", required=True, description="the phone number to send the code to"),
            AdminParam("MessageData", required=True, description=f"the text; must contain {PLACEHOLDER}"),
            AdminParam("TokenReference", required=True, description="your name for this code, used by VerifyToken"),
            AdminParam("Originator", description="sender id; default: the account's sender"),
            AdminParam("TokenValidity", type="int", description="minutes the code is valid (ASPSMS default 5)"),
            AdminParam("TokenMask", description="# digit, A letter, N letter-or-digit (ASPSMS default NNNN)"),
            AdminParam("VerificationCode", description="a code of your own instead of a generated one"),
            AdminParam("TokenCaseSensitive", type="bool", description="whether VerifyToken compares case"),
            *_NOTIFY_PARAMS,
        ),
    ),
    AdminOperation(
        "VerifyToken",
        "Check a code a user typed: data['verified'] is True or False.",
        (
            AdminParam("PhoneNumber", required=True, description="the number the code was sent to"),
            AdminParam("TokenReference", required=True, description="as given to SendTokenSMS"),
            AdminParam("VerificationCode", required=True, description="the code the user typed"),
        ),
    ),
    AdminOperation(
        "SendOriginatorUnlockCode",
        "Send an unlock code by SMS to a numeric originator (needed before sending from it).",
        (_ORIGINATOR,),
    ),
    AdminOperation(
        "UnlockOriginator",
        "Unlock a numeric originator with the code it received: data['unlocked'].",
        (
            _ORIGINATOR,
            AdminParam("UnlockCode", required=True, description="the code SendOriginatorUnlockCode sent"),
            AdminParam("AffiliateID", description="overrides affiliate_id"),
        ),
    ),
    AdminOperation(
        "CheckOriginatorAuthorization",
        "Whether a numeric originator may be used: data['authorized'].",
        (_ORIGINATOR,),
    ),
    AdminOperation(
        "CreateVoucher",
        "Create voucher codes carrying credits (taken from this account).",
        (
            AdminParam("NumberOfVouchers", type="int", required=True, description="how many vouchers"),
            AdminParam("AmountCreditsPerVoucher", type="decimal", required=True, description="credits per voucher"),
            AdminParam("Remarks", description="a note kept with the vouchers"),
        ),
    ),
    AdminOperation("GetVoucherTransactions", "List the vouchers created and/or redeemed: data['vouchers']."),
    AdminOperation(
        "RedeemVoucher",
        "Add a voucher's credits to this account.",
        (AdminParam("RedeemCode", required=True, description="the voucher code"),),
    ),
    AdminOperation("VersionInfo", "The API's version (reply passed on as given)."),
    AdminOperation("ListAllStatusCodes", "Every StatusCode the API can return: data['status_codes']."),
)


# ------------------------------------------------------------------------------ parameters


# The core has converted every parameter by its declared type (``AdminParam.type``): text is
# text, ``int`` an int, ``bool`` a bool, ``decimal`` a Decimal; what is left is ASPSMS's rules.


def _text(params: Mapping[str, Any], name: str) -> str | None:
    return str(params.get(name) or "").strip() or None


def _required(op: str, params: Mapping[str, Any], name: str) -> str:
    text = _text(params, name)
    if text is None:
        raise admin_error(op, f"{name} is required")
    return text


def _positive(op: str, params: Mapping[str, Any], name: str) -> None:
    value = params.get(name)
    if value not in (None, "") and not value > 0:
        raise admin_error(op, f"{name} must be at least 1 (or positive), not {value!r}")


def _phone(ctx: Ctx, op: str, params: Mapping[str, Any], name: str) -> str:
    raw = _required(op, params, name)
    try:
        return normalize(raw, region=ctx.settings.region or ctx.spec.default_region, provider=ctx.provider)
    except InvalidRecipientError as exc:
        raise before_request(InvalidRecipientError, f"{op}: {name}: {exc.message}", recipient=raw) from None


def _numeric_originator(ctx: Ctx, op: str, params: Mapping[str, Any]) -> str:
    try:
        return _phone(ctx, op, params, "Originator")
    except InvalidRecipientError as exc:
        raise before_request(
            InvalidSenderError, f"{exc.message} (only numeric originators are unlocked: give a phone number)"
        ) from None


def _envelope(answer: Answer) -> dict[str, Any]:
    """StatusCode/StatusInfo plus any other field of the reply, as given."""
    data = answer.data if isinstance(answer.data, Mapping) else {}
    details = {k: v for k, v in data.items() if k not in ("StatusCode", "StatusInfo")}
    return {"status_code": answer.code, "status_info": answer.text, "details": details}


def _result(ctx: Ctx, op: str, answer: Answer, **data: Any) -> AdminResult:
    return AdminResult(op, {**data, **_envelope(answer)}, raw=answer.raw)


# ------------------------------------------------------------------------------ operations


def _send_token(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    recipient = _phone(ctx, op, params, "Recipients")
    text = _required(op, params, "MessageData")
    if PLACEHOLDER not in text:
        raise admin_error(op, f"MessageData must contain the placeholder {PLACEHOLDER}")
    if len(text) > MAX_TEXT:
        raise admin_error(op, f"MessageData has {len(text)} characters; ASPSMS takes at most {MAX_TEXT}")
    reference = _required(op, params, "TokenReference")
    originator = _text(params, "Originator") or ctx.settings.sender
    if originator:
        problem = originator_problem(originator)
        if problem:
            raise before_request(InvalidSenderError, f"{op}: {problem}")
    mask = _text(params, "TokenMask")
    if mask is not None and not set(mask) <= _MASK_CHARACTERS:
        raise admin_error(op, f"TokenMask {mask!r} may hold only # (digit), A (letter) and N (letter or digit)")
    _positive(op, params, "TokenValidity")
    overrides = {key: params[wire_name] for key, wire_name in MESSAGE_OPTIONS.items() if wire_name in params}
    notify = notification_fields(ctx, overrides, op=op)
    fields = {"Originator": originator} if originator else {}
    fields.update({"Recipients": recipient, "MessageData": text, "TokenReference": reference})
    optional = ("TokenValidity", "TokenMask", "VerificationCode", "TokenCaseSensitive")
    fields.update({**wire_fields(params, optional, strip=True), **notify})
    answer = call(ctx, op, fields, effectful=True)
    return _result(ctx, op, answer, sent=True, recipient=recipient, TokenReference=reference)


_TOKEN_ANSWERS = {
    "36": "pending",
    "37": "not_verified",
    "38": "not_found",
    "39": "already_verified",
}


def _verify_token(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    fields = {
        "PhoneNumber": _phone(ctx, op, params, "PhoneNumber"),
        "TokenReference": _required(op, params, "TokenReference"),
        "VerificationCode": _required(op, params, "VerificationCode"),
    }
    answer = call(ctx, op, fields, answers=_TOKEN_ANSWERS)
    status = "verified" if answer.code == "1" else _TOKEN_ANSWERS[answer.code or ""]
    return _result(ctx, op, answer, verified=status == "verified", status=status)


def _send_unlock_code(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    originator = _numeric_originator(ctx, op, params)
    answer = call(ctx, op, {"Originator": originator}, answers=("31",), effectful=True)
    already = answer.code == "31"
    return _result(ctx, op, answer, sent=not already, already_authorized=already, originator=originator)


def _unlock(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    originator = _numeric_originator(ctx, op, params)
    fields = {"Originator": originator, "UnlockCode": _required(op, params, "UnlockCode")}
    affiliate = _text(params, "AffiliateID") or ctx.config.affiliate_id
    if affiliate:
        fields["AffiliateID"] = affiliate
    answer = call(ctx, op, fields, answers=("29", "30", "31"))
    unlocked = answer.code in ("1", "31")
    return _result(ctx, op, answer, unlocked=unlocked, authorized=unlocked, originator=originator)


_AUTHORIZATION = {"28": True, "29": False, "30": False, "31": True}


def _check_originator(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    originator = _numeric_originator(ctx, op, params)
    answer = call(ctx, op, {"Originator": originator}, answers=_AUTHORIZATION)
    if answer.code not in _AUTHORIZATION:
        raise unreadable(answer.raw, ctx.provider, f"{op}: StatusCode {answer.code} says neither 30 nor 31")
    return _result(
        ctx,
        op,
        answer,
        authorized=_AUTHORIZATION[answer.code],
        pending=answer.code == "29",
        originator=originator,
    )


def _create_voucher(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    _positive(op, params, "NumberOfVouchers")
    _positive(op, params, "AmountCreditsPerVoucher")
    fields = wire_fields(params, ("NumberOfVouchers", "AmountCreditsPerVoucher", "Remarks"), strip=True)
    answer = call(ctx, op, fields, effectful=True)
    return _result(ctx, op, answer, created=True)


def _voucher_list(ctx: Ctx, op: str, answer: Answer) -> list[Any]:
    data = answer.data if isinstance(answer.data, Mapping) else {}
    key = next((k for k in data if isinstance(k, str) and k.lower() == "vouchers"), None)
    vouchers = data.get(key) if key is not None else []
    if vouchers is None:
        return []
    if not isinstance(vouchers, list):
        raise unreadable(answer.raw, ctx.provider, f"{op}: 'vouchers' is not a list")
    return vouchers


def _voucher_transactions(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {})
    return _result(ctx, op, answer, vouchers=_voucher_list(ctx, op, answer))


def _redeem(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    code = _required(op, params, "RedeemCode")
    ctx.add_secret(code)  # a voucher code is worth credits: keep it out of logs and errors
    answer = call(ctx, op, {"RedeemCode": code}, effectful=True)
    return _result(ctx, op, answer, redeemed=True)


def _version(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {}, auth=False, envelope=False)
    return _result(ctx, op, answer, version=first_text(answer.data, ("Version", "VersionInfo", "version")))


def _status_codes(ctx: Ctx, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {}, auth=False, envelope=False)
    return AdminResult(
        op, {"status_codes": _code_table(answer.data), "status_code": answer.code, "reply": answer.data}, raw=answer.raw
    )


def _code_table(data: Any) -> dict[str, str]:
    """``{code: text}`` from the shapes such a list could take; empty when none fits."""
    table: dict[str, str] = {}
    items: Any = data
    if isinstance(data, Mapping):
        lists = [v for v in data.values() if isinstance(v, list)]
        items = lists[0] if lists else data
    if isinstance(items, Mapping):
        for key, value in items.items():
            text = text_of(value)
            if isinstance(key, str) and key.strip().lstrip("-").isdigit() and text is not None:
                table[key.strip()] = text
    elif isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping):
                code = text_of(item.get("StatusCode", item.get("Code")))
                text = text_of(item.get("StatusInfo", item.get("Description", item.get("Text"))))
                if code and text is not None:
                    table[code] = text
    return table


_HANDLERS: dict[str, Callable[[Ctx, str, Mapping[str, Any]], AdminResult]] = {
    "SendTokenSMS": _send_token,
    "VerifyToken": _verify_token,
    "SendOriginatorUnlockCode": _send_unlock_code,
    "UnlockOriginator": _unlock,
    "CheckOriginatorAuthorization": _check_originator,
    "CreateVoucher": _create_voucher,
    "GetVoucherTransactions": _voucher_transactions,
    "RedeemVoucher": _redeem,
    "VersionInfo": _version,
    "ListAllStatusCodes": _status_codes,
}


def run(ctx: Ctx, operation: str, params: Mapping[str, Any]) -> AdminResult:
    handler = _HANDLERS.get(operation)
    if handler is None:
        raise UnsupportedOperationError(f"unknown operation {operation!r}")
    return handler(ctx, operation, params)
