"""Named operations: contacts, ``query``, ``set_token``, ``ws_login`` and the admin tasks.

Parameter names are the wire names of the document (the ``data_*`` fields, ``recvnum``,
``smsc``, ``from``, ``kwd``, ``c``).  Results keep the reply's fields without the envelope
(``error``, ``error_string``, ``timestamp``); credit figures (``credit``, ``balance``,
``amount``) become ``Decimal``.  A new token or login key is registered as a secret before
anything else sees the reply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from smsbridge.context import ProviderContext
from smsbridge.errors import InvalidMessageError, UnsupportedOperationError
from smsbridge.models import AdminOperation, AdminParam, AdminResult
from smsbridge.wire import unreadable
from smsbridge_junubsms.wire import (
    Reply,
    call,
    endpoint,
    items_of,
    redacted,
    remember_token,
    secret_of,
    text_of,
    to_decimal,
)

__all__ = ["OPERATIONS", "run"]


def _p(name: str, required: bool = False, type: str = "str", description: str = "") -> AdminParam:
    return AdminParam(name, type=type, required=required, description=description)


_USER = _p("data_username", True, description="the account to act on")
_ACCOUNT_DATA = (
    _p("data_name"),
    _p("data_email"),
    _p("data_mobile"),
)

OPERATIONS: tuple[AdminOperation, ...] = (
    AdminOperation("query", "Server information: the user's data and credit, last ids of inbox/in/out."),
    AdminOperation(
        "get_contact",
        "Search the phonebook by name, mobile or email; no match is an empty list.",
        (_p("kwd", True, description="search text"), _p("c", type="int", description="at most this many")),
    ),
    AdminOperation(
        "get_contact_group",
        "Search contact groups by name or code; no match is an empty list.",
        (_p("kwd", True, description="search text"), _p("c", type="int", description="at most this many")),
    ),
    AdminOperation(
        "set_token",
        "Make a new webservices token; the account uses it from then on and returns it once.",
    ),
    AdminOperation(
        "ws_login",
        "Build (never call) the browser login URL for a user with a login key (see loginkeyset).",
        (
            _p("login_key", True, description="the key loginkeyset gave"),
            _p("u", description="user; default: this account's"),
        ),
    ),
    AdminOperation(
        "inject",
        "Admin: inject a message that is then handled as a received SMS.",
        (
            _p("from", True, description="sender number"),
            _p("msg", True, description="text"),
            _p("recvnum", True, description="receiver number"),
            _p("smsc", True, description="SMSC name"),
        ),
    ),
    AdminOperation(
        "accountadd",
        "Admin: add an account (data_status 2 admin, 3 user, 4 subuser).",
        (
            _p("data_status", True, "int", "2 admin, 3 user, 4 subuser"),
            _p("data_username", True),
            _p("data_password", True),
            _p("data_name", True),
            _p("data_email", True),
            _p("data_parent", description="parent account, for a subuser"),
            _p("data_mobile"),
            _p("data_datetime_timezone"),
            _p("data_language_module"),
        ),
    ),
    AdminOperation("accountremove", "Admin: remove an account.", (_USER,)),
    AdminOperation("parentset", "Admin: set a subuser's parent.", (_USER, _p("data_parent", True))),
    AdminOperation("parentget", "Admin: a subuser's parent (parent_uid, parent).", (_USER,)),
    AdminOperation("accountban", "Admin: ban an account.", (_USER,)),
    AdminOperation("accountunban", "Admin: unban an account.", (_USER,)),
    AdminOperation(
        "accountpref",
        "Admin: update account preferences (also the password).",
        (
            _USER,
            *_ACCOUNT_DATA,
            _p("data_address"),
            _p("data_city"),
            _p("data_state"),
            _p("data_country"),
            _p("data_zipcode"),
            _p("data_password"),
        ),
    ),
    AdminOperation(
        "accountconf",
        "Admin: update account configuration (footer, default sender, forwarding, number rules).",
        (
            _USER,
            _p("data_footer"),
            _p("data_datetime_timezone"),
            _p("datetime_timezone", description="as the document spells it for accountconf"),
            _p("data_language_module"),
            _p("data_fwd_to_inbox", type="bool"),
            _p("data_fwd_to_email", type="bool"),
            _p("data_fwd_to_mobile", type="bool"),
            _p("data_local_length", type="int"),
            _p("data_replace_zero", description="digits that replace a leading 0"),
            _p("data_sender", description="default sender id (must be an approved one)"),
        ),
    ),
    AdminOperation("creditview", "Admin: an account's balance (ERR 620 when it is zero).", (_USER,)),
    AdminOperation("creditadd", "Admin: add credit.", (_USER, _p("data_amount", True, "decimal"))),
    AdminOperation("creditdeduct", "Admin: deduct credit.", (_USER, _p("data_amount", True, "decimal"))),
    AdminOperation("loginkeyset", "Admin: set a login key for an account (see ws_login).", (_USER,)),
)

_BY_NAME = {op.name: op for op in OPERATIONS}
_MONEY = ("credit", "balance", "amount")
_LISTS = {"get_contact": "contacts", "get_contact_group": "groups"}
_ENVELOPE = ("error", "error_string", "timestamp")
_TRUE = {"1", "yes", "true", "on", "y"}
_FALSE = {"0", "no", "false", "off", "n"}


def _bad(ctx: ProviderContext, text: str) -> InvalidMessageError:
    return InvalidMessageError(text, provider=ctx.provider, before_request=True)


def _wire_value(ctx: ProviderContext, param: AdminParam, value: Any) -> str:
    """A parameter as wire text, checked against its declared type before any request."""
    name = param.name
    if param.type == "bool":
        if isinstance(value, bool):
            return "1" if value else "0"
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return "1" if text in _TRUE else "0"
        raise _bad(ctx, f"{name} takes yes/no (1/0), not {value!r}")
    if param.type == "int":
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit():
            raise _bad(ctx, f"{name} takes a whole number, not {value!r}")
        return text
    if param.type == "decimal":
        amount = to_decimal(value) if not isinstance(value, Decimal) else value
        if amount is None or not amount.is_finite() or amount <= 0:
            raise _bad(ctx, f"{name} takes a positive amount, not {value!r}")
        return format(amount, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise _bad(ctx, f"{name}: give a timezone-aware datetime")
        return value.astimezone(ctx.config.tz).strftime("%Y-%m-%d %H:%M:%S")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _bad(ctx, f"{name} takes text, not {type(value).__name__}")
    return str(value)


def _fields(ctx: ProviderContext, op: AdminOperation, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    declared = {p.name: p for p in op.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise _bad(ctx, f"{op.name}: unknown parameter(s) {', '.join(unknown)}")
    fields = []
    for param in op.params:  # declared order: stable requests
        value = params.get(param.name)
        if value is None or value == "":
            if param.required:
                raise _bad(ctx, f"{op.name}: missing required parameter {param.name}")
            continue
        fields.append((param.name, _wire_value(ctx, param, value)))
    if op.name == "accountadd" and dict(fields).get("data_status") not in ("2", "3", "4"):
        raise _bad(ctx, "accountadd: data_status is 2 (admin), 3 (user) or 4 (subuser)")
    return fields


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _ENVELOPE:
            continue
        if key in _MONEY:
            amount = to_decimal(value)
            out[key] = amount if amount is not None else value
        elif isinstance(value, Mapping):
            out[key] = _plain(value)
        else:
            out[key] = value
    return out


def _ok(answer: Reply) -> bool:
    return (text_of(answer.data.get("status")) or "").upper() == "OK"


def _ws_login(ctx: ProviderContext, params: Mapping[str, Any]) -> AdminResult:
    key = params.get("login_key")
    user = params.get("u") or ctx.config.username
    if not isinstance(key, str) or not key.strip():
        raise _bad(ctx, "ws_login: login_key must be text")
    if not isinstance(user, str):
        raise _bad(ctx, "ws_login: u must be text")
    ctx.add_secret(key)  # the URL is returned to the caller, never logged
    query = urlencode([("app", "ws"), ("op", "ws_login"), ("u", user), ("login_key", key)])
    return AdminResult("ws_login", {"url": f"{endpoint(ctx)}?{query}"}, provider=ctx.provider)


def run(ctx: ProviderContext, operation: str, params: Mapping[str, Any]) -> AdminResult:
    """Run one declared operation and shape its result (see the module doc)."""
    op = _BY_NAME.get(operation)
    if op is None:
        raise UnsupportedOperationError(f"unknown operation {operation!r}", provider=ctx.provider)
    fields = _fields(ctx, op, params)
    if operation == "ws_login":
        return _ws_login(ctx, params)
    answer = call(ctx, operation, fields, no_data_ok=operation in _LISTS)
    raw = answer.raw
    if operation == "set_token":
        new = secret_of(answer.data.get("token"))
        if new:
            remember_token(ctx, new)
            raw = redacted(ctx, raw)
        if not new or not _ok(answer):
            raise unreadable(raw, ctx.provider, "op=set_token answered no token")
        return AdminResult(operation, {"token": new}, provider=ctx.provider, raw=raw)
    if operation == "loginkeyset":
        key = secret_of(answer.data.get("login_key"))
        if key:
            ctx.add_secret(key)
            raw = redacted(ctx, raw)
    if operation in _LISTS:
        rows = [] if answer.no_data else items_of(answer.data.get("data"))
        if rows is None or not all(isinstance(r, Mapping) for r in rows):
            raise unreadable(raw, ctx.provider, f"op={operation} answered no list")
        return AdminResult(operation, {_LISTS[operation]: [_plain(r) for r in rows]}, provider=ctx.provider, raw=raw)
    if operation == "query":
        data = answer.data.get("data")
        if not isinstance(data, Mapping):
            raise unreadable(raw, ctx.provider, "op=query answered no data")
        return AdminResult(operation, _plain(data), provider=ctx.provider, raw=raw)
    if not _ok(answer):
        raise unreadable(raw, ctx.provider, f"op={operation} answered neither OK nor ERR")
    return AdminResult(operation, _plain(answer.data), provider=ctx.provider, raw=raw)
