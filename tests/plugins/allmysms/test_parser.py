"""Reply parsing edge cases with hand-made replies (no cassette): types, shapes, junk."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    RateLimitedError,
    RejectedError,
    UnreadableReplyError,
    UnsupportedOperationError,
)
from smsbridge.models import CallbackRequest, DeliveryStatus, ReceiptStatus
from smsbridge.testing import fake_account, reply

from .support import API_KEY, FR, FR2, FR3, URL

JSON = "application/json"
PARIS_SUMMER = dt.timezone(dt.timedelta(hours=2))


def js(data: Any, status: int = 200) -> Any:
    return reply(json.dumps(data), status=status, content_type=JSON)


def sent_ok(*pairs: tuple[str, str], **extra: Any) -> Any:
    return js(
        {
            "status": 100,
            "statusText": "Your messages have been sent",
            "invalidNumbers": "",
            "smsIds": [{"phoneNumber": p, "smsId": i} for p, i in pairs],
            **extra,
        }
    )


# ---------------------------------------------------------------------------- send replies


def test_status_as_a_string_is_read() -> None:
    account = fake_account(URL, [js({"status": "100", "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]})])
    assert account.send(FR, "hi").receipts[0].message_id == "a"


@pytest.mark.parametrize(
    "body",
    [
        {"statusText": "Your messages have been sent"},
        {"status": None},
        {"status": "sent"},
        {"status": True},
        {"status": [100]},
        {"status": {"code": 100}},
    ],
)
def test_send_reply_without_numeric_status_is_unreadable(body: dict[str, Any]) -> None:
    account = fake_account(URL, [js(body)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(FR, "hi")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.raw is not None


def test_phone_numbers_in_other_shapes_still_match() -> None:
    account = fake_account(
        URL,
        [
            js(
                {
                    "status": 100,
                    "smsIds": [{"phoneNumber": 33612345678, "smsId": 7}, {"phoneNumber": "+33698765432", "smsId": "b"}],
                }
            )
        ],
    )
    result = account.send([FR, FR2], "hi")
    assert [r.message_id for r in result.receipts] == ["7", "b"]


def test_same_number_twice_gets_both_ids_in_order() -> None:
    account = fake_account(URL, [sent_ok(("33612345678", "first"), ("33612345678", "second"))])
    result = account.send([FR, FR], "hi")
    assert [r.message_id for r in result.receipts] == ["first", "second"]


@pytest.mark.parametrize("invalid", ["33698765432,33611223344", "33698765432; 33611223344", "33698765432 33611223344"])
def test_invalid_numbers_in_a_string(invalid: str) -> None:
    account = fake_account(
        URL, [js({"status": 113, "invalidNumbers": invalid, "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]})]
    )
    result = account.send([FR, FR2, FR3], "hi")
    assert [r.status for r in result.receipts] == [
        ReceiptStatus.ACCEPTED,
        ReceiptStatus.REJECTED,
        ReceiptStatus.REJECTED,
    ]


def test_invalid_numbers_as_objects() -> None:
    """113 without smsIds: the listed number is rejected, the others were sent (no ids)."""
    account = fake_account(URL, [js({"status": 113, "invalidNumbers": [{"phoneNumber": "33698765432"}], "smsIds": []})])
    result = account.send([FR, FR2], "hi")
    assert [(r.status, r.message_id) for r in result.receipts] == [
        (ReceiptStatus.ACCEPTED, None),
        (ReceiptStatus.REJECTED, None),
    ]


@pytest.mark.parametrize("sms_ids", ["330792bd", 5, {"x": 1}, [None, "a", 3], [{"phoneNumber": "33698765432"}]])
def test_odd_sms_ids_leave_recipients_unknown(sms_ids: Any) -> None:
    account = fake_account(URL, [js({"status": 100, "smsIds": sms_ids})])
    result = account.send(FR, "hi")
    assert result.receipts[0].status is ReceiptStatus.UNKNOWN


NO_IDS = [{}, {"smsIds": None}, {"smsIds": []}, {"smsIds": ""}]


@pytest.mark.parametrize("status", [100, "100", 101])
@pytest.mark.parametrize("no_ids", NO_IDS, ids=["absent", "null", "empty-list", "empty-text"])
def test_success_without_sms_ids_accepts_every_recipient(status: Any, no_ids: dict[str, Any]) -> None:
    """100 (sent) or 101 (scheduled) without per-number ids speaks for every recipient."""
    body = {"status": status, "statusText": "ok", "invalidNumbers": "", "campaignId": "c-9", **no_ids}
    account = fake_account(URL, [js(body)])
    result = account.send([FR, FR2, FR3], "hi")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 3
    assert all(r.message_id is None and r.code == str(status) for r in result.receipts)
    assert result.scheduled is (str(status) == "101")
    assert result.details["campaignId"] == "c-9"


def test_success_without_sms_ids_still_rejects_listed_numbers() -> None:
    account = fake_account(URL, [js({"status": 101, "invalidNumbers": "33698765432"})])
    result = account.send([FR, FR2], "hi")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED]


@pytest.mark.parametrize("invalid", ["", None, "none of them"])
def test_partial_without_ids_or_listed_numbers_is_unknown(invalid: Any) -> None:
    """113 says some numbers were invalid; naming none, it does not say which were sent."""
    account = fake_account(URL, [js({"status": 113, "invalidNumbers": invalid})])
    result = account.send([FR, FR2], "hi")
    assert [r.status for r in result.receipts] == [ReceiptStatus.UNKNOWN] * 2


def test_xml_success_with_an_empty_sms_ids_element() -> None:
    body = "<response><status>101</status><invalidNumbers/><smsIds/></response>"
    result = fake_account(URL, [reply(body, content_type="text/xml")]).send([FR, FR2], "hi")
    assert result.scheduled and [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 2


def test_xml_reply_is_read_too() -> None:
    body = (
        "<?xml version='1.0' encoding='UTF-8'?><response><status>101</status><statusText>scheduled</statusText>"
        "<invalidNumbers>33698765432</invalidNumbers><smsIds><smsId><phoneNumber>33612345678</phoneNumber>"
        "<smsId>x-1</smsId></smsId></smsIds></response>"
    )
    account = fake_account(URL, [reply(body, content_type="text/xml")])
    result = account.send([FR, FR2], "hi")
    assert result.scheduled
    assert [(r.status, r.message_id) for r in result.receipts] == [
        (ReceiptStatus.ACCEPTED, "x-1"),
        (ReceiptStatus.REJECTED, None),
    ]


def test_documented_code_on_an_http_error_status_is_mapped() -> None:
    account = fake_account(URL, [js({"status": 102, "statusText": "bad key"}, status=401)])
    with pytest.raises(AuthenticationError) as info:
        account.send(FR, "hi")
    assert info.value.http_status == 401 and info.value.code == "102"


@pytest.mark.parametrize("status", [500, 503, 404])
def test_http_errors_without_a_code_are_unreadable(status: int) -> None:
    account = fake_account(URL, [js({"status": 100, "smsIds": []}, status=status)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(FR, "hi")
    assert info.value.http_status == status


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"status": 100, "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]}, AuthenticationError),
        (401, "Unauthorized", AuthenticationError),
        (403, "Forbidden: IP not allowed", PermissionDeniedError),
        (403, {"status": "KO", "statusText": "Account locked"}, PermissionDeniedError),
        (400, {"status": 114, "statusText": "None valid"}, InvalidRecipientError),
        (499, {"status": 103, "statusText": "No more credits"}, InsufficientCreditError),
    ],
)
def test_a_4xx_reply_is_read_and_never_a_success(status: int, body: Any, error: type[Exception]) -> None:
    answer = js(body, status=status) if isinstance(body, dict) else reply(body, status=status)
    account = fake_account(URL, [answer])
    with pytest.raises(error) as info:
        account.send(FR, "hi")
    assert info.value.outcome is Outcome.NOT_SENT and info.value.http_status == status  # type: ignore[attr-defined]
    said = body.get("statusText") if isinstance(body, dict) else body
    if said:
        assert said in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"status": 116, "statusText": "Nouveau"}),
        (404, {"status": 100, "smsIds": []}),
        (500, {"status": 102, "statusText": "bad key"}),  # a 5xx body proves nothing
        (502, {"status": 114}),
        (300, {"status": 100, "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]}),
        (199, {"status": 100, "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]}),
    ],
)
def test_other_statuses_leave_a_send_unknown(status: int, body: Any) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        fake_account(URL, [js(body, status=status)]).send(FR, "hi")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.http_status == status


@pytest.mark.parametrize("status", [200, 201, 299])
def test_every_2xx_is_read(status: int) -> None:
    answer = js({"status": 100, "smsIds": [{"phoneNumber": "33612345678", "smsId": "a"}]}, status=status)
    assert fake_account(URL, [answer]).send(FR, "hi").receipts[0].message_id == "a"


@pytest.mark.parametrize("status", [100, 101, "1", "OK", "Active Account"])
def test_balance_with_a_success_status(status: Any) -> None:
    assert fake_account(URL, [js({"status": status, "credits": "5"})]).balance().amount == Decimal(5)


@pytest.mark.parametrize("status", [116, 119, 150, 999])
def test_balance_with_an_undocumented_code_is_unreadable(status: int) -> None:
    with pytest.raises(UnreadableReplyError) as info:
        fake_account(URL, [js({"status": status, "statusText": "Nouveau", "credits": "5"})]).balance()
    assert info.value.code == str(status) and "Nouveau" in str(info.value)


def test_unknown_master_account_is_not_found() -> None:
    account = fake_account(URL + "?masteraccount=NOPE", [js({"status": 118, "statusText": "no such master"})])
    with pytest.raises(NotFoundError) as info:
        account.send(FR, "hi")
    assert info.value.outcome is Outcome.NOT_SENT and "masteraccount=" in (info.value.hint or "")


def test_http_429_is_rate_limited() -> None:
    account = fake_account(URL, [reply("Too Many Requests", status=429)])
    with pytest.raises(RateLimitedError):
        account.send(FR, "hi")


@pytest.mark.parametrize("status", [0, 1, 99, 102.5, 116, 119, 199, 999, -100])
def test_an_undocumented_status_leaves_a_send_unknown(status: Any) -> None:
    """Only a documented refusal means "not sent": failover must not resend on 0 or 116."""
    account = fake_account(URL, [js({"status": status, "statusText": "Nouveau refus"})])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(FR, "hi")
    assert info.value.outcome is Outcome.UNKNOWN
    if isinstance(status, int):
        assert (info.value.code, info.value.text) == (str(status), "Nouveau refus")


def test_no_valid_number_names_the_recipients() -> None:
    from smsbridge.errors import InvalidRecipientError

    account = fake_account(URL, [js({"status": 114, "statusText": "None valid"})])
    with pytest.raises(InvalidRecipientError) as info:
        account.send([FR, FR2], "hi")
    assert info.value.recipient == "33612345678, 33698765432"


def test_bulk_failure_after_success_becomes_receipts() -> None:
    account = fake_account(URL + "?batch_size=1", [sent_ok(("33612345678", "a")), js({"status": 103})])
    summary = account.bulk_send([FR, FR2], "hi")
    assert (summary.accepted, summary.rejected, summary.requests) == (1, 1, 2)


def test_the_api_key_never_shows_in_errors() -> None:
    account = fake_account(URL, [js({"status": 102, "statusText": f"bad key {API_KEY}", "apiKey": API_KEY})])
    with pytest.raises(AuthenticationError) as info:
        account.send(FR, "hi")
    assert API_KEY not in str(info.value) and API_KEY not in (info.value.raw.body if info.value.raw else "")
    assert API_KEY not in (info.value.text or "")


# ---------------------------------------------------------------------------- other operations


@pytest.mark.parametrize(
    ("credits", "expected"), [("1847", Decimal("1847")), (12.5, Decimal("12.5")), ("0", Decimal(0))]
)
def test_balance_credit_types(credits: Any, expected: Decimal) -> None:
    account = fake_account(URL, [js({"status": "Active Account", "credits": credits})])
    assert account.balance().amount == expected


@pytest.mark.parametrize(
    "body",
    [{"status": "Active Account"}, {"credits": None}, {"credits": "lots"}, {"credits": "NaN"}, {"credits": True}],
)
def test_balance_without_readable_credits(body: dict[str, Any]) -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(URL, [js(body)]).balance()


def test_balance_error_code_as_text() -> None:
    with pytest.raises(AuthenticationError):
        fake_account(URL, [js({"status": "102", "statusText": "bad"})]).balance()


def test_balance_echoed_api_key_is_redacted() -> None:
    account = fake_account(URL, [js({"status": "Active Account", "apiKey": API_KEY, "credits": "5"})])
    balance = account.balance()
    assert balance.raw is not None and API_KEY not in balance.raw.body


def test_ack_shapes() -> None:
    single = {"acks": {"phoneNumber": "33612345678", "statut": 1, "comment": "Delivered"}}
    bare = {"phoneNumber": "33612345678", "statut": "3", "receptionDate": "2024-07-01 10:00:00"}
    odd = {"acks": [{"phoneNumber": "33612345678", "statut": "9", "receptionDate": "yesterday"}]}
    account = fake_account(URL, [js(single), js(bare), js(odd)])
    reports = account.delivery_status(["a", "b", "c"])
    assert [r.status for r in reports] == [DeliveryStatus.DELIVERED, DeliveryStatus.SENT, DeliveryStatus.UNKNOWN]
    assert reports[1].updated_at == dt.datetime(2024, 7, 1, 10, tzinfo=PARIS_SUMMER)
    assert reports[2].updated_at is None
    assert [s.data["smsId"] for s in account.ctx.http.sent] == ["a", "b", "c"]


def test_ack_latest_wins() -> None:
    acks = {"acks": [{"statut": "3"}, {"statut": "1"}]}
    (report,) = fake_account(URL, [js(acks)]).delivery_status("a")
    assert report.status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("body", [{}, {"status": "OK"}, {"acks": None, "x": 1} | {"acks": "none"}])
def test_ack_reply_without_acks(body: dict[str, Any]) -> None:
    account = fake_account(URL, [js(body)])
    if "acks" in body:
        assert account.delivery_status("a")[0].status is DeliveryStatus.UNKNOWN
    else:
        with pytest.raises(UnreadableReplyError):
            account.delivery_status("a")


def test_estimate_types() -> None:
    account = fake_account(URL, [js({"status": "100", "nbCredits": "12.5", "nbSms": "many"})])
    estimate = account.estimate("hello", [FR])
    assert estimate.provider_cost == Decimal("12.5") and estimate.provider_segments is None


def test_estimate_without_credits_is_unreadable() -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(URL, [js({"status": 100, "nbSms": 1})]).estimate("hello", [FR])


def test_estimate_sends_the_flow_to_simulate_campaign() -> None:
    account = fake_account(URL, [js({"status": 100, "nbCredits": 1, "nbSms": 1})])
    account.estimate("Hi {name}", [{"to": FR, "name": "Zoé"}])
    (sent,) = account.ctx.http.sent
    assert sent.url.endswith("/http/9.0/simulateCampaign/")
    assert json.loads(sent.data["smsData"])["DATA"]["SMS"] == [{"MOBILEPHONE": "33612345678", "PARAM_1": "Zoé"}]


def test_inbound_shapes_and_limit() -> None:
    mos = {"mos": {"mo": [{"phoneNumber": "33612345678", "text": "a"}, {"sender": "Shop", "message": "b", "id": 9}]}}
    account = fake_account(URL, [js(mos)])
    messages = account.inbound()
    assert [(m.sender, m.text, m.id) for m in messages] == [(FR, "a", "33612345678@0"), ("Shop", "b", "9")]
    assert "limit" not in account.ctx.http.sent[0].data


def test_inbound_limit_is_asked_of_the_server_and_nothing_it_handed_over_is_dropped() -> None:
    """getPulls hands out what arrived since the last call: a message dropped here is lost."""
    mos = {
        "mos": [
            {"phoneNumber": "33612345678", "message": "a", "id": 1},
            {"phoneNumber": "33612345678", "message": "b", "id": 2},
        ]
    }
    account = fake_account(URL, [js(mos)])
    assert [m.text for m in account.inbound(limit=1)] == ["a", "b"]
    assert account.ctx.http.sent[0].data["limit"] == "1"


@pytest.mark.parametrize("body", [{"mos": [{"phoneNumber": "33612345678"}]}, {"status": "OK"}, {"mos": "abc"}])
def test_inbound_unreadable(body: dict[str, Any]) -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(URL, [js(body)]).inbound()


def test_admin_reply_as_a_list_and_unknown_operation() -> None:
    account = fake_account(URL, [js(["33611111111"])])
    assert account.admin("getBlacklist").data == {"items": ["33611111111"]}
    with pytest.raises(UnsupportedOperationError):
        account.hooks.admin(account.ctx, "getEverything", {})


@pytest.mark.parametrize("status", ["KO", "error", "0"])
def test_admin_failure_words(status: str) -> None:
    with pytest.raises(RejectedError):
        fake_account(URL, [js({"status": status, "text": "no"})]).admin("deleteCampaign", campId="1")


@pytest.mark.parametrize(
    "account_data",
    [
        {"LOGIN": "x", "PASSWORD": "s3cret-pass"},
        '{"DATA": {"LOGIN": "x", "PASSWORD": "s3cret-pass"}}',
        "LOGIN=x&PASSWORD=s3cret-pass",
    ],
)
def test_admin_secret_fields_are_redacted(account_data: Any) -> None:
    account = fake_account(URL, [js({"status": "0", "text": "weak password s3cret-pass"})])
    with pytest.raises(RejectedError) as info:
        account.admin("createSubAccount", accountData=account_data)
    assert "s3cret-pass" not in str(info.value) and "s3cret-pass" not in (info.value.text or "")
    sent = json.loads(account.ctx.http.sent[0].data["accountData"])
    assert sent == {"DATA": {"LOGIN": "x", "PASSWORD": "s3cret-pass"}}


@pytest.mark.parametrize(
    ("operation", "params", "wire"),
    [
        ("deleteCampaign", {"campId": " c-1 "}, {"campId": "c-1"}),
        ("getCreditsByCountryIsoCode", {"countryIsoCode": "de"}, {"countryIsoCode": "DE"}),
        ("getBlacklist", {"subAccount": "shop-lyon"}, {"subAccount": "shop-lyon"}),
        ("getBlacklist", {}, {}),
        ("manageSubAccountCredits", {"subAccount": "s", "credits": -50}, {"subAccount": "s", "credits": "-50"}),
        ("deleteSubAccount", {"loginToDelete": "s"}, {"loginToDelete": "s"}),
        ("getSubAccounts", {"fields": "subAccount=s"}, {"subAccount": "s"}),
    ],
)
def test_admin_request_fields_are_the_public_clients_names(
    operation: str, params: dict[str, Any], wire: dict[str, str]
) -> None:
    """Names as davaxi/AllMySMS sends them (Account.php, Tools.php), not inferred ones."""
    account = fake_account(URL, [js({"status": "OK"})])
    account.admin(operation, **params)
    sent = dict(account.ctx.http.sent[0].data)
    assert {k: v for k, v in sent.items() if k not in ("login", "apiKey", "returnformat")} == wire


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("manageSubAccountCredits", {"subAccount": "s", "credits": "many"}),
        ("manageSubAccountCredits", {"subAccount": "s", "credits": True}),
        ("manageSubAccountCredits", {"subAccount": "s", "credits": "²"}),
        ("getCreditsByCountryIsoCode", {"countryIsoCode": "FRA"}),
        ("createSubAccount", {"accountData": "[1, 2]"}),
        ("createSubAccount", {"accountData": "{not json"}),
        ("createSubAccount", {"accountData": "just text"}),
        ("createSubAccount", {"accountData": {"LOGIN": ["x"]}}),
        ("deleteCampaign", {"campId": "1", "fields": {"campId": "2"}}),
        ("deleteCampaign", {"campId": "1", "fields": {"apiKey": "2"}}),
    ],
)
def test_admin_parameters_are_checked_before_any_request(operation: str, params: dict[str, Any]) -> None:
    account = fake_account(URL, [js({"status": "OK"})])
    with pytest.raises(InvalidMessageError):
        account.admin(operation, **params)
    assert account.ctx.http.sent == []


# ---------------------------------------------------------------------------- callbacks


def test_callback_from_query() -> None:
    account = fake_account(URL, [])
    (report,) = account.parse_callback(
        {
            "smsId": "330792bd",
            "phoneNumber": "33612345678",
            "status": "1",
            "statusText": "Delivered",
            "receptionDate": "2024-07-01 10:00:00",
            "campaignId": "c1",
        }
    )
    assert report.message_id == "330792bd" and report.status is DeliveryStatus.DELIVERED
    assert report.recipient == FR and report.provider_text == "Delivered"
    assert report.updated_at == dt.datetime(2024, 7, 1, 10, tzinfo=PARIS_SUMMER)


def test_callback_from_form_json_and_lists() -> None:
    account = fake_account(URL, [])
    form = CallbackRequest(method="POST", form={"smsId": "a", "status": "2", "phoneNumber": "33612345678"})
    assert account.parse_callback(form)[0].status is DeliveryStatus.FAILED
    body = json.dumps([{"smsId": "a", "status": 4}, {"smsId": "b", "status": "5"}]).encode()
    reports = account.parse_callback(CallbackRequest(method="POST", body=body))
    assert [r.status for r in reports] == [DeliveryStatus.REJECTED, DeliveryStatus.REJECTED]
    encoded = CallbackRequest(method="POST", body=b"smsId=z&status=3&phoneNumber=33612345678")
    assert account.parse_callback(encoded)[0].status is DeliveryStatus.SENT
    assert account.ctx.http.sent == []


@pytest.mark.parametrize(
    "request_",
    [
        CallbackRequest(query={"status": "1"}),
        CallbackRequest(method="POST", body=b"{not json"),
        CallbackRequest(method="POST", body=b"[]"),
        CallbackRequest(query={"smsId": ""}),
    ],
)
def test_not_a_callback(request_: CallbackRequest) -> None:
    with pytest.raises(UnreadableReplyError):
        fake_account(URL, []).parse_callback(request_)


# ---------------------------------------------------------------------------- request shape


def test_other_host_path_and_plain_http() -> None:
    account = fake_account(
        "allmysms://u:dummy-k@127.0.0.1:8080/api/allmysms?plain_http=yes", [js({"status": "x", "credits": 1})]
    )
    account.balance()
    assert account.ctx.http.sent[0].url == "http://127.0.0.1:8080/api/allmysms/getInfo/"


def test_request_is_a_form_post_with_credentials() -> None:
    account = fake_account(URL, [sent_ok(("33612345678", "a"))])
    account.send(FR, "hi")
    (sent,) = account.ctx.http.sent
    assert sent.method == "POST" and sent.url == "https://api.allmysms.com/http/9.0/sendSms/"
    assert sent.params is None and sent.json is None
    assert set(sent.data) == {"login", "apiKey", "smsData", "returnformat"}
    assert sent.data["returnformat"] == "json" and sent.data["apiKey"] == API_KEY


def test_invalid_message_error_from_the_flow_keeps_no_request() -> None:
    account = fake_account(URL, [sent_ok()])
    with pytest.raises(InvalidMessageError):
        account.send(FR, "hi", options={"priority": "high"})
    assert account.ctx.http.sent == []
