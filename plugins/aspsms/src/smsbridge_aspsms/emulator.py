"""ASPSMS and server2sms in ``smsbridge dev``: the JSON API answered in its real format.

Every method is ``POST /<Method>`` with a JSON object carrying ``UserName`` / ``Password``;
every answer is a JSON object of strings with a ``StatusCode`` / ``StatusInfo`` envelope and
HTTP 200, refusals included (REFERENCE.md, the cassettes).  A send answers no message id: the
TRN the client gave each recipient (``"+41790000000:TRN"``) is the handle, and
``InquireDeliveryNotifications`` reports by TRN.  Delivery reports are requests to the
notification URLs the send carried, with ASPSMS's tags (``<TRN>``, ``<DST>``...) substituted.

server2sms is the same API on another host: in the emulator it lives under ``/server2sms/``
(``server2sms://KEY:PW@127.0.0.1:8025/server2sms?plain_http=yes``).

Imports only ``smsbridge.plugin`` and the standard library (see docs/dev-server.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

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

__all__ = ["AspsmsProfile", "Server2smsProfile", "profiles"]

_SENDS = ("SendTextSMS", "SendSimpleTextSMS", "SendTokenSMS")
_METHODS = (
    *_SENDS,
    "CheckCredits",
    "InquireDeliveryNotifications",
    "VersionInfo",
    "ListAllStatusCodes",
    "CheckOriginatorAuthorization",
    "SendOriginatorUnlockCode",
    "UnlockOriginator",
    "VerifyToken",
    "CreateVoucher",
    "RedeemVoucher",
    "GetVoucherTransactions",
    "CheckNotificationRecipientAuthorization",
)
# emulator status -> (DeliveryStatus, Reasoncode, description)
_DST = {
    "accepted": ("-1", ":", "Not yet submitted"),
    "rejected": ("-1", "206", "Rejected"),
    "delivered": ("0", "000", "Delivered"),
    "failed": ("2", "000", "Not delivered"),
    "expired": ("2", "108", "Not delivered"),
    "delayed": ("1", "107", "Buffered"),
}
_QUERY = "TRN=<TRN>&DST=<DST>&RSN=<RSN>&RCPNT=<RCPNT>&DSCTSUTC=<DSCTSUTC>&SCTSUTC=<SCTSUTC>"
_FAULTS = {
    "refuse": ("25", "User access denied."),
    "rate_limited": ("24", "Service temporarily unavailable."),
    "no_credit": ("5", "Not enough credits."),
}


def _status(code: str, info: str, **more: Any) -> EmulatorResponse:
    return EmulatorResponse.of_json({"StatusCode": code, "StatusInfo": info, **more})


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class AspsmsProfile(EmulatorProfile):
    id = "aspsms"
    name = "ASPSMS"
    example_url = "aspsms://KEY:PASSWORD@{host}?plain_http=yes"
    secret_fields = ("UserName", "Password", "RedeemCode")
    prefix = ""

    def _method(self, request: EmulatorRequest) -> str | None:
        path = request.path
        if self.prefix:
            if not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        elif path.startswith("/server2sms/"):
            return None
        name = path.strip("/")
        return name if name in _METHODS else None

    def matches(self, request: EmulatorRequest) -> bool:
        return request.method == "POST" and self._method(request) is not None

    def operation(self, request: EmulatorRequest) -> str:
        method = self._method(request)
        if method in ("SendTextSMS", "SendSimpleTextSMS"):
            return "send"
        if method == "CheckCredits":
            return "balance"
        if method == "InquireDeliveryNotifications":
            return "status"
        return "admin"

    def recipients(self, request: EmulatorRequest) -> list[str]:
        data = request.json()
        return [number for number, _ in _recipients(data)] if isinstance(data, dict) else []

    def fault_response(self, kind: str, request: EmulatorRequest) -> EmulatorResponse | None:
        if kind in _FAULTS:
            return _status(*_FAULTS[kind])
        return None

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        method = self._method(request) or ""
        data = request.json()
        if not isinstance(data, dict):
            return EmulatorResponse.of_text("Bad Request", 400)
        login = str(data.get("UserName") or "")
        password = str(data.get("Password") or "")
        if method not in ("VersionInfo", "ListAllStatusCodes") and (not login or password == WRONG_PASSWORD):
            return _status("3", "Authorization failed.")
        if method in ("SendTextSMS", "SendSimpleTextSMS"):
            return self._send(method, data, login, password, api)
        if method == "CheckCredits":
            return _status("1", "OK", Credits=_credits(api.balance(self.id, login)))
        if method == "InquireDeliveryNotifications":
            return self._inquire(data, api)
        if method == "VersionInfo":
            return EmulatorResponse.of_json(
                {"Version": "smsbridge dev emulator", "StatusCode": "1", "StatusInfo": "OK"}
            )
        if method == "ListAllStatusCodes":
            return _status("1", "OK", StatusCodes=[{"StatusCode": "1", "StatusInfo": "OK"}])
        if method == "CheckOriginatorAuthorization":
            return _status("28", "No originator restrictions.")
        if method in ("SendOriginatorUnlockCode", "UnlockOriginator"):
            return _status("1", "OK")
        return _status("25", "User access denied.")  # vouchers, tokens: not emulated

    def _send(self, method: str, data: dict[str, Any], login: str, password: str, api: EmulatorApi) -> EmulatorResponse:
        recipients = _recipients(data)
        text = data.get("MessageText")
        if not recipients:
            return _status("20", "Missing recipient.")
        if not isinstance(text, str):
            return _status("21", "Missing binary data.")
        if method == "SendTextSMS" and any(not trn for _, trn in recipients):
            return _status("23", "Missing transaction reference number.")
        originator = data.get("Originator")
        if originator is not None and (
            not isinstance(originator, str) or (len(originator) > 11 and not originator.lstrip("+").isdigit())
        ):
            return _status("10", "Invalid originator (max 11 alphanumeric).")
        force = data.get("ForceGSM7bit")
        # one URL per outcome, as ASPSMS calls them: delivered, not delivered (failed, expired), buffered
        named = {
            "delivered": data.get("URLDeliveryNotification"),
            "failed": data.get("URLNonDeliveryNotification"),
            "expired": data.get("URLNonDeliveryNotification"),
            "delayed": data.get("URLBufferedMessageNotification"),
        }
        urls = {status: str(url) for status, url in named.items() if url}
        api.store_message(
            EmulatedMessage(
                provider=self.id,
                account=login,
                text=text,
                recipients=[(number, trn or None) for number, trn in recipients],
                sender=originator,
                flash=str(data.get("FlashingSMS", "")).lower() == "true",
                scheduled=str(data["DeferredDeliveryTime"]) if data.get("DeferredDeliveryTime") else None,
                scheduled_at=_deferred(data.get("DeferredDeliveryTime")),
                report_urls=urls,
                encoding="gsm7" if force in (True, "true") else None,
                secrets=(password,),
            )
        )
        return _status("1", "OK")

    def _inquire(self, data: dict[str, Any], api: EmulatorApi) -> EmulatorResponse:
        trns = [t.strip() for t in str(data.get("TransactionReferenceNumbers") or "").split(";") if t.strip()]
        if not trns:
            return _status("23", "Missing transaction reference number.")
        entries = []
        for trn in trns:
            found = api.lookup(self.id, trn)
            if found is None:
                continue
            dst, reason, text = _DST.get(found.status, _DST["accepted"])
            final = found.status != "accepted"
            entries.append(
                {
                    "TransactionReferenceNumber": trn,
                    "DeliveryStatus": dst,
                    "DeliveryStatusDescription": text,
                    "SubmissionDate": _utc(found.created) if final else "",
                    "NotificationDate": _utc(found.updated) if final else "",
                    "Reasoncode": reason,
                    "ReasoncodeDescription": "",
                }
            )
        return _status("1", "OK", DeliveryNotifications=entries)

    def report_callback(self, recipient: EmulatedRecipient, url: str) -> EmulatorCallback | None:
        if recipient.message_id is None or recipient.status not in _DST:
            return None
        dst, reason, _ = _DST[recipient.status]
        tags = {
            "TRN": recipient.message_id,
            "DST": dst,
            "RSN": reason,
            "RCPNT": recipient.number.lstrip("+"),
            "DSCTSUTC": _utc(recipient.updated),
            "SCTSUTC": _utc(recipient.created),
            "DSCTSCET": "",
            "SCTSCET": "",
            "DSCTS": "",
            "SCTS": "",
        }
        if "<TRN>" not in url:  # a plain receiver URL (the server's setting): add the tags asked for
            url += ("&" if "?" in url else "?") + _QUERY
        for tag, value in tags.items():
            url = url.replace(f"<{tag}>", quote(value, safe=""))
        return EmulatorCallback("GET", url)


class Server2smsProfile(AspsmsProfile):
    id = "server2sms"
    name = "server2sms"
    example_url = "server2sms://KEY:PASSWORD@{host}/server2sms?plain_http=yes"
    prefix = "/server2sms"


def _recipients(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(number, TRN) for each entry of ``Recipients`` (a list, or a text split on ``,``/``;``)."""
    listed = data.get("Recipients")
    if isinstance(listed, str):
        items = [part for part in listed.replace(";", ",").split(",") if part.strip()]
    elif isinstance(listed, list):
        items = [str(item) for item in listed]
    else:
        items = []
    out = []
    for item in items:
        number, _, trn = item.strip().partition(":")
        if number:
            out.append((number, trn))
    return out


def _deferred(value: Any) -> dt.datetime | None:
    """DeferredDeliveryTime: ``ddMMyyyyHHmmss`` in Swiss time, or ISO 8601 with an offset."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 14 and text.isdigit():
            naive = dt.datetime.strptime(text, "%d%m%Y%H%M%S")
            try:
                from zoneinfo import ZoneInfo

                return naive.replace(tzinfo=ZoneInfo("Europe/Zurich"))
            except Exception:  # no tz database: close enough for an emulator
                return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=1)))
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _credits(amount: Any) -> str:
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def profiles() -> list[EmulatorProfile]:
    return [AspsmsProfile(), Server2smsProfile()]
