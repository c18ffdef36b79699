"""AllMySMS in ``smsbridge dev``: ``POST /http/9.0/<method>/`` in AllMySMS's real format.

Every method takes a form with ``login``, ``apiKey`` and its own fields (``smsData``, the JSON
or XML flow, for sends); every answer is JSON with HTTP 200, refusals included, as a
``status`` code and ``statusText`` (REFERENCE.md, the cassettes): ``sendSms`` status 100 (101
when scheduled) with one ``smsIds`` entry per ``MOBILEPHONE``, ``getInfo`` the credits as a
string, ``getAckBySmsId`` / ``getAcks`` the acks (``statut`` 1 delivered, 2 not delivered, 3
sent to the operator, 4 rejected), ``getPulls`` the replies received since the last call.
Delivery webhooks go to the server's report URL as a form (``smsId``, ``phoneNumber``,
``status``, ``statusText``, ``receptionDate``, ``campaignId``).  Dates are Paris time.

Imports only ``smsbridge.plugin`` and the standard library (see docs/dev-server.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

from smsbridge.plugin import (
    WRONG_PASSWORD,
    EmulatedMessage,
    EmulatedRecipient,
    EmulatorApi,
    EmulatorCallback,
    EmulatorProfile,
    EmulatorRequest,
    EmulatorResponse,
)

__all__ = ["AllMySmsProfile", "profiles"]

_PREFIX = "/http/9.0/"
_JSON = "application/json; charset=utf-8"
# emulator status -> (statut, comment)
_ACKS = {
    "accepted": ("3", "Sent to operator"),
    "delayed": ("3", "Sent to operator"),
    "delivered": ("1", "Delivered"),
    "failed": ("2", "Not delivered"),
    "expired": ("2", "Not delivered"),
    "rejected": ("4", "Message rejected"),
}
_STATUS_TEXT = {
    102: "Connection problems - We could not match any of the accounts to your login and apiKey",
    103: "Your credits are exhausted",
    105: "Empty flow.",
    106: "Invalid flow.",
    110: "Empty message.",
    114: "No valid phone number.",
}
_FAULTS = {"refuse": 106, "no_credit": 103}
_PARAM = re.compile(r"#param_(\d+)#", re.IGNORECASE)
_SEND_METHODS = ("sendSms", "simulateCampaign")


def _paris_zone() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no tz database: UTC is close enough for an emulator
        return dt.timezone.utc


def _paris(value: dt.datetime) -> str:
    return value.astimezone(_paris_zone()).strftime("%Y-%m-%d %H:%M:%S")


def _read_paris(value: str | None) -> dt.datetime | None:
    """A DATE (``YYYY-MM-DD HH:MM:SS``, Paris time) as an aware datetime."""
    try:
        return dt.datetime.strptime(value or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=_paris_zone())
    except ValueError:
        return None


def _status(code: int) -> EmulatorResponse:
    return EmulatorResponse.of_json({"status": code, "statusText": _STATUS_TEXT[code]}, content_type=_JSON)


def _flow(text: str) -> dict[str, Any] | None:
    """The DATA object of a JSON or XML ``smsData`` flow."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        inner = data.get("DATA") if isinstance(data, dict) else None
        return inner if isinstance(inner, dict) else None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    node = root if root.tag == "DATA" else root.find("DATA")
    if node is None:
        return None
    out: dict[str, Any] = {}
    sms: list[dict[str, str]] = []
    for child in node:
        if child.tag == "SMS":
            sms.append({c.tag: c.text or "" for c in child})
        else:
            out[child.tag] = child.text or ""
    out["SMS"] = sms
    return out


def _fill(template: str, sms: dict[str, Any]) -> str:
    """MESSAGE with each ``#param_N#`` replaced by the entry's ``PARAM_N``, as AllMySMS does."""

    def value(match: re.Match[str]) -> str:
        return str(sms.get(f"PARAM_{match.group(1)}", match.group(0)))

    return _PARAM.sub(value, template)


