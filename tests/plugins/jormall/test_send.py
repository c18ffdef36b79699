"""Single sends replayed from cassettes: every SendSMS route, its success and its refusals."""

from __future__ import annotations

import pytest

from smsbridge.client import connect
from smsbridge.errors import (
    AuthenticationError,
    DuplicateError,
    InvalidRecipientError,
    InvalidSenderError,
    Outcome,
    ProviderError,
    ServiceUnavailableError,
    UnsupportedOperationError,
)
from smsbridge.models import ReceiptStatus

from .support import NUMBER, REF, SINGLE_ROUTES, url

TEXT = "Your code is 4821"
ARABIC = "رمز التحقق الخاص بك هو 4821"

#: the MsgID each route's cassette answers (ASCII text, Arabic text)
MSG_IDS = {route: (str(42861930 + i), str(42861950 + i)) for i, route in enumerate(SINGLE_ROUTES)}

#: refusal case -> (error class, code, outcome)
REFUSALS: dict[str, tuple[type[ProviderError], str, Outcome]] = {
    "invalid_sender": (InvalidSenderError, "invalid_sender", Outcome.NOT_SENT),
    "invalid_mobile_number": (InvalidRecipientError, "invalid_mobile_number", Outcome.NOT_SENT),
    "invalid_login": (AuthenticationError, "invalid_login", Outcome.NOT_SENT),
    "duplicate_id": (DuplicateError, "duplicate_id", Outcome.ALREADY_ACCEPTED),
    "error_exists": (ServiceUnavailableError, "error_exists", Outcome.NOT_SENT),
}


@pytest.mark.vcr
@pytest.mark.parametrize("route", list(SINGLE_ROUTES))
def test_send_accepted(route: str) -> None:
    with connect(url(**SINGLE_ROUTES[route])) as account:
        result = account.send("0791234567", TEXT, client_ref=REF)
    assert result.ok
    (receipt,) = result.receipts
    assert receipt.recipient == NUMBER
    assert receipt.status is ReceiptStatus.ACCEPTED
    assert receipt.message_id == MSG_IDS[route][0]
    assert result.client_ref == REF
    assert result.details["gateway"] == SINGLE_ROUTES[route]["gateway"]
    assert result.raw is not None and "MsgID" in result.raw.body


@pytest.mark.vcr
@pytest.mark.parametrize("route", list(SINGLE_ROUTES))
def test_send_arabic_accepted(route: str) -> None:
    with connect(url(**SINGLE_ROUTES[route])) as account:
        result = account.send("+962791234567", ARABIC, client_ref=REF)
    assert result.ok
    assert result.receipts[0].message_id == MSG_IDS[route][1]


@pytest.mark.vcr
@pytest.mark.parametrize(
    ("route", "case"),
    [(route, case) for route in SINGLE_ROUTES for case in REFUSALS],
    ids=[f"{route}-{case}" for route in SINGLE_ROUTES for case in REFUSALS],
)
def test_send_refused(route: str, case: str) -> None:
    error_class, code, outcome = REFUSALS[case]
    with connect(url(**SINGLE_ROUTES[route])) as account, pytest.raises(error_class) as info:
        account.send("00962791234567", TEXT, client_ref=REF)
    error = info.value
    assert error.code == code
    assert error.outcome is outcome
    assert error.provider == "jormall"
    assert error.raw is not None and error.text
    assert error.before_request is False
    if case == "invalid_mobile_number":
        assert isinstance(error, InvalidRecipientError) and error.recipient == NUMBER
    for secret in ("dummy-password", "FILTERED"):
        assert secret not in str(error)


@pytest.mark.vcr
@pytest.mark.parametrize("auth", ["token", "password"])
def test_send_through_josmsservice_host(auth: str) -> None:
    with connect(url("josmsservice.com", auth=auth)) as account:
        result = account.send(NUMBER, TEXT, client_ref=REF)
    assert result.ok
    assert result.receipts[0].message_id == "42861999"


@pytest.mark.vcr
def test_cached_token_is_renewed_once() -> None:
    """A cached token JorMall refuses is renewed once and the same message (same id) sent again."""
    with connect(url()) as account:
        first = account.send(NUMBER, TEXT, client_ref=REF)
        second = account.send(NUMBER, "second message", client_ref="b1b2c3d4e5f6a7b8c9d0")
    assert first.receipts[0].message_id == "42862001"
    assert second.receipts[0].message_id == "42862002"
    assert second.ok


@pytest.mark.vcr
def test_renewed_token_refused_is_authentication_error() -> None:
    with connect(url()) as account:
        account.send(NUMBER, TEXT, client_ref=REF)
        with pytest.raises(AuthenticationError) as info:
            account.send(NUMBER, "second message", client_ref="b1b2c3d4e5f6a7b8c9d0")
    assert info.value.code == "invalid_login"
    assert info.value.outcome is Outcome.NOT_SENT


@pytest.mark.vcr
def test_refused_credentials_at_token_time() -> None:
    with connect(url()) as account, pytest.raises(AuthenticationError) as info:
        account.send(NUMBER, TEXT, client_ref=REF)
    assert info.value.code == "invalid_login"


@pytest.mark.vcr
def test_retry_after_error_exists_reuses_the_id() -> None:
    """``retries=1``: "Error exists please try again" is retried with the same id (same body)."""
    with connect(url(retries="1", backoff="0.01")) as account:
        result = account.send(NUMBER, TEXT, client_ref=REF)
    assert result.ok
    assert result.receipts[0].message_id == "42862010"


def test_delivery_status_is_unsupported() -> None:
    with connect(url()) as account:
        assert account.capabilities.delivery_status is False
        with pytest.raises(UnsupportedOperationError):
            account.delivery_status(["42861930"])
        assert account.ctx.http.requests_made == 0
