"""The other API methods (one-time codes, originators, vouchers, info) against cassettes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidSenderError,
    Outcome,
    UnreadableReplyError,
)

from .support import NUMBER, connect, url

CODE_TEXT = "Your code: <VERIFICATIONCODE>"


@pytest.mark.vcr
def test_send_token_sms() -> None:
    with connect(url()) as account:
        result = account.admin(
            "SendTokenSMS",
            Recipients="+41 79 123 45 67",
            MessageData=CODE_TEXT,
            TokenReference="login-42",
            TokenValidity=10,
            TokenMask="######",
            TokenCaseSensitive=False,
        )
    assert result.operation == "SendTokenSMS"
    assert result.data["sent"] is True
    assert result.data["recipient"] == NUMBER
    assert result.data["TokenReference"] == "login-42"
    assert result.data["status_code"] == "1"


@pytest.mark.vcr
def test_send_token_sms_with_own_code_and_notification() -> None:
    with connect(url("aspsms", "sender=Shop&affiliate_id=AFF1")) as account:
        result = account.admin(
            "SendTokenSMS",
            Recipients=NUMBER,
            MessageData=CODE_TEXT,
            TokenReference="login-43",
            VerificationCode="X7K2",
            TokenCaseSensitive=True,
            Originator="Bank",
            URLDeliveryNotification="https://shop.example/dlr?TRN=<TRN>&DST=<DST>",
        )
    assert result.data["sent"] is True


@pytest.mark.vcr
def test_send_token_sms_refused_time_out_outcome_unknown() -> None:
    with connect(url()) as account, pytest.raises(UnreadableReplyError) as info:
        account.admin("SendTokenSMS", Recipients=NUMBER, MessageData=CODE_TEXT, TokenReference="login-44")
    assert info.value.code == "6"
    assert info.value.outcome is Outcome.UNKNOWN


@pytest.mark.vcr
def test_send_token_sms_refused_originator() -> None:
    with connect(url()) as account, pytest.raises(InvalidSenderError) as info:
        account.admin("SendTokenSMS", Recipients=NUMBER, MessageData=CODE_TEXT, TokenReference="login-45")
    assert info.value.code == "10"


VERIFY_ANSWERS = [
    ("1", True, "verified"),
    ("36", False, "pending"),
    ("37", False, "not_verified"),
    ("38", False, "not_found"),
    ("39", False, "already_verified"),
]


@pytest.mark.vcr
@pytest.mark.parametrize(("code", "verified", "status"), VERIFY_ANSWERS, ids=[c for c, _, _ in VERIFY_ANSWERS])
def test_verify_token(code: str, verified: bool, status: str) -> None:
    with connect(url()) as account:
        result = account.admin("VerifyToken", PhoneNumber=NUMBER, TokenReference="login-42", VerificationCode="123456")
    assert result.data["verified"] is verified
    assert result.data["status"] == status
    assert result.data["status_code"] == code


@pytest.mark.vcr
def test_verify_token_refused_authentication() -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError):
        account.admin("VerifyToken", PhoneNumber=NUMBER, TokenReference="login-42", VerificationCode="123456")


@pytest.mark.vcr
def test_send_originator_unlock_code() -> None:
    with connect(url()) as account:
        result = account.admin("SendOriginatorUnlockCode", Originator="0041791234567")
    assert result.data["sent"] is True
    assert result.data["originator"] == NUMBER


@pytest.mark.vcr
def test_send_originator_unlock_code_already_authorized() -> None:
    with connect(url()) as account:
        result = account.admin("SendOriginatorUnlockCode", Originator=NUMBER)
    assert result.data["sent"] is False
    assert result.data["already_authorized"] is True


@pytest.mark.vcr
def test_unlock_originator() -> None:
    with connect(url()) as account:
        result = account.admin("UnlockOriginator", Originator=NUMBER, UnlockCode="483920")
    assert result.data["unlocked"] is True


@pytest.mark.vcr
def test_unlock_originator_wrong_code() -> None:
    with connect(url()) as account:
        result = account.admin("UnlockOriginator", Originator=NUMBER, UnlockCode="000000", AffiliateID="AFF1")
    assert result.data["unlocked"] is False
    assert result.data["status_code"] == "30"


AUTHORIZATION_ANSWERS = [("28", True), ("29", False), ("30", False), ("31", True)]


@pytest.mark.vcr
@pytest.mark.parametrize(("code", "authorized"), AUTHORIZATION_ANSWERS, ids=[c for c, _ in AUTHORIZATION_ANSWERS])
def test_check_originator_authorization(code: str, authorized: bool) -> None:
    with connect(url()) as account:
        result = account.admin("CheckOriginatorAuthorization", Originator=NUMBER)
    assert result.data["authorized"] is authorized
    assert result.data["pending"] is (code == "29")


@pytest.mark.vcr
def test_check_originator_authorization_plain_ok_is_not_an_answer() -> None:
    with connect(url()) as account, pytest.raises(UnreadableReplyError):
        account.admin("CheckOriginatorAuthorization", Originator=NUMBER)


@pytest.mark.vcr
def test_create_voucher() -> None:
    with connect(url()) as account:
        result = account.admin(
            "CreateVoucher", NumberOfVouchers=2, AmountCreditsPerVoucher=Decimal("10.5"), Remarks="gift"
        )
    assert result.data["created"] is True


@pytest.mark.vcr
def test_create_voucher_not_enough_credits() -> None:
    with connect(url()) as account, pytest.raises(InsufficientCreditError):
        account.admin("CreateVoucher", NumberOfVouchers="3", AmountCreditsPerVoucher="100")


@pytest.mark.vcr
def test_get_voucher_transactions() -> None:
    with connect(url()) as account:
        result = account.admin("GetVoucherTransactions")
    assert len(result.data["vouchers"]) == 2
    assert result.data["vouchers"][0]["Amount"] == "10.5"


@pytest.mark.vcr
def test_get_voucher_transactions_refused() -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError):
        account.admin("GetVoucherTransactions")


@pytest.mark.vcr
def test_redeem_voucher() -> None:
    with connect(url()) as account:
        result = account.admin("RedeemVoucher", RedeemCode="VOUCHER123456")
    assert result.data["redeemed"] is True


@pytest.mark.vcr
def test_redeem_voucher_refused_code_kept_secret() -> None:
    # StatusCode 40 is in no table: whether the voucher was redeemed is unknown
    with connect(url()) as account, pytest.raises(UnreadableReplyError) as info:
        account.admin("RedeemVoucher", RedeemCode="VOUCHER999999")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.code == "40"
    assert "Invalid redeem code" in str(info.value)
    assert "VOUCHER999999" not in str(info.value)
    assert info.value.raw is not None and "VOUCHER999999" not in info.value.raw.body


@pytest.mark.vcr
def test_version_info() -> None:
    with connect(url()) as account:
        result = account.admin("VersionInfo")
    assert result.data["version"] is None  # the documented reply is {}
    assert result.data["details"] == {}


@pytest.mark.vcr
def test_version_info_with_a_version() -> None:
    with connect(url()) as account:
        result = account.admin("VersionInfo")
    assert result.data["version"] == "2.1.0"


@pytest.mark.vcr
def test_list_all_status_codes() -> None:
    with connect(url()) as account:
        result = account.admin("ListAllStatusCodes")
    assert result.data["status_codes"]["1"] == "OK"
    assert result.data["status_codes"]["3"] == "Authorization failed"


@pytest.mark.vcr
def test_list_all_status_codes_documented_empty_object() -> None:
    with connect(url()) as account:
        result = account.admin("ListAllStatusCodes")
    assert result.data["status_codes"] == {}