class AllMySmsProfile(EmulatorProfile):
    id = "allmysms"
    name = "AllMySMS"
    example_url = "allmysms://LOGIN:APIKEY@{host}?plain_http=yes"
    secret_fields = ("apiKey", "apikey", "password")

    def __init__(self) -> None:
        self.campaigns: dict[str, list[str]] = {}  # campaignId -> smsIds
        self.pulled: dict[str, int] = {}  # login -> last inbound id handed out (getPulls)

    def _method(self, request: EmulatorRequest) -> str:
        return request.path[len(_PREFIX) :].strip("/")

    def matches(self, request: EmulatorRequest) -> bool:
        return request.path.startswith(_PREFIX)

    def operation(self, request: EmulatorRequest) -> str:
        method = self._method(request)
        if method == "sendSms":
            return "send"
        if method == "getInfo":
            return "balance"
        if method in ("getAckBySmsId", "getAcks"):
            return "status"
        if method == "getPulls":
            return "inbound"
        return "admin"

    def recipients(self, request: EmulatorRequest) -> list[str]:
        flow = _flow(request.arg("smsData") or "")
        return [str(s.get("MOBILEPHONE", "")) for s in (flow or {}).get("SMS", []) if isinstance(s, dict)]

    def fault_response(self, kind: str, request: EmulatorRequest) -> EmulatorResponse | None:
        if kind in _FAULTS:
            return _status(_FAULTS[kind])
        if kind == "rate_limited":
            return EmulatorResponse(429, b"", "text/html; charset=UTF-8")
        return None

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        method = self._method(request)
        login = request.arg("login") or ""
        key = request.arg("apiKey", nocase=True) or ""
        if not login or not key or key == WRONG_PASSWORD:
            return _status(102)
        if method in _SEND_METHODS:
            return self._send(request, api, login, key, simulate=method == "simulateCampaign")
        if method == "getInfo":
            credits = api.balance(self.id, login)
            return EmulatorResponse.of_json(
                {
                    "status": "Active Account",
                    "credits": f"{int(credits)}",
                    "apiKey": key,
                    "lastName": "Dev",
                    "firstName": "smsbridge",
                    "society": "smsbridge dev",
                    "email": "dev@example.invalid",
                },
                content_type=_JSON,
            )
        if method == "getAckBySmsId":
            found = api.lookup(self.id, request.arg("smsId") or "")
            if found is None:
                return EmulatorResponse.of_json(
                    {"status": 124, "statusText": "The smsId is invalid."}, content_type=_JSON
                )
            return EmulatorResponse.of_json(self._ack(found), content_type=_JSON)
        if method == "getAcks":
            ids = self.campaigns.get(request.arg("campId") or "", [])
            acks = [self._ack(found) for found in (api.lookup(self.id, i) for i in ids) if found is not None]
            return EmulatorResponse.of_json({"acks": acks, "cliMsgId": ""}, content_type=_JSON)
        if method == "getPulls":
            since = self.pulled.get(login, 0)
            items = api.inbound(self.id, since_id=since, limit=int(request.arg("limit") or 100) or 100)
            if items:
                self.pulled[login] = items[-1].id
            mos = [
                {
                    "phoneNumber": i.sender.lstrip("+"),
                    "id": str(i.id),
                    "campaignId": "",
                    "message": i.text,
                    "receptionDate": _paris(i.created),
                }
                for i in items
            ]
            return EmulatorResponse.of_json({"mos": mos}, content_type=_JSON)
        if method in ("getBlacklist", "getSubAccounts"):
            return EmulatorResponse.of_json({"status": 100, "statusText": "OK", "data": []}, content_type=_JSON)
        return EmulatorResponse.of_json({"status": 150, "statusText": "Forbidden operation."}, content_type=_JSON)

    def _ack(self, found: EmulatedRecipient) -> dict[str, Any]:
        statut, comment = _ACKS.get(found.status, _ACKS["accepted"])
        return {
            "phoneNumber": found.number.lstrip("+"),
            "statut": statut,
            "comment": comment,
            "receptionDate": _paris(found.updated),
        }

    def _send(
        self, request: EmulatorRequest, api: EmulatorApi, login: str, key: str, *, simulate: bool
    ) -> EmulatorResponse:
        raw = request.arg("smsData")
        if not raw:
            return _status(105)
        flow = _flow(raw)
        if flow is None:
            return _status(106)
        template = flow.get("MESSAGE")
        if not isinstance(template, str) or not template:
            return _status(110)
        entries = [s for s in flow.get("SMS") or [] if isinstance(s, dict) and str(s.get("MOBILEPHONE", "")).strip()]
        if not entries:
            return _status(114)
        texts: dict[str, list[str]] = {}
        for sms in entries:
            text = _fill(template, sms)
            texts.setdefault(text, []).append(str(sms["MOBILEPHONE"]).strip())
        numbers = [str(s["MOBILEPHONE"]).strip() for s in entries]
        if simulate:
            return EmulatorResponse.of_json(
                {
                    "status": 100,
                    "statusText": "Your messages have been sent",
                    "invalidNumbers": "",
                    "nbCredits": len(numbers),
                    "nbContacts": len(numbers),
                    "nbSms": len(numbers),
                },
                content_type=_JSON,
            )
        campaign = "dev" + secrets.token_hex(8)
        scheduled = str(flow.get("DATE") or "") or None
        sms_ids: list[dict[str, str]] = []
        for text, group in texts.items():
            ids = [f"{campaign}-{api.new_id()}" for _ in group]
            api.store_message(
                EmulatedMessage(
                    provider=self.id,
                    account=login,
                    text=text,
                    recipients=list(zip(group, ids, strict=True)),
                    sender=str(flow["TPOA"]) if flow.get("TPOA") else None,
                    flash=str(flow.get("FLASH", "0")) in ("1", "true", "True"),
                    scheduled=scheduled,
                    scheduled_at=_read_paris(scheduled),
                    secrets=(key,),
                )
            )
            sms_ids.extend({"phoneNumber": n, "smsId": i} for n, i in zip(group, ids, strict=True))
        self.campaigns[campaign] = [s["smsId"] for s in sms_ids]
        credits = api.balance(self.id, login)
        return EmulatorResponse.of_json(
            {
                "status": 101 if scheduled else 100,
                "statusText": "Your messages have been scheduled" if scheduled else "Your messages have been sent",
                "invalidNumbers": "",
                "campaignId": campaign,
                "credits": f"{int(credits)}",
                "creditsUsed": str(len(numbers)),
                "nbContacts": str(len(numbers)),
                "nbSms": str(len(numbers)),
                "smsIds": sms_ids,
            },
            content_type=_JSON,
        )

    def report_callback(self, recipient: EmulatedRecipient, url: str) -> EmulatorCallback | None:
        if recipient.message_id is None:
            return None
        statut, comment = _ACKS.get(recipient.status, _ACKS["accepted"])
        form = {
            "smsId": recipient.message_id,
            "receptionDate": _paris(recipient.updated),
            "phoneNumber": recipient.number.lstrip("+"),
            "campaignId": recipient.message_id.rsplit("-", 1)[0],
            "status": statut,
            "statusText": comment,
        }
        return EmulatorCallback(
            "POST", url, urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )


def profiles() -> list[EmulatorProfile]:
    return [AllMySmsProfile()]
