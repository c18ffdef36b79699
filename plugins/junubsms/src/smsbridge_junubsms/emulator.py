"""JunubSMS and playSMS in ``smsbridge dev``: ``index.php?app=ws&op=...`` in playSMS's real format.

Every operation is ``index.php?app=ws&op=<op>`` with ``u`` (user) and ``h`` (webservices
token), GET or POST alike; answers are JSON (``format=xml`` is not emulated): ``op=pv`` one
item per destination (``status``, ``error``, ``smslog_id``, ``queue``, ``to``), ``op=cr`` the
credit, ``op=ds`` report rows (status 0 pending, 1 sent, 2 failed, 3 delivered) or ERR 400,
``op=in|ix|sx`` received messages or ERR 501, refusals as ``{"status":"ERR","error":"100",...}``
(REFERENCE.md, the cassettes).  playSMS makes no delivery-report callbacks (reports are
polled); received messages are pushed the way its "SMS custom" feature does: a form POST to
the URL without its query.

JunubSMS is served at ``/index.php``, a generic playSMS server at ``/playsms/index.php``.
Imports only ``smsbridge.plugin`` and the standard library (see docs/dev-server.md).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from smsbridge.plugin import (
    WRONG_PASSWORD,
    EmulatedMessage,
    EmulatedRecipient,
    EmulatorApi,
    EmulatorCallback,
    EmulatorInbound,
    EmulatorProfile,
    EmulatorRequest,
    EmulatorResponse,
)

__all__ = ["JunubsmsProfile", "PlaysmsProfile", "profiles"]

_JSON = "application/json"
_DS = {"accepted": "0", "delayed": "1", "delivered": "3", "failed": "2", "expired": "2", "rejected": "2"}
_ERRORS = {
    "100": "authentication failed",
    "101": "type of action is invalid or unknown",
    "102": "one or more field empty",
    "103": "not enough credit for this operation",
    "200": "send message failed",
    "201": "destination number or message is empty",
    "400": "no delivery status available",
    "501": "no data returned or result is empty",
    "600": "admin level authentication failed",
}
_INBOUND_OPS = ("in", "ix", "sx")
_FAULTS = {"refuse": "200", "no_credit": "103"}


def _err(code: str) -> EmulatorResponse:
    return EmulatorResponse.of_json(
        {"status": "ERR", "error": code, "error_string": _ERRORS[code], "timestamp": int(time.time())},
        content_type=_JSON,
    )


def _ok(**data: Any) -> EmulatorResponse:
    return EmulatorResponse.of_json(
        {"status": "OK", "error": "0", **data, "error_string": None, "timestamp": int(time.time())}, content_type=_JSON
    )


def _rows(rows: list[dict[str, Any]]) -> EmulatorResponse:
    return EmulatorResponse.of_json(
        {"data": rows, "error_string": None, "timestamp": int(time.time())}, content_type=_JSON
    )


#: the emulated server's settings, playSMS's and the plugin's defaults: the PHP clock in UTC,
#: ``gateway_timezone`` +07:00.  playSMS writes some times less that offset once (``ds``) or
#: twice (``ix``), which the plugin's clock undoes (``clock.FRAMES``); so does the emulator.
GATEWAY_OFFSET = dt.timedelta(hours=7)
_FRAMES = {"ds": 1, "ix": 2, "in": 0, "sx": 0}


def _when(value: dt.datetime, op: str = "in") -> str:
    shifted = value.astimezone(dt.timezone.utc) - _FRAMES.get(op, 0) * GATEWAY_OFFSET
    return shifted.strftime("%Y-%m-%d %H:%M:%S")


def _schedule(value: str | None) -> dt.datetime | None:
    """``schedule``: ``YYYY-MM-DD hh:mm:ss`` on the server's PHP clock (UTC here)."""
    try:
        return dt.datetime.strptime(value or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


class JunubsmsProfile(EmulatorProfile):
    id = "junubsms"
    name = "JunubSMS (playSMS)"
    example_url = "junubsms://USER:TOKEN@{host}?plain_http=yes"
    secret_fields = ("h", "p", "token", "login_key", "data_password")
    path = "/index.php"

    def __init__(self) -> None:
        self.refs: dict[str, str] = {}  # smslog_id -> "smslog_id:queue" (the id receipts carry)

    def matches(self, request: EmulatorRequest) -> bool:
        return request.path == self.path and request.arg("app") == "ws"

    def operation(self, request: EmulatorRequest) -> str:
        op = request.arg("op") or ""
        if op == "pv":
            return "send"
        if op == "cr":
            return "balance"
        if op == "ds":
            return "status"
        if op in _INBOUND_OPS:
            return "inbound"
        return "admin"

    def recipients(self, request: EmulatorRequest) -> list[str]:
        return [n for n in (request.arg("to") or "").split(",") if n.strip()]

    def fault_response(self, kind: str, request: EmulatorRequest) -> EmulatorResponse | None:
        if kind in _FAULTS:
            return _err(_FAULTS[kind])
        if kind == "rate_limited":
            return EmulatorResponse(429, b"", "text/html; charset=UTF-8")
        return None

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        op = request.arg("op") or ""
        user = request.arg("u") or ""
        if op == "get_token":
            if not user or request.arg("p") in (None, "", WRONG_PASSWORD):
                return _err("100")
            return _ok(token=secrets.token_hex(16))
        token = request.arg("h") or ""
        if not user or not token or token == WRONG_PASSWORD:
            return _err("100")
        if op == "pv":
            return self._send(request, api, user, token)
        if op == "cr":
            return _ok(credit=int(api.balance(self.id, user)))
        if op == "ds":
            return self._status(request, api)
        if op in _INBOUND_OPS:
            return self._inbound(request, api)
        if op in ("query", "get_contact", "get_contact_group"):
            return _err("501")
        if op:
            return _err("600")  # the account management operations need an admin account
        return _err("101")

    def _send(self, request: EmulatorRequest, api: EmulatorApi, user: str, token: str) -> EmulatorResponse:
        numbers = [n.strip() for n in (request.arg("to") or "").split(",") if n.strip()]
        text = request.arg("msg") or ""
        if not numbers or not text:
            return _err("201")
        queue = secrets.token_hex(16)
        ids = [str(api.new_id()) for _ in numbers]
        stored = api.store_message(
            EmulatedMessage(
                provider=self.id,
                account=user,
                text=text,
                recipients=[(n, f"{i}:{queue}") for n, i in zip(numbers, ids, strict=True)],
                sender=request.arg("from"),
                flash=request.arg("type") == "flash",
                scheduled=request.arg("schedule"),
                scheduled_at=_schedule(request.arg("schedule")),
                encoding="ucs2" if request.arg("unicode") == "1" else None,
                secrets=(token,),
            )
        )
        for ident in ids:
            self.refs[ident] = f"{ident}:{queue}"
        items = [
            {"status": "OK", "error": "0", "smslog_id": i, "queue": queue, "to": n}
            for n, i, _ in zip(numbers, ids, stored, strict=True)
        ]
        return _rows(items)

    def _row(self, found: EmulatedRecipient, smslog_id: str) -> dict[str, Any]:
        final = found.status not in ("accepted",)
        return {
            "smslog_id": smslog_id,
            "src": found.sender or "",
            "dst": found.number.lstrip("+"),
            "msg": found.text,
            "dt": _when(found.created, "ds"),
            "update": _when(found.updated, "ds") if final else "",
            "status": _DS.get(found.status, "0"),
        }

    def _status(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        smslog_id = request.arg("smslog_id")
        queue = (request.arg("queue") or "").lower()
        rows = []
        if smslog_id:
            # with its queue (as receipts give ids) the id is looked up as kept, even after a restart
            ref = f"{smslog_id}:{queue}" if queue else self.refs.get(smslog_id)
            found = api.lookup(self.id, ref) if ref else None
            if found is not None:
                rows.append(self._row(found, smslog_id))
        elif queue:
            suffix = (request.arg("dst") or "").lstrip("0")
            for ident, ref in self.refs.items():
                if ref.endswith(":" + queue):
                    found = api.lookup(self.id, ref)
                    if found is not None and found.number.endswith(suffix):
                        rows.append(self._row(found, ident))
        if not rows:
            return _err("400")
        return _rows(rows)

    def _inbound(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        op = request.arg("op") or "in"
        try:
            since = int(request.arg("last") or 0)
            limit = int(request.arg("c") or 100)
        except ValueError:
            return _err("102")
        items = api.inbound(self.id, since_id=since, limit=10_000)
        if request.arg("src"):
            items = [i for i in items if i.sender.lstrip("+").endswith(str(request.arg("src")).lstrip("+"))]
        items = sorted(items, key=lambda i: i.id, reverse=True)[:limit]  # playSMS lists newest first
        if not items:
            return _err("501")
        return _rows(
            [
                {
                    "id": str(i.id),
                    "src": i.sender,
                    "dst": i.to or "",
                    "kwd": i.text.split(" ", 1)[0].upper(),
                    "msg": i.text,
                    "dt": _when(i.created, op),
                }
                for i in items
            ]
        )

    def inbound_callback(self, message: EmulatorInbound, url: str) -> EmulatorCallback | None:
        """playSMS "SMS custom": the substituted fields POSTed as a form to the URL without its query."""
        keyword, _, param = message.text.partition(" ")
        form = {
            "sender": message.sender,
            "receiver": message.to or "",
            "datetime": _when(message.created),
            "keyword": keyword.upper(),
            "param": param,
            "raw": message.text,
            "service": "smsbridge dev",
        }
        return EmulatorCallback(
            "POST",
            url.split("?", 1)[0],
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )


class PlaysmsProfile(JunubsmsProfile):
    id = "playsms"
    name = "playSMS"
    example_url = "playsms://USER:TOKEN@{host}/playsms/index.php?plain_http=yes"
    path = "/playsms/index.php"


def profiles() -> list[EmulatorProfile]:
    return [JunubsmsProfile(), PlaysmsProfile()]
