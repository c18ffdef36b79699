"""Account operations: campaigns, blacklist, sub-accounts, prices by country.

The operation names are AllMySMS's own method names.  The documents give their replies
(REFERENCE.md) but not their request fields beyond what the replies show: ``campaignId``
(deleteCampaign) and ``isoCode`` (getCreditsByCountryIsoCode) are read from the reply keys
of sendSms and getCreditsByCountryIsoCode.  Every operation also takes ``fields``: extra
form fields sent as given (a mapping, or ``"name=value&name2=value2"``), for the sub-account
parameters whose names are not in the documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from smsbridge.errors import InvalidMessageError, RejectedError, UnsupportedOperationError
from smsbridge.models import AdminOperation, AdminParam, AdminResult
from smsbridge_allmysms.results import decimal_of
from smsbridge_allmysms.wire import RESERVED_FIELDS, call, text_of

__all__ = ["OPERATIONS", "run"]

_FIELDS = AdminParam(
    "fields",
    "str",
    description="extra form fields as AllMySMS names them: a mapping or 'name=value&name2=value2'",
)

OPERATIONS: tuple[AdminOperation, ...] = (
    AdminOperation(
        "deleteCampaign",
        "Cancel a scheduled campaign (the campaignId a scheduled send returned).",
        (AdminParam("campaignId", "str", required=True, description="campaignId from the send result"), _FIELDS),
    ),
    AdminOperation("getBlacklist", "List the numbers that opted out (STOP).", (_FIELDS,)),
    AdminOperation("createSubAccount", "Create a sub-account; give its fields in `fields`.", (_FIELDS,)),
    AdminOperation("updateSubAccount", "Update a sub-account; give its fields in `fields`.", (_FIELDS,)),
    AdminOperation("getSubAccounts", "List the sub-accounts.", (_FIELDS,)),
    AdminOperation(
        "manageSubAccountCredits", "Move credits to or from a sub-account; give its fields in `fields`.", (_FIELDS,)
    ),
    AdminOperation("deleteSubAccount", "Delete a sub-account; give its fields in `fields`.", (_FIELDS,)),
    AdminOperation(
        "getCreditsByCountryIsoCode",
        "Credits one SMS costs to a country.",
        (AdminParam("isoCode", "str", required=True, description="ISO 3166 alpha-2 country code, e.g. FR"), _FIELDS),
    ),
)

_NAMES = frozenset(op.name for op in OPERATIONS)
_SECRETISH = re.compile(r"pass|key|token|secret|pwd", re.IGNORECASE)
# Status words the account operations use for a refusal (inf: createSubAccount answers "1"
# for success, deleteCampaign "OK"; their failures are not documented).
_FAILED = frozenset({"0", "ko", "nok", "error", "erreur", "fail", "failed", "false"})


def _invalid(ctx: Any, message: str) -> InvalidMessageError:
    return InvalidMessageError(message, provider=ctx.provider, before_request=True)


def _extra_fields(ctx: Any, operation: str, value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            pairs = []
        if not pairs:
            raise _invalid(ctx, f"{operation}: fields must look like 'name=value&name2=value2'")
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise _invalid(ctx, f"{operation}: fields must be a mapping or 'name=value&...', not {type(value).__name__}")
    out: dict[str, str] = {}
    for key, item in pairs:
        name = str(key)
        if not name or name.lower() in RESERVED_FIELDS:
            raise _invalid(ctx, f"{operation}: field {name!r} is set by the plugin and cannot be given")
        text = text_of(item)
        if text is None:
            raise _invalid(ctx, f"{operation}: field {name!r} must be a text or a number")
        if _SECRETISH.search(name):
            ctx.add_secret(text)  # a sub-account password never shows in logs or errors
        out[name] = text
    return out


def _fields(ctx: Any, operation: str, params: Mapping[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    if operation == "deleteCampaign":
        campaign = text_of(params.get("campaignId"))
        if not campaign or not campaign.strip():
            raise _invalid(ctx, "deleteCampaign: campaignId must be a non-empty text")
        fields["campaignId"] = campaign.strip()
    elif operation == "getCreditsByCountryIsoCode":
        iso = text_of(params.get("isoCode"))
        if not iso or not re.fullmatch(r"[A-Za-z]{2}", iso.strip()):
            raise _invalid(ctx, f"getCreditsByCountryIsoCode: isoCode must be two letters (e.g. FR), got {iso!r}")
        fields["isoCode"] = iso.strip().upper()
    extra = _extra_fields(ctx, operation, params.get("fields"))
    clash = sorted(set(extra) & set(fields))
    if clash:
        raise _invalid(ctx, f"{operation}: {', '.join(clash)} given twice")
    return {**fields, **extra}


def run(ctx: Any, operation: str, params: Mapping[str, Any]) -> AdminResult:
    """Run one declared operation; a refusal raises its typed error."""
    if operation not in _NAMES:
        raise UnsupportedOperationError(f"AllMySMS has no operation {operation!r}", provider=ctx.provider)
    reply, data = call(ctx, operation, _fields(ctx, operation, params))
    if isinstance(data, dict):
        status = text_of(data.get("status"))
        if status is not None and status.strip().lower() in _FAILED:
            text = text_of(data.get("text")) or text_of(data.get("statusText")) or text_of(data.get("message"))
            raise RejectedError(
                f"AllMySMS refused {operation}" + (f": {text}" if text else ""),
                provider=ctx.provider,
                http_status=reply.status,
                code=status.strip(),
                text=text,
                raw=reply,
            )
        result: dict[str, Any] = dict(data)
    else:
        result = {"items": data}
    if operation == "getCreditsByCountryIsoCode":
        credits = decimal_of(result.get("nbCredits"))
        if credits is not None:
            result["credits"] = credits
    return AdminResult(operation, result, provider=ctx.provider, raw=reply)
