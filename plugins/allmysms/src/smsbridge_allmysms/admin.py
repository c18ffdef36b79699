"""Account operations: campaigns, blacklist, sub-accounts, prices by country.

The operation names are AllMySMS's own method names, and so are the parameter names: the
documents give the replies (REFERENCE.md) but not the request fields, which are those a public
client sends (davaxi/AllMySMS, ``src/Service/Account.php`` and ``src/Service/Tools.php``):
``campId`` (deleteCampaign), ``countryIsoCode`` (getCreditsByCountryIsoCode), ``accountData``
(a JSON ``{"DATA": {...}}`` of LOGIN, PASSWORD, FIRSTNAME...: createSubAccount,
updateSubAccount), ``subAccount``, ``credits`` (manageSubAccountCredits, a signed number) and
``loginToDelete`` (deleteSubAccount).  Every operation also takes ``fields``: extra form
fields sent as given (a mapping, or ``"name=value&name2=value2"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from smsbridge.plugin import (
    AdminOperation,
    AdminParam,
    AdminResult,
    RejectedError,
    admin_error,
    find_operation,
    first_text,
    form_pairs,
    parse_decimal,
    text_of,
    wire_fields,
)
from smsbridge_allmysms.config import Ctx
from smsbridge_allmysms.wire import RESERVED_FIELDS, call

__all__ = ["OPERATIONS", "run"]

_FIELDS = AdminParam(
    "fields",
    "mapping",
    description="extra form fields as AllMySMS names them: a mapping or 'name=value&name2=value2'",
)
_ACCOUNT_DATA = AdminParam(
    "accountData",
    "mapping",
    required=True,
    description="the sub-account's DATA fields (LOGIN, PASSWORD, FIRSTNAME, LASTNAME, EMAIL...): "
    "a mapping, a JSON object or 'LOGIN=x&PASSWORD=y'",
)
_SUB_ACCOUNT = AdminParam("subAccount", "str", required=True, description="the sub-account's login")

OPERATIONS: tuple[AdminOperation, ...] = (
    AdminOperation(
        "deleteCampaign",
        "Cancel a scheduled campaign (the campaignId a scheduled send returned).",
        (AdminParam("campId", "str", required=True, description="result.details['campaignId'] of the send"), _FIELDS),
    ),
    AdminOperation(
        "getBlacklist",
        "List the numbers that opted out (STOP).",
        (AdminParam("subAccount", "str", description="a sub-account's login, for its list"), _FIELDS),
    ),
    AdminOperation("createSubAccount", "Create a sub-account.", (_ACCOUNT_DATA, _FIELDS)),
    AdminOperation("updateSubAccount", "Update a sub-account.", (_SUB_ACCOUNT, _ACCOUNT_DATA, _FIELDS)),
    AdminOperation("getSubAccounts", "List the sub-accounts.", (_FIELDS,)),
    AdminOperation(
        "manageSubAccountCredits",
        "Move credits to (positive) or from (negative) a sub-account.",
        (
            _SUB_ACCOUNT,
            AdminParam("credits", "int", required=True, description="credits to add, or -n to take back"),
            _FIELDS,
        ),
    ),
    AdminOperation(
        "deleteSubAccount",
        "Delete a sub-account.",
        (AdminParam("loginToDelete", "str", required=True, description="the sub-account's login"), _FIELDS),
    ),
    AdminOperation(
        "getCreditsByCountryIsoCode",
        "Credits one SMS costs to a country.",
        (
            AdminParam("countryIsoCode", "str", required=True, description="ISO 3166 alpha-2 country code, e.g. FR"),
            _FIELDS,
        ),
    ),
)

_SECRETISH = re.compile(r"pass|key|token|secret|pwd", re.IGNORECASE)
# Status words the account operations use for a refusal (inf: createSubAccount answers "1"
# for success, deleteCampaign "OK"; their failures are not documented).
_FAILED = frozenset({"0", "ko", "nok", "error", "erreur", "fail", "failed", "false"})


def _texts(ctx: Ctx, operation: str, name: str, value: Any) -> dict[str, str]:
    """``form_pairs``; a value under a secret-looking name is registered as a secret."""
    out = form_pairs(operation, name, value)
    for field, text in out.items():
        if _SECRETISH.search(field):
            ctx.add_secret(text)  # a sub-account password never shows in logs or errors
    return out


def _extra_fields(ctx: Ctx, operation: str, value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    fields = _texts(ctx, operation, "fields", value)
    for name in fields:
        if name.lower() in RESERVED_FIELDS:
            raise admin_error(operation, f"field {name!r} is set by the plugin and cannot be given")
    return fields


def _account_data(ctx: Ctx, operation: str, value: Any) -> str:
    """``accountData``: the JSON ``{"DATA": {...}}`` davaxi/AllMySMS sends."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            raise admin_error(operation, "accountData is not valid JSON") from None
        if not isinstance(value, Mapping):
            raise admin_error(operation, "accountData must be a JSON object")
        if set(value) == {"DATA"} and isinstance(value["DATA"], Mapping):
            value = value["DATA"]
    return json.dumps({"DATA": _texts(ctx, operation, "accountData", value)}, ensure_ascii=False)


def _fields(ctx: Ctx, op: AdminOperation, params: Mapping[str, Any]) -> dict[str, str]:
    """The declared parameters given, as form fields in declared order, then the extra ``fields``.

    The core has refused unknown and missing parameters and converted ``credits`` to an int.
    """
    names = [p.name for p in op.params if p.name not in ("fields", "accountData")]
    fields = wire_fields(params, names, strip=True, operation=op.name)
    if params.get("accountData") not in (None, ""):  # declared after the others
        fields["accountData"] = _account_data(ctx, op.name, params["accountData"])
    iso = fields.get("countryIsoCode")
    if iso is not None and not re.fullmatch(r"[A-Za-z]{2}", iso):
        raise admin_error(op.name, f"countryIsoCode must be two letters (e.g. FR), got {iso!r}")
    if iso is not None:
        fields["countryIsoCode"] = iso.upper()
    if abs(params.get("credits") or 0) >= 10**9:
        raise admin_error(op.name, "credits must be a whole number (negative to take credits back)")
    extra = _extra_fields(ctx, op.name, params.get("fields"))
    clash = sorted(set(extra) & set(fields))
    if clash:
        raise admin_error(op.name, f"{', '.join(clash)} given twice")
    return {**fields, **extra}


def run(ctx: Ctx, operation: str, params: Mapping[str, Any]) -> AdminResult:
    """Run one declared operation; a refusal raises its typed error."""
    op = find_operation(OPERATIONS, operation, provider="AllMySMS")
    answer = call(ctx, operation, _fields(ctx, op, params))
    reply, data = answer.raw, answer.data
    if isinstance(data, dict):
        status = text_of(data.get("status"))
        if status is not None and status.strip().lower() in _FAILED:
            text = first_text(data, ("text", "statusText", "message"))
            raise RejectedError(
                f"AllMySMS refused {operation}" + (f": {text}" if text else ""),
                http_status=reply.status,
                code=status.strip(),
                text=text,
                raw=reply,
            )
        result: dict[str, Any] = dict(data)
    else:
        result = {"items": data}
    if operation == "getCreditsByCountryIsoCode":
        credits = parse_decimal(result.get("nbCredits"), comma="decimal")
        if credits is not None:
            result["credits"] = credits
    return AdminResult(operation, result, raw=reply)
