"""The API's other methods as admin operations: one-time codes, originators, vouchers, info.

Operation and parameter names are the API's own.  The JSON replies of these methods are not
published (REFERENCE.md: UNKNOWN); they are read as the same ``StatusCode``/``StatusInfo``
envelope as the documented ones (an inference), and any other field of a reply is passed
on under ``details`` as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from smsbridge.errors import (
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    UnsupportedOperationError,
)
from smsbridge.models import AdminOperation, AdminParam, AdminResult
from smsbridge.replies import unreadable
from smsbridge_aspsms.config import originator_problem, url_problem
from smsbridge_aspsms.sending import MESSAGE_OPTIONS, notification_fields
from smsbridge_aspsms.wire import Answer, call, text_of

if TYPE_CHECKING:
    from smsbridge.context import ProviderContext

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


def _invalid(ctx: ProviderContext, operation: str, message: str) -> InvalidMessageError:
    return InvalidMessageError(f"{operation}: {message}", provider=ctx.provider, before_request=True)


def _text(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _invalid(ctx, op, f"{name} must be text, not {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _required(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> str:
    text = _text(ctx, op, params, name)
    if text is None:
        raise _invalid(ctx, op, f"{name} is required")
    return text


def _int(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid(ctx, op, f"{name} must be a whole number of at least 1, not {value!r}")
    return value


def _bool(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "yes", "true", "on"):
        return True
    if text in ("0", "no", "false", "off"):
        return False
    raise _invalid(ctx, op, f"{name} must be yes or no, not {value!r}")


def _decimal(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> Decimal:
    value = params.get(name)
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise InvalidOperation
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _invalid(ctx, op, f"{name} must be a number, not {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise _invalid(ctx, op, f"{name} must be a positive number, not {value!r}")
    return amount


def _phone(ctx: ProviderContext, op: str, params: Mapping[str, Any], name: str) -> str:
    from smsbridge.numbers import normalize

    raw = _required(ctx, op, params, name)
    try:
        return normalize(raw, region=ctx.settings.region or ctx.spec.default_region, provider=ctx.provider)
    except InvalidRecipientError as exc:
        raise InvalidRecipientError(
            f"{op}: {name}: {exc.message}", recipient=raw, provider=ctx.provider, before_request=True
        ) from None


def _numeric_originator(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> str:
    try:
        return _phone(ctx, op, params, "Originator")
    except InvalidRecipientError as exc:
        raise InvalidSenderError(
            f"{exc.message} (only numeric originators are unlocked: give a phone number)",
            provider=ctx.provider,
            before_request=True,
        ) from None


def _envelope(answer: Answer) -> dict[str, Any]:
    """StatusCode/StatusInfo plus any other field of the reply, as given."""
    data = answer.data if isinstance(answer.data, Mapping) else {}
    details = {k: v for k, v in data.items() if k not in ("StatusCode", "StatusInfo")}
    return {"status_code": answer.code, "status_info": answer.info, "details": details}


def _result(ctx: ProviderContext, op: str, answer: Answer, **data: Any) -> AdminResult:
    return AdminResult(op, {**data, **_envelope(answer)}, provider=ctx.provider, raw=answer.raw)


# ------------------------------------------------------------------------------ operations


def _send_token(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    recipient = _phone(ctx, op, params, "Recipients")
    text = _required(ctx, op, params, "MessageData")
    if PLACEHOLDER not in text:
        raise _invalid(ctx, op, f"MessageData must contain the placeholder {PLACEHOLDER}")
    if len(text) > MAX_TEXT:
        raise _invalid(ctx, op, f"MessageData has {len(text)} characters; ASPSMS takes at most {MAX_TEXT}")
    reference = _required(ctx, op, params, "TokenReference")
    originator = _text(ctx, op, params, "Originator") or ctx.settings.sender
    if originator:
        problem = originator_problem(originator)
        if problem:
            raise InvalidSenderError(f"{op}: {problem}", provider=ctx.provider, before_request=True)
    mask = _text(ctx, op, params, "TokenMask")
    if mask is not None and not set(mask) <= _MASK_CHARACTERS:
        raise _invalid(ctx, op, f"TokenMask {mask!r} may hold only # (digit), A (letter) and N (letter or digit)")
    validity = _int(ctx, op, params, "TokenValidity")
    case_sensitive = _bool(ctx, op, params, "TokenCaseSensitive")
    overrides = {}
    for key, wire_name in MESSAGE_OPTIONS.items():
        if wire_name in params:
            value = params[wire_name]
            problem = (
                url_problem(wire_name, value) if isinstance(value, str) and value and key != "affiliate_id" else None
            )
            if problem:
                raise _invalid(ctx, op, problem)
            overrides[key] = value
    notify = notification_fields(ctx, overrides)
    fields: dict[str, Any] = {}
    if originator:
        fields["Originator"] = originator
    fields.update({"Recipients": recipient, "MessageData": text, "TokenReference": reference})
    if validity is not None:
        fields["TokenValidity"] = str(validity)
    if mask is not None:
        fields["TokenMask"] = mask
    code = _text(ctx, op, params, "VerificationCode")
    if code is not None:
        fields["VerificationCode"] = code
    if case_sensitive is not None:
        fields["TokenCaseSensitive"] = "1" if case_sensitive else "0"
    fields.update(notify)
    answer = call(ctx, op, fields, effectful=True)
    return _result(ctx, op, answer, sent=True, recipient=recipient, TokenReference=reference)


_TOKEN_ANSWERS = {
    "36": "pending",
    "37": "not_verified",
    "38": "not_found",
    "39": "already_verified",
}


def _verify_token(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    fields = {
        "PhoneNumber": _phone(ctx, op, params, "PhoneNumber"),
        "TokenReference": _required(ctx, op, params, "TokenReference"),
        "VerificationCode": _required(ctx, op, params, "VerificationCode"),
    }
    answer = call(ctx, op, fields, answers=_TOKEN_ANSWERS)
    status = "verified" if answer.code == "1" else _TOKEN_ANSWERS[answer.code or ""]
    return _result(ctx, op, answer, verified=status == "verified", status=status)


def _send_unlock_code(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    originator = _numeric_originator(ctx, op, params)
    answer = call(ctx, op, {"Originator": originator}, answers=("31",), effectful=True)
    already = answer.code == "31"
    return _result(ctx, op, answer, sent=not already, already_authorized=already, originator=originator)


def _unlock(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    originator = _numeric_originator(ctx, op, params)
    fields = {"Originator": originator, "UnlockCode": _required(ctx, op, params, "UnlockCode")}
    affiliate = _text(ctx, op, params, "AffiliateID") or ctx.config.affiliate_id
    if affiliate:
        fields["AffiliateID"] = affiliate
    answer = call(ctx, op, fields, answers=("29", "30", "31"))
    unlocked = answer.code in ("1", "31")
    return _result(ctx, op, answer, unlocked=unlocked, authorized=unlocked, originator=originator)


_AUTHORIZATION = {"28": True, "29": False, "30": False, "31": True}


def _check_originator(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
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


def _create_voucher(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    count = _int(ctx, op, params, "NumberOfVouchers")
    if count is None:
        raise _invalid(ctx, op, "NumberOfVouchers is required")
    amount = _decimal(ctx, op, params, "AmountCreditsPerVoucher")
    fields = {"NumberOfVouchers": str(count), "AmountCreditsPerVoucher": str(amount)}
    remarks = _text(ctx, op, params, "Remarks")
    if remarks is not None:
        fields["Remarks"] = remarks
    answer = call(ctx, op, fields, effectful=True)
    return _result(ctx, op, answer, created=True)


def _voucher_list(ctx: ProviderContext, op: str, answer: Answer) -> list[Any]:
    data = answer.data if isinstance(answer.data, Mapping) else {}
    key = next((k for k in data if isinstance(k, str) and k.lower() == "vouchers"), None)
    vouchers = data.get(key) if key is not None else []
    if vouchers is None:
        return []
    if not isinstance(vouchers, list):
        raise unreadable(answer.raw, ctx.provider, f"{op}: 'vouchers' is not a list")
    return vouchers


def _voucher_transactions(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {})
    return _result(ctx, op, answer, vouchers=_voucher_list(ctx, op, answer))


def _redeem(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    code = _required(ctx, op, params, "RedeemCode")
    ctx.add_secret(code)  # a voucher code is worth credits: keep it out of logs and errors
    answer = call(ctx, op, {"RedeemCode": code}, effectful=True)
    return _result(ctx, op, answer, redeemed=True)


def _version(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {}, auth=False, envelope=False)
    return _result(ctx, op, answer, version=_first_text(answer.data, ("Version", "VersionInfo", "version")))


def _first_text(data: Any, names: tuple[str, ...]) -> str | None:
    if isinstance(data, Mapping):
        for name in names:
            text = text_of(data.get(name))
            if text:
                return text
    return None


def _status_codes(ctx: ProviderContext, op: str, params: Mapping[str, Any]) -> AdminResult:
    answer = call(ctx, op, {}, auth=False, envelope=False)
    return AdminResult(
        op,
        {"status_codes": _code_table(answer.data), "status_code": answer.code, "reply": answer.data},
        provider=ctx.provider,
        raw=answer.raw,
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


_HANDLERS: dict[str, Callable[[ProviderContext, str, Mapping[str, Any]], AdminResult]] = {
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


def run(ctx: ProviderContext, operation: str, params: Mapping[str, Any]) -> AdminResult:
    handler = _HANDLERS.get(operation)
    if handler is None:
        raise UnsupportedOperationError(f"unknown operation {operation!r}", provider=ctx.provider)
    return handler(ctx, operation, params)
