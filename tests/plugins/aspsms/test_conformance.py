"""The core's conformance suite, once per provider id.

The samples are replies from this plugin's cassettes (each cassette names its source); the
suite feeds every operation malformed replies and every mutation of these samples.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from smsbridge.testing import cassette_replies
from smsbridge.testing.conformance import ProviderConformance

from .callback_samples import SAMPLES as CALLBACK_SAMPLES
from .support import (
    ASPSMS_PASSWORD,
    ASPSMS_USERKEY,
    NUMBER,
    OTHER,
    SERVER2SMS_PASSWORD,
    SERVER2SMS_USERKEY,
    ok,
    url,
)

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "aspsms"


def recorded(name: str) -> list[Any]:
    return cassette_replies(CASSETTES / f"{name}.yaml")


SAMPLES = {
    "send": recorded("test_send/test_send_generated_trn"),
    "bulk_send": recorded("test_send/test_bulk_send_one_request"),
    "balance": recorded("test_balance/test_balance_fractional_credits"),
    "delivery_status": recorded("test_delivery/test_delivery_status_every_state"),
    "admin:SendTokenSMS": recorded("test_admin/test_send_token_sms"),
    "admin:VerifyToken": recorded("test_admin/test_verify_token[1]"),
    "admin:SendOriginatorUnlockCode": recorded("test_admin/test_send_originator_unlock_code"),
    "admin:UnlockOriginator": recorded("test_admin/test_unlock_originator"),
    "admin:CheckOriginatorAuthorization": recorded("test_admin/test_check_originator_authorization[28]"),
    "admin:CreateVoucher": recorded("test_admin/test_create_voucher"),
    "admin:GetVoucherTransactions": recorded("test_admin/test_get_voucher_transactions"),
    "admin:RedeemVoucher": recorded("test_admin/test_redeem_voucher"),
    "admin:VersionInfo": recorded("test_admin/test_version_info_with_a_version"),
    "admin:ListAllStatusCodes": recorded("test_admin/test_list_all_status_codes"),
}
ADMIN_PARAMS = {
    "SendTokenSMS": {"Recipients": NUMBER, "MessageData": "Code: <VERIFICATIONCODE>", "TokenReference": "login-42"},
    "VerifyToken": {"PhoneNumber": NUMBER, "TokenReference": "login-42", "VerificationCode": "123456"},
    "SendOriginatorUnlockCode": {"Originator": NUMBER},
    "UnlockOriginator": {"Originator": NUMBER, "UnlockCode": "483920"},
    "CheckOriginatorAuthorization": {"Originator": NUMBER},
    "CreateVoucher": {"NumberOfVouchers": 2, "AmountCreditsPerVoucher": Decimal("10.5")},
    "RedeemVoucher": {"RedeemCode": "VOUCHER123456"},
}
CALLBACKS = [
    {
        "TRN": "Order4242",
        "RCPNT": "+41791234567",
        "DST": "2",
        "RSN": "107",
        "SCTSUTC": "2030-07-01T08:30:02Z",
        "DSCTSUTC": "2030-07-01T08:30:09Z",
        "SCTS": "01072030103002",
        "DSCTSCET": "2030-07-01T10:30:09",
    }
]


class TestAspsmsConformance(ProviderConformance):
    provider_id = "aspsms"
    url = url("aspsms")
    secrets = (ASPSMS_USERKEY, ASPSMS_PASSWORD)
    number = NUMBER
    other_number = OTHER
    samples = SAMPLES
    admin_params = ADMIN_PARAMS
    callbacks = CALLBACKS
    callback_samples = CALLBACK_SAMPLES


class TestServer2smsConformance(ProviderConformance):
    provider_id = "server2sms"
    url = url("server2sms")
    secrets = (SERVER2SMS_USERKEY, SERVER2SMS_PASSWORD)
    number = NUMBER
    other_number = OTHER
    samples = {
        **SAMPLES,
        "send": recorded("test_server2sms/test_server2sms_send"),
        "balance": recorded("test_server2sms/test_server2sms_balance"),
        "delivery_status": recorded("test_server2sms/test_server2sms_delivery_status"),
    }
    admin_params = ADMIN_PARAMS
    callbacks = CALLBACKS
    callback_samples = CALLBACK_SAMPLES  # the same API on another host


class TestSimpleConformance(ProviderConformance):
    """simple=yes changes the capabilities (no schedule, no flash): still conformant."""

    provider_id = "aspsms"
    url = url("aspsms", "sender=Shop&simple=yes")
    secrets = (ASPSMS_USERKEY, ASPSMS_PASSWORD)
    number = NUMBER
    other_number = OTHER
    samples = {**SAMPLES, "send": [ok()], "bulk_send": [ok()]}
    admin_params = ADMIN_PARAMS
    callbacks = CALLBACKS
    callback_samples = CALLBACK_SAMPLES
