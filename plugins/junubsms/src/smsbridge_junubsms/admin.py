"""Named operations: contacts, ``query``, ``set_token``, ``ws_login``, ``stoplist`` and the admin tasks.

Parameter names are the wire names of the document (the ``data_*`` fields, ``recvnum``,
``smsc``, ``from``, ``kwd``, ``c``); only parameters the server reads are offered.  Results
keep the reply's fields without the envelope (``error``, ``error_string``, ``timestamp``);
credit figures (``credit``, ``balance``, ``amount``) become ``Decimal`` and ids and flags
(``uid``, ``pid``, ``gpid``, ...) ``int``, whatever the format (XML gives text).  A new token
or login key is registered as a secret before anything else sees the reply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from smsbridge.plugin import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Answer,
    admin_error,
    find_operation,
    parse_decimal,
    records_of,
    text_of,
    wire_text,
)
from smsbridge_junubsms.wire import (
    Ctx,
    call,
    endpoint,
    redacted,
    remember_token,
    secret_of,
    unreadable,
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
        "stoplist",
        "Add a number to the server's stoplist (an operation the document does not list; playSMS 1.4.5+). "
        "playSMS stores it without '+'; it still delivers to a stoplisted number.",
        (_p("from", True, description="the number to stop"),),
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
            _p("data_footer"),
            _p("data_datetime_timezone", description="the user's own time zone, e.g. +0200 (moves its schedules)"),
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
        "Admin: update account configuration (footer, default sender, forwarding, number rules). "
        "playSMS always writes footer and sender: give data_footer and data_sender (their current "
        "values, or empty to clear them), else the call is refused.",
        (
            _USER,
            _p("data_footer", description="required: the server empties it when not given"),
            _p("data_sender", description="required: default sender id, an approved one; emptied when not given"),
            _p("data_datetime_timezone", description="the user's own time zone, e.g. +0200 (moves its schedules)"),
            _p("data_language_module"),
            _p("data_fwd_to_inbox", type="bool"),
            _p("data_fwd_to_email", type="bool"),
            _p("data_fwd_to_mobile", type="bool"),
            _p("data_local_length", type="int"),
            _p("data_replace_zero", description="digits that replace a leading 0"),
        ),
    ),
    AdminOperation("creditview", "Admin: an account's balance (ERR 620 when it is zero).", (_USER,)),
    AdminOperation("creditadd", "Admin: add credit.", (_USER, _p("data_amount", True, "decimal"))),
    AdminOperation("creditdeduct", "Admin: deduct credit.", (_USER, _p("data_amount", True, "decimal"))),
    AdminOperation("loginkeyset", "Admin: set a login key for an account (see ws_login).", (_USER,)),
)

_MONEY = ("credit", "balance", "amount")
#: whole numbers JSON gives as numbers (playSMS 1.4.8) and XML (or the 1.4.5 document) as text
_INTEGERS = frozenset(
    {"uid", "status", "pid", "gpid", "flag_sender", "parent_uid", "user_inbox", "user_incoming", "user_outgoing"}
)
#: fields accountconf writes whether given or not (user_edit_conf)
_ALWAYS_WRITTEN = ("data_footer", "data_sender")
_LISTS = {"get_contact": "contacts", "get_contact_group": "groups"}
_ENVELOPE = ("error", "error_string", "timestamp")


def _fields(ctx: Ctx, op: AdminOperation, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The declared parameters given, in declared order (stable requests), as wire text.

    The core has refused unknown and missing parameters and converted each by its type.
    """
    fields = []
    for param in op.params:
        value = params.get(param.name)
        if value is None or value == "":
            continue
        if (param.type == "int" and value < 0) or (param.type == "decimal" and value <= 0):
            wanted = "a positive amount" if param.type == "decimal" else "a whole number"
            raise admin_error(op.name, f"{param.name} takes {wanted}, not {value!r}")
        if isinstance(value, dt.datetime):
            fields.append((param.name, ctx.config.clock.schedule(value)))
        else:
            fields.append((param.name, wire_text(value)))
    if op.name == "accountadd" and dict(fields).get("data_status") not in ("2", "3", "4"):
        raise admin_error(op.name, "data_status is 2 (admin), 3 (user) or 4 (subuser)")
    missing = [name for name in _ALWAYS_WRITTEN if params.get(name) is None] if op.name == "accountconf" else []
    if missing:
        raise admin_error(
            op.name,
            f"without {' and '.join(missing)} it would empty them: playSMS writes the footer and the "
            "default sender on every accountconf. Give their current values (or an empty value to clear them)",
        )
    return fields


def _integer(value: Any) -> Any:
    """``"2"`` or ``2`` -> ``2``; anything that is not a plain whole number stays as it came."""
    text = text_of(value)
    digits = text[1:] if text and text[0] == "-" else text
    if digits and len(digits) <= 18 and digits.isascii() and digits.isdigit():
        return int(text or "")
    return value


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _ENVELOPE:
            continue
        if key in _MONEY:
            amount = parse_decimal(value, comma="thousands")
            out[key] = amount if amount is not None else value
        elif key in _INTEGERS:
            out[key] = _integer(value)
        elif isinstance(value, Mapping):
            out[key] = _plain(value)
        else:
            out[key] = value
    return out


def _ok(answer: Answer) -> bool:
    return (text_of(answer.data.get("status")) or "").upper() == "OK"


def _ws_login(ctx: Ctx, params: Mapping[str, Any]) -> AdminResult:
    key, user = str(params["login_key"]), params.get("u") or ctx.config.username  # text: the core converted them
    if not key.strip():
        raise admin_error("ws_login", "login_key must be text")
    ctx.add_secret(key)  # the URL is returned to the caller, never logged
    query = urlencode([("app", "ws"), ("op", "ws_login"), ("u", user), ("login_key", key)])
    return AdminResult("ws_login", {"url": f"{endpoint(ctx)}?{query}"})


def run(ctx: Ctx, operation: str, params: Mapping[str, Any]) -> AdminResult:
    """Run one declared operation and shape its result (see the module doc)."""
    op = find_operation(OPERATIONS, operation, provider="playSMS")
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
            raise unreadable(ctx, raw, operation, "op=set_token answered no token")
        return AdminResult(operation, {"token": new}, raw=raw)
    if operation == "loginkeyset":
        key = secret_of(answer.data.get("login_key"))
        if key:
            ctx.add_secret(key)
            raw = redacted(ctx, raw)
    if operation in _LISTS:
        # no match is OK with "data":null (1.4.8) or [] (the document); no status is no answer
        if answer.code:
            rows: list[Mapping[str, Any]] | None = []
        else:
            rows = records_of(answer.data.get("data")) if _ok(answer) else None
        if rows is None:
            raise unreadable(ctx, raw, operation, f"op={operation} answered no list")
        return AdminResult(operation, {_LISTS[operation]: [_plain(r) for r in rows]}, raw=raw)
    if operation == "query":
        data = answer.data.get("data")
        if not isinstance(data, Mapping):
            raise unreadable(ctx, raw, operation, "op=query answered no data")
        return AdminResult(operation, _plain(data), raw=raw)
    if not _ok(answer):
        raise unreadable(ctx, raw, operation, f"op={operation} answered neither OK nor ERR")
    return AdminResult(operation, _plain(answer.data), raw=raw)
