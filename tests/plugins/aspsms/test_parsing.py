"""Reply parsing edge cases and request shapes, with hand-made replies (no network)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidSenderError,
    Outcome,
    PermissionDeniedError,
    RateLimitedError,
    RejectedError,
    ServiceUnavailableError,
    UnreadableReplyError,
    UnsupportedOperationError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus, Recipient
from smsbridge.plugins import get_registry
from smsbridge.testing import fake_account, reply, scrub_response, vcr_config_for

from .support import ASPSMS_PASSWORD, ASPSMS_USERKEY, NUMBER, OTHER, THIRD, ok, url

SCHEDULE = dt.datetime(2030, 7, 1, 8, 30, tzinfo=dt.timezone.utc)


def _json(account: object, index: int = 0) -> dict[str, object]:
    sent = account.ctx.http.sent[index]  # type: ignore[attr-defined]
    assert isinstance(sent.json, dict)
    return sent.json


# ------------------------------------------------------------------ request shapes


def test_send_request_shape() -> None:
    account = fake_account(url(), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), "Hello")
    (sent,) = account.ctx.http.sent
    assert sent.method == "POST"
    assert sent.url == "https://json.aspsms.com/SendTextSMS"
    assert sent.json == {
        "UserName": ASPSMS_USERKEY,
        "Password": ASPSMS_PASSWORD,
        "Originator": "Shop",
        "Recipients": [f"{NUMBER}:T1"],
        "MessageText": "Hello",
        "ForceGSM7bit": True,
    }
    assert sent.params is None and sent.data is None


def test_server2sms_default_host() -> None:
    account = fake_account(url("server2sms"), [ok('{"StatusCode":"1","StatusInfo":"OK","Credits":"1"}')])
    account.balance()
    assert account.ctx.http.sent[0].url == "https://json.server2sms.com/CheckCredits"


def test_other_host_port_and_plain_http() -> None:
    account = fake_account(
        url("aspsms", "plain_http=yes").replace("@default", "@127.0.0.1:8080"),
        [ok('{"StatusCode":"1","StatusInfo":"OK","Credits":"1"}')],
    )
    account.balance()
    assert account.ctx.http.sent[0].url == "http://127.0.0.1:8080/CheckCredits"


def test_no_sender_means_no_originator_field() -> None:
    account = fake_account(url("aspsms", ""), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert "Originator" not in _json(account)


def test_wire_form_of_a_number_keeps_the_plus() -> None:
    account = fake_account(url(), [ok()])
    assert account.wire_number("0041 79 123 45 67") == NUMBER


@pytest.mark.parametrize(
    ("text", "encoding", "forced"),
    [("Hello", None, True), ("Привет", None, False), ("Hello", "ucs2", False), ("Привет", "gsm7", True)],
)
def test_force_gsm7bit_follows_the_encoding(text: str, encoding: str | None, forced: bool) -> None:
    account = fake_account(url(), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), text, encoding=encoding)
    assert _json(account)["ForceGSM7bit"] is forced


def test_generated_trns_are_16_alphanumerics_and_distinct() -> None:
    account = fake_account(url(), [ok()])
    result = account.send([NUMBER, OTHER, THIRD], "Hello")
    ids = result.message_ids
    assert len(set(ids)) == 3
    assert all(len(i) == 16 and i.isascii() and i.isalnum() for i in ids)
    assert _json(account)["Recipients"] == [f"{n}:{i}" for n, i in zip([NUMBER, OTHER, THIRD], ids, strict=True)]


def test_trn_option_as_mapping_and_reference_precedence() -> None:
    account = fake_account(url(), [ok()])
    result = account.send(
        [Recipient(NUMBER, reference="Ref1"), OTHER],
        "Hello",
        options={"trn": {NUMBER: "Ignored", OTHER: "Map2"}},
    )
    assert result.message_ids == ["Ref1", "Map2"]


def test_deferred_time_is_swiss_time_by_default() -> None:
    account = fake_account(url(), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), "Hello", schedule=SCHEDULE)
    assert _json(account)["DeferredDeliveryTime"] == "01072030103000"  # CEST = UTC+2 in July
    winter = dt.datetime(2030, 1, 15, 8, 0, tzinfo=dt.timezone.utc)
    account.send(Recipient(NUMBER, reference="T2"), "Hello", schedule=winter)
    assert _json(account, 1)["DeferredDeliveryTime"] == "15012030090000"  # CET = UTC+1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deferred_timezone=UTC", "01072030083000"),
        ("deferred_timezone=%2B03:00", "01072030113000"),
        ("deferred_format=iso8601", "2030-07-01T10:30:00+02:00"),
        ("deferred_format=iso8601&deferred_timezone=UTC", "2030-07-01T08:30:00+00:00"),
    ],
)
def test_deferred_time_options(query: str, expected: str) -> None:
    account = fake_account(url("aspsms", query), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), "Hello", schedule=SCHEDULE)
    assert _json(account)["DeferredDeliveryTime"] == expected


def test_per_message_option_removes_an_account_url() -> None:
    account = fake_account(url("aspsms", "notify_delivered=https://a.example/d%3FTRN%3D%3CTRN%3E"), [ok()])
    account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert _json(account)["URLDeliveryNotification"] == "https://a.example/d?TRN=<TRN>"
    account.send(Recipient(NUMBER, reference="T2"), "Hello", options={"notify_delivered": None})
    assert "URLDeliveryNotification" not in _json(account, 1)


def test_simple_mode_request_and_capabilities() -> None:
    account = fake_account(url("aspsms", "simple=yes"), [ok()])
    assert not account.capabilities.scheduling and not account.capabilities.flash
    result = account.send([NUMBER, OTHER], "Hello")
    assert account.ctx.http.sent[0].url.endswith("/SendSimpleTextSMS")
    assert _json(account) == {
        "UserName": ASPSMS_USERKEY,
        "Password": ASPSMS_PASSWORD,
        "Recipients": [NUMBER, OTHER],
        "MessageText": "Hello",
        "ForceGSM7bit": True,
    }
    assert all(r.status is ReceiptStatus.ACCEPTED and r.message_id is None for r in result.receipts)


def test_bulk_is_chunked_by_1000() -> None:
    account = fake_account(url(), [ok()])
    numbers = [f"+417912{i:05d}" for i in range(1001)]
    summary = account.bulk_send(numbers, "Hello")
    assert summary.total == 1001 and summary.accepted == 1001 and summary.requests == 2
    assert [len(_json(account, i)["Recipients"]) for i in range(2)] == [1000, 1]  # type: ignore[arg-type]


def test_bulk_bad_reference_rejects_only_that_recipient() -> None:
    account = fake_account(url(), [ok()])
    summary = account.bulk_send([Recipient(NUMBER, reference="bad-trn"), Recipient(OTHER, reference="Good1")], "Hi")
    assert summary.accepted == 1 and summary.rejected == 1
    assert _json(account)["Recipients"] == [f"{OTHER}:Good1"]


def test_second_text_group_failure_becomes_receipts() -> None:
    account = fake_account(url(), [ok(), ok('{"StatusCode":"24","StatusInfo":"Service temporarily unavailable."}')])
    result = account.send(
        [Recipient(NUMBER, {"n": "A"}, "A1"), Recipient(OTHER, {"n": "B"}, "B1")],
        "Hi {n}",
    )
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED]
    assert result.receipts[1].code == "24"
    assert result.details["requests"] == 2


def test_second_text_group_time_out_is_unknown() -> None:
    account = fake_account(url(), [ok(), ok('{"StatusCode":"6","StatusInfo":"Time out."}')])
    result = account.send([Recipient(NUMBER, {"n": "A"}, "A1"), Recipient(OTHER, {"n": "B"}, "B1")], "Hi {n}")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.UNKNOWN]


# ------------------------------------------------------------------ outcomes and retries


def test_code_7_is_retried_code_6_is_not() -> None:
    account = fake_account(url("aspsms", "retries=2&backoff=0.001"), [ok('{"StatusCode":"7","StatusInfo":"x"}'), ok()])
    assert account.send(Recipient(NUMBER, reference="T1"), "Hello").ok
    assert len(account.ctx.http.sent) == 2
    account = fake_account(url("aspsms", "retries=2&backoff=0.001"), [ok('{"StatusCode":"6","StatusInfo":"x"}'), ok()])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert info.value.outcome is Outcome.UNKNOWN
    assert len(account.ctx.http.sent) == 1


def test_code_6_on_a_read_is_temporary() -> None:
    account = fake_account(url(), [ok('{"StatusCode":"6","StatusInfo":"Time out."}')])
    with pytest.raises(ServiceUnavailableError):
        account.balance()


@pytest.mark.parametrize("code", ["0", "999", "28", "31", "32", "35", "36", "37", "38", "39", "-1", "1000"])
def test_a_code_that_is_no_documented_refusal_leaves_a_send_unknown(code: str) -> None:
    """StatusCode 0 is not success for a send, and not a refusal either: it may have been sent."""
    account = fake_account(url(), [ok(f'{{"StatusCode":"{code}","StatusInfo":"Something new"}}')])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.code == code
    assert "Something new" in str(info.value)


def test_error_without_status_info_uses_the_table() -> None:
    account = fake_account(url(), [ok('{"StatusCode":"8"}')])
    with pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.text == "invalid userkey"


def test_http_429_is_rate_limited() -> None:
    account = fake_account(url(), [reply('{"StatusCode":"1"}', status=429)])
    with pytest.raises(RateLimitedError):
        account.balance()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<html><body>Error</body></html>",
        '{"StatusCode":"1","Credits":"5',
        "null",
        "[]",
        '{"StatusCode":null,"Credits":"5"}',
        '{"StatusCode":true,"Credits":"5"}',
        '{"StatusCode":["1"],"Credits":"5"}',
        '{"StatusCode":"1","Credits":null}',
        '{"StatusCode":"1","Credits":"many"}',
        '{"StatusCode":"1","Credits":"NaN"}',
        '{"StatusCode":"1","Credits":"Infinity"}',
        '{"StatusCode":"1","Credits":true}',
        '{"StatusCode":"1","Credits":{"v":"1"}}',
    ],
)
def test_unreadable_balance_replies(body: str) -> None:
    account = fake_account(url(), [ok(body)])
    with pytest.raises(UnreadableReplyError) as info:
        account.balance()
    assert info.value.raw is not None


@pytest.mark.parametrize(
    ("body", "amount"),
    [
        ('{"StatusCode":1,"Credits":567}', "567"),
        ('{"StatusCode":"1","Credits":12.5}', "12.5"),
        ('{"StatusCode":" 1 ","Credits":" 0.125 "}', "0.125"),
    ],
)
def test_balance_accepts_numbers_for_strings(body: str, amount: str) -> None:
    account = fake_account(url(), [ok(body)])
    assert account.balance().amount == Decimal(amount)


@pytest.mark.parametrize("status", [500, 502, 503, 404])
def test_http_errors_are_unreadable_for_sends(status: int) -> None:
    account = fake_account(url(), [reply('{"StatusCode":"1","StatusInfo":"OK"}', status=status)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert info.value.outcome is Outcome.UNKNOWN


def test_echoed_credentials_are_redacted_from_errors() -> None:
    body = json.dumps({"StatusCode": "3", "StatusInfo": f"Authorization failed for {ASPSMS_USERKEY}/{ASPSMS_PASSWORD}"})
    account = fake_account(url(), [ok(body)])
    with pytest.raises(AuthenticationError) as info:
        account.balance()
    shown = " ".join([str(info.value), repr(info.value), info.value.raw.body, info.value.text or ""])  # type: ignore[union-attr]
    assert ASPSMS_USERKEY not in str(info.value) and ASPSMS_PASSWORD not in info.value.raw.body  # type: ignore[union-attr]
    assert ASPSMS_PASSWORD not in str(info.value)
    assert "Authorization failed" in shown


def test_cassette_filters_cover_echoed_secret_fields() -> None:
    fields = next(spec.secret_fields for spec, _ in get_registry().providers() if spec.id == "aspsms")
    assert {"UserName", "Password", "RedeemCode"} <= set(fields)
    scrub = scrub_response(fields)
    response = {
        "body": {"string": b'{"StatusCode":"1","UserName":"k","Password":"p","RedeemCode":"V1"}'},
        "headers": {},
    }
    assert scrub(response)["body"]["string"] == (
        b'{"StatusCode":"1","UserName":"FILTERED","Password":"FILTERED","RedeemCode":"FILTERED"}'
    )
    assert vcr_config_for(fields)["match_on"][-1] == "body"


# ------------------------------------------------------------------ delivery status


def _inquire(body: object, ids: list[str]) -> list[object]:
    account = fake_account(url(), [ok(json.dumps(body))])
    reports = account.delivery_status(ids)
    assert _json(account)["TransactionReferenceNumbers"] == ";".join(ids)
    return reports


def test_delivery_without_notifications_is_unknown() -> None:
    for body in (
        {"StatusCode": "0"},
        {"StatusCode": "1", "DeliveryNotifications": None},
        {"StatusCode": "0", "DeliveryNotifications": []},
    ):
        reports = _inquire(body, ["A1", "B2"])
        assert [r.status for r in reports] == [DeliveryStatus.UNKNOWN, DeliveryStatus.UNKNOWN]  # type: ignore[attr-defined]


@pytest.mark.parametrize("notifications", ['"x"', "{}", "[1]", '["a"]', "[null]", "7"])
def test_delivery_malformed_notifications(notifications: str) -> None:
    account = fake_account(url(), [ok(f'{{"StatusCode":"0","DeliveryNotifications":{notifications}}}')])
    with pytest.raises(UnreadableReplyError):
        account.delivery_status(["A1"])


def test_delivery_numbers_for_strings_and_bad_dates() -> None:
    body = {
        "StatusCode": 0,
        "DeliveryNotifications": [
            {"TransactionReferenceNumber": 4242, "DeliveryStatus": 2, "Reasoncode": 107, "SubmissionDate": "yesterday"},
            {"DeliveryStatus": "0"},  # no TRN: skipped
        ],
    }
    (report,) = _inquire(body, ["4242"])
    assert report.status is DeliveryStatus.FAILED  # type: ignore[attr-defined]
    assert report.reason == "107 absent subscriber"  # type: ignore[attr-defined]
    assert report.submitted_at is None  # type: ignore[attr-defined]


def test_delivery_date_without_zone_is_utc_and_latest_wins() -> None:
    body = {
        "StatusCode": "1",
        "DeliveryNotifications": [
            {"TransactionReferenceNumber": "A1", "DeliveryStatus": "0", "NotificationDate": "2030-01-01T10:05:00"},
            {"TransactionReferenceNumber": "A1", "DeliveryStatus": "1", "NotificationDate": "2030-01-01T10:00:00"},
        ],
    }
    (report,) = _inquire(body, ["A1"])
    assert report.status is DeliveryStatus.DELIVERED  # type: ignore[attr-defined]
    assert report.updated_at == dt.datetime(2030, 1, 1, 10, 5, tzinfo=dt.timezone.utc)  # type: ignore[attr-defined]


def test_delivery_unknown_delivery_status_value() -> None:
    body = {"StatusCode": "0", "DeliveryNotifications": [{"TransactionReferenceNumber": "A1", "DeliveryStatus": "9"}]}
    (report,) = _inquire(body, ["A1"])
    assert report.status is DeliveryStatus.UNKNOWN  # type: ignore[attr-defined]
    assert report.provider_code == "9"  # type: ignore[attr-defined]


# ------------------------------------------------------------------ admin


def test_admin_operations_are_the_api_methods() -> None:
    account = fake_account(url(), [ok()])
    names = [op.name for op in account.capabilities.admin_operations]
    assert names == [
        "SendTokenSMS",
        "VerifyToken",
        "SendOriginatorUnlockCode",
        "UnlockOriginator",
        "CheckOriginatorAuthorization",
        "CreateVoucher",
        "GetVoucherTransactions",
        "RedeemVoucher",
        "VersionInfo",
        "ListAllStatusCodes",
    ]


def test_unknown_admin_operation_in_the_hook() -> None:
    from smsbridge_aspsms.admin import run

    account = fake_account(url(), [ok()])
    with pytest.raises(UnsupportedOperationError):
        run(account.ctx, "DeleteEverything", {})


def test_version_info_sends_no_credentials() -> None:
    account = fake_account(url(), [ok("{}")])
    account.admin("VersionInfo")
    assert _json(account) == {}


def test_version_info_error_envelope_is_mapped() -> None:
    account = fake_account(url(), [ok('{"StatusCode":"24","StatusInfo":"Service temporarily unavailable."}')])
    with pytest.raises(ServiceUnavailableError):
        account.admin("VersionInfo")


@pytest.mark.parametrize(
    ("body", "table"),
    [
        (
            '[{"StatusCode":"1","StatusInfo":"OK"},{"StatusCode":3,"StatusInfo":"Authorization failed"}]',
            {"1": "OK", "3": "Authorization failed"},
        ),
        ('{"1":"OK","3":"Authorization failed"}', {"1": "OK", "3": "Authorization failed"}),
        ('{"Codes":[{"Code":"5","Description":"not enough credits"}]}', {"5": "not enough credits"}),
        ('[1, "x", null]', {}),
    ],
)
def test_list_all_status_codes_shapes(body: str, table: dict[str, str]) -> None:
    account = fake_account(url(), [ok(body)])
    assert account.admin("ListAllStatusCodes").data["status_codes"] == table


def test_voucher_list_shapes() -> None:
    account = fake_account(url(), [ok('{"StatusCode":"1","Vouchers":null}')])
    assert account.admin("GetVoucherTransactions").data["vouchers"] == []
    account = fake_account(url(), [ok('{"StatusCode":"1","vouchers":"none"}')])
    with pytest.raises(UnreadableReplyError):
        account.admin("GetVoucherTransactions")


def test_send_token_defaults_to_account_notifications() -> None:
    account = fake_account(url("aspsms", "notify_delivered=https://a.example/d"), [ok()])
    account.admin("SendTokenSMS", Recipients=NUMBER, MessageData="<VERIFICATIONCODE>", TokenReference="r1")
    assert _json(account)["URLDeliveryNotification"] == "https://a.example/d"


def test_admin_invalid_message_option_type() -> None:
    account = fake_account(url(), [ok()])
    with pytest.raises(InvalidMessageError):
        account.admin(
            "SendTokenSMS", Recipients=NUMBER, MessageData="<VERIFICATIONCODE>", TokenReference="r1", AffiliateID=["x"]
        )
    assert account.ctx.http.sent == []


# ------------------------------------------------------------------ non-2xx replies


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (401, '{"StatusCode":"3","StatusInfo":"Authorization failed."}', AuthenticationError, "Authorization failed."),
        (401, '{"Message":"Authorization has been denied for this request."}', AuthenticationError, None),
        (401, "<html><body>401 Unauthorized</body></html>", AuthenticationError, None),
        (403, '{"StatusCode":"25","StatusInfo":"User access denied."}', PermissionDeniedError, "User access denied."),
        (403, "Forbidden", PermissionDeniedError, "Forbidden"),
        (400, '{"StatusCode":"10","StatusInfo":"Invalid originator."}', InvalidSenderError, "Invalid originator."),
        (499, '{"StatusCode":"5","StatusInfo":"Not enough credits."}', InsufficientCreditError, "Not enough credits."),
        (429, '{"StatusCode":"1","StatusInfo":"Slow down"}', RateLimitedError, "Slow down"),
    ],
)
def test_a_4xx_body_is_read_and_its_words_shown(
    status: int, body: str, error: type[Exception], text: str | None
) -> None:
    account = fake_account(url(), [reply(body, status=status, content_type="application/json; charset=utf-8")])
    with pytest.raises(error) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    exc = info.value
    assert type(exc) is error and exc.outcome is Outcome.NOT_SENT  # type: ignore[attr-defined]
    assert exc.http_status == status and exc.raw is not None  # type: ignore[attr-defined]
    shown = text or ("Authorization has been denied" if "Message" in body else None)
    if shown:
        assert shown in str(exc)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, '{"StatusCode":"1","StatusInfo":"OK"}'),  # a success code never makes a 4xx a success
        (400, '{"StatusCode":"99","StatusInfo":"Brand new"}'),
        (400, '{"StatusCode":"0","StatusInfo":"OK"}'),
        (500, '{"StatusCode":"3","StatusInfo":"Authorization failed."}'),  # 5xx bodies prove nothing
        (503, '{"StatusCode":"10","StatusInfo":"Invalid originator."}'),
    ],
)
def test_other_non_2xx_replies_leave_a_send_unknown(status: int, body: str) -> None:
    account = fake_account(url(), [reply(body, status=status, content_type="application/json")])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.http_status == status


def test_a_4xx_on_an_info_method_without_envelope_is_not_a_result() -> None:
    account = fake_account(url(), [reply('{"Version":"2"}', status=404, content_type="application/json")])
    with pytest.raises(UnreadableReplyError):
        account.admin("VersionInfo")
    account = fake_account(url(), [reply("[]", status=401, content_type="application/json")])
    with pytest.raises(AuthenticationError):
        account.admin("ListAllStatusCodes")


# ------------------------------------------------------------------ permission and undocumented codes


@pytest.mark.parametrize("code", ["25", "29", "30", "33", "34"])
def test_valid_credentials_but_not_allowed(code: str) -> None:
    account = fake_account(url(), [ok(f'{{"StatusCode":"{code}","StatusInfo":"Not allowed"}}')])
    with pytest.raises(PermissionDeniedError) as info:
        account.send(Recipient(NUMBER, reference="T1"), "Hello")
    assert info.value.outcome is Outcome.NOT_SENT and info.value.code == code


def test_an_undocumented_code_on_a_read_is_a_refusal() -> None:
    account = fake_account(url(), [ok('{"StatusCode":"999","StatusInfo":"Nope"}')])
    with pytest.raises(RejectedError) as info:
        account.balance()
    assert info.value.code == "999" and "Nope" in str(info.value)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateVoucher", {"NumberOfVouchers": 1, "AmountCreditsPerVoucher": "5"}),
        ("RedeemVoucher", {"RedeemCode": "V1234567"}),
        ("SendOriginatorUnlockCode", {"Originator": NUMBER}),
    ],
)
def test_an_undocumented_code_on_an_operation_that_spends_is_unknown(operation: str, params: dict[str, object]) -> None:
    account = fake_account(url(), [ok('{"StatusCode":"0","StatusInfo":"Done?"}')])
    with pytest.raises(UnreadableReplyError) as info:
        account.admin(operation, **params)
    assert info.value.outcome is Outcome.UNKNOWN
    assert "delivery status" not in (info.value.hint or "") or operation == "SendOriginatorUnlockCode"


# ------------------------------------------------------------------ digits that are not ASCII


@pytest.mark.parametrize("code", ["²²²", "٠٠٠", "1²3", "੧੦੭"])
def test_a_reason_code_of_other_digits_is_junk(code: str) -> None:
    """``"²²²".isdigit()`` is true and ``int("²²²")`` fails: such a code is junk, like ``":"``."""
    body = {
        "StatusCode": "0",
        "DeliveryNotifications": [
            {"TransactionReferenceNumber": "A1", "DeliveryStatus": "2", "Reasoncode": code},
            {"TransactionReferenceNumber": "B2", "DeliveryStatus": "-1", "Reasoncode": code},
        ],
    }
    first, second = _inquire(body, ["A1", "B2"])
    assert (first.status, first.reason) == (DeliveryStatus.FAILED, None)  # type: ignore[attr-defined]
    assert (second.status, second.reason) == (DeliveryStatus.QUEUED, None)  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["²", "٣", "1_000", "1e5", "Infinity", "12.5.1", "１２", "9" * 40])
def test_credits_are_ascii_decimals(value: str) -> None:
    account = fake_account(url(), [ok(json.dumps({"StatusCode": "1", "Credits": value}))])
    with pytest.raises(UnreadableReplyError):
        account.balance()


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, " ", "1.5"])
def test_whole_number_parameters_are_ascii_and_bounded(value: str) -> None:
    account = fake_account(url(), [ok()])
    with pytest.raises(InvalidMessageError):
        account.admin("CreateVoucher", NumberOfVouchers=value, AmountCreditsPerVoucher="5")
    assert account.ctx.http.sent == []
