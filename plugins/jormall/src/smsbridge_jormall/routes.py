"""Every JorMall path smsbridge uses, in one place (both hosts serve the same paths).

Sources: the JorMall document (``jormall.txt``) for the token routes, and the REFERENCE.md
JorMall table for the older password routes and GetBalance.  Nothing here is guessed: an
operation JorMall does not document (delivery status) has no path.
"""

from __future__ import annotations

__all__ = [
    "BALANCE",
    "BULK_PASSWORD",
    "BULK_TOKEN",
    "GENERATE_TOKEN",
    "GET_TOKEN",
    "single_path",
]

GENERATE_TOKEN = "/sms/api/GenerateToken.cfm"
GET_TOKEN = "/sms/api/GetToken.cfm"
BULK_TOKEN = "/sms/api/SendBulkMessages3.cfm"
BULK_PASSWORD = "/sms/api/SendBulkMessages.cfm"
BALANCE = "/SMS/API/GetBalance"

_PROF = "/SMSServices/Clients/Prof"

# (auth, api, gateway) -> path
_SINGLE = {
    ("token", "asmx", "otp"): f"{_PROF}/SingleSMS3/SMSService.asmx/SendSMS",
    ("token", "asmx", "general"): f"{_PROF}/SingleSMS_General3/SMSService.asmx/SendSMS",
    ("token", "rest", "otp"): f"{_PROF}/RestSingleSMS3/SendSMS",
    ("token", "rest", "general"): f"{_PROF}/RestSingleSMS_General3/SendSMS",
    ("password", "rest", "otp"): f"{_PROF}/RestSingleSMS/SendSMS",
    ("password", "rest", "general"): f"{_PROF}/RestSingleSMS_General/SendSMS",
}


def single_path(auth: str, api: str, gateway: str) -> str:
    """The SendSMS path of one route; the config class rules out the combinations not listed."""
    return _SINGLE[(auth, api, gateway)]
