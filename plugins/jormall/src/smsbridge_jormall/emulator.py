"""JorMall in ``smsbridge dev``: the token, send, bulk and balance routes in their real formats.

JorMall answers every outcome as a sentence with HTTP 200 (REFERENCE.md): ``MsgID = n`` for a
send (wrapped in an ASP.NET ``<string>`` element on the ASMX routes), a ``Bearer <token>``
line for the token routes, ``"9994"`` for GetBalance, and its refusal sentences (``Invalid
user name or password``, ``Invalid Sender ID``...).  Like JorMall, a single send whose ``id``
was already taken is ignored (``Message Ignored, Duplicate ID``): nothing is sent twice.
JorMall documents no delivery status and no callbacks, so the emulator shows statuses in the
inbox only.

Imports only ``smsbridge.plugin`` and the standard library (see docs/dev-server.md).
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from smsbridge.plugin import (
    WRONG_PASSWORD,
    EmulatedMessage,
    EmulatorApi,
    EmulatorProfile,
    EmulatorRequest,
    EmulatorResponse,
)

__all__ = ["JorMallProfile", "profiles"]

_PROF = "/SMSServices/Clients/Prof/"
_SINGLE_TOKEN = ("SingleSMS3/", "SingleSMS_General3/", "RestSingleSMS3/", "RestSingleSMS_General3/")
_TOKEN_ROUTES = ("/sms/api/GenerateToken.cfm", "/sms/api/GetToken.cfm")
_BULK = ("/sms/api/SendBulkMessages3.cfm", "/sms/api/SendBulkMessages.cfm")
_BALANCE = "/SMS/API/GetBalance"
_HTML = "text/html; charset=UTF-8"
_XML = "text/xml; charset=utf-8"
_BAD_LOGIN = "Invalid user name or password"
_FAULTS = {"refuse": "Invalid Sender ID"}  # rate_limited: HTTP 429; no_credit: JorMall documents none


class JorMallProfile(EmulatorProfile):
    id = "jormall"
    name = "JorMall"
    example_url = "jormall://ACCNAME:ACCPASS@{host}?plain_http=yes"
    secret_fields = ("accpass", "AccPass", "accname", "AccName", "authorization")

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # token -> account name
        self.seen_ids: set[str] = set()  # single-send ids taken (JorMall ignores a repeat)

    def matches(self, request: EmulatorRequest) -> bool:
        path = request.path
        if path in _TOKEN_ROUTES or path in _BULK or path.upper() == _BALANCE.upper():
            return True
        return path.startswith(_PROF) and path.endswith("/SendSMS")

    def operation(self, request: EmulatorRequest) -> str:
        if request.path in _TOKEN_ROUTES:
            return "admin"
        if request.path.upper() == _BALANCE.upper():
            return "balance"
        return "send"

    def recipients(self, request: EmulatorRequest) -> list[str]:
        return [n for n in (request.arg("numbers") or "").split(",") if n.strip()]

    def _asmx(self, request: EmulatorRequest) -> bool:
        return ".asmx/" in request.path

    def _text(self, request: EmulatorRequest, text: str, status: int = 200) -> EmulatorResponse:
        if self._asmx(request):
            body = f'<?xml version="1.0" encoding="utf-8"?>\r\n<string xmlns="http://tempuri.org/">\r\n{escape(text)}</string>'
            return EmulatorResponse.of_text(body, status, _XML)
        return EmulatorResponse.of_text(text, status, _HTML)

    def fault_response(self, kind: str, request: EmulatorRequest) -> EmulatorResponse | None:
        if kind == "rate_limited":
            return EmulatorResponse.of_text("Too Many Requests", 429)
        if kind in _FAULTS:
            return self._text(request, _FAULTS[kind])
        return None

    def _login(self, request: EmulatorRequest) -> tuple[str | None, str]:
        """(account name or ``None`` when refused, the password/token to mask)."""
        name = request.arg("AccName", nocase=True)
        if name is not None:
            password = request.arg("AccPass", "", nocase=True) or ""
            return (None if password == WRONG_PASSWORD else name), password
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        return self.tokens.get(token), token

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        path = request.path
        if path in _TOKEN_ROUTES:
            name = request.arg("accname", nocase=True)
            if not name or request.arg("accpass", nocase=True) == WRONG_PASSWORD:
                return EmulatorResponse.of_text(_BAD_LOGIN, 200, _HTML)
            token = "dev" + secrets.token_hex(16)
            self.tokens[token] = name
            return EmulatorResponse.of_text(f"\r\nBearer {token}\r\n\r\n", 200, _HTML)
        login, secret = self._login(request)
        if login is None:
            if request.arg("AccName", nocase=True) is None:  # a token JorMall does not know
                return EmulatorResponse.of_text("Unauthorized", 401)
            return self._text(request, _BAD_LOGIN)
        if path.upper() == _BALANCE.upper():
            return EmulatorResponse.of_text(f'"{int(api.balance(self.id, login))}"', 200, _HTML)
        sender = request.arg("senderid") or ""
        if not sender or len(sender) > 11:
            return self._text(request, "Invalid Sender ID")
        msgs = request.arg("msgs")
        if msgs:
            return self._msgs(request, api, login, sender, msgs, secret)
        numbers = [n.strip() for n in (request.arg("numbers") or "").split(",") if n.strip()]
        if not numbers or any(not (n.isdigit() and n.startswith("9627") and len(n) == 12) for n in numbers):
            return self._text(request, "Invalid Mobile Number" if len(numbers) == 1 else "Invalid Number")
        text = request.arg("msg") or ""
        ident = request.arg("id") or ""
        single = path not in _BULK and bool(ident)
        if single and ident in self.seen_ids:
            return self._text(request, f"Message Ignored, Duplicate ID {ident}")
        msg_id = str(api.new_id())
        stored = api.store_message(
            EmulatedMessage(
                provider=self.id,
                account=login,
                text=text,
                recipients=[(n, msg_id) for n in numbers],
                sender=sender,
                secrets=(secret,),
            )
        )
        if single and stored and stored[0].status != "rejected":  # only a message taken counts as seen
            self.seen_ids.add(ident)
        return self._text(request, f"MsgID = {msg_id}")

    def _msgs(
        self, request: EmulatorRequest, api: EmulatorApi, login: str, sender: str, document: str, secret: str
    ) -> EmulatorResponse:
        """The per-recipient form: a ``DocumentElement`` of ``<msg>`` (MOBILE_PHONE, SMS_BODY)."""
        try:
            root = ET.fromstring(f"<root>{document}</root>")
        except ET.ParseError:
            return self._text(request, "Error Exists, please try again")
        items = [(m.findtext("MOBILE_PHONE") or "", m.findtext("SMS_BODY") or "") for m in root.iter("msg")]
        if not items or any(not n.isdigit() for n, _ in items):
            return self._text(request, "Invalid Number")
        msg_id = str(api.new_id())
        for number, text in items:
            api.store_message(
                EmulatedMessage(
                    provider=self.id,
                    account=login,
                    text=text,
                    recipients=[(number, msg_id)],
                    sender=sender,
                    secrets=(secret,),
                )
            )
        return self._text(request, f"MsgID = {msg_id}")


def profiles() -> list[EmulatorProfile]:
    return [JorMallProfile()]
