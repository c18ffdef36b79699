"""Reply parsing and request shapes, driven by hand-made replies (no network)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    Outcome,
    ProviderError,
    RejectedError,
    UnreadableReplyError,
    UnsupportedOperationError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus
from smsbridge.testing import SentRequest, fake_account, reply
from smsbridge_junubsms import codes, reports
from smsbridge_junubsms.sending import Item, match_items

from .support import NUMBER, OTHER, QUEUE, TS, err, ok, playsms_url, pv, pv_item, url, xml

A, B, C = "211912345678", "211922345678", "211952345678"
TOKEN_FROM_SERVER = "0123456789abcdef0123456789abcdef"


def fields(sent: SentRequest) -> dict[str, str]:
    return dict(sent.data)


# ---------------------------------------------------------------------------- request shapes


def test_send_request_shape() -> None:
    account = fake_account(url(), [pv(pv_item(A))])
    account.send(NUMBER, "hello world")
    (sent,) = account.ctx.http.sent
    assert (sent.method, sent.url) == ("POST", "https://sms.junubsms.com/index.php")
    assert sent.params == [("app", "ws"), ("op", "pv")]
    assert sent.data == [
        ("u", account.ctx.config.username),
        ("h", account.ctx.config.token),
        ("to", A),
        ("msg", "hello world"),
        ("unicode", "0"),
    ]


def test_xml_format_is_asked_for() -> None:
    account = fake_account(url("format=xml"), [xml("<response><credit>3</credit><status>OK</status></response>")])
    assert account.balance().amount == Decimal(3)
    assert fields(account.ctx.http.sent[0])["format"] == "xml"


@pytest.mark.parametrize(
    ("account_url", "expected"),
    [
        ("playsms://u:dummy-t@sms.example.org", "https://sms.example.org/index.php"),
        ("playsms://u:dummy-t@sms.example.org/playsms/", "https://sms.example.org/playsms/index.php"),
        ("playsms://u:dummy-t@sms.example.org/playsms/index.php", "https://sms.example.org/playsms/index.php"),
        ("playsms://u:dummy-t@playsms.lan:8080/sms/index.php?plain_http=yes", "http://playsms.lan:8080/sms/index.php"),
        ("junubsms://u:dummy-t@default", "https://sms.junubsms.com/index.php"),
        ("junubsms://u:dummy-t@backup.junubsms.com", "https://backup.junubsms.com/index.php"),
    ],
)
def test_url_forms(account_url: str, expected: str) -> None:
    account = fake_account(account_url, [ok('{"status":"OK","error":"0","credit":1}')])
    account.balance()
    assert account.ctx.http.sent[0].url == expected


@pytest.mark.parametrize(
    ("text", "encoding", "flag"),
    [("hello", None, "0"), ("مرحبا بكم", None, "1"), ("price 5€ {ok}", None, "0"), ("hello", "ucs2", "1")],
)
def test_unicode_flag_follows_the_encoding(text: str, encoding: str | None, flag: str) -> None:
    account = fake_account(url(), [pv(pv_item(A))])
    account.send(NUMBER, text.replace("{ok}", "{{ok}}"), encoding=encoding)
    assert fields(account.ctx.http.sent[0])["unicode"] == flag


def test_schedule_in_the_server_time_zone() -> None:
    account = fake_account(url("timezone=Africa/Juba"), [pv(pv_item(A))])
    when = dt.datetime(2031, 1, 2, 22, 15, 5, tzinfo=dt.timezone.utc)
    result = account.send(NUMBER, "later", schedule=when)
    assert fields(account.ctx.http.sent[0])["schedule"] == "2031-01-03 00:15:05"
    assert result.scheduled


def test_footer_options() -> None:
    account = fake_account(url(), [pv(pv_item(A))])
    account.send(NUMBER, "a", options={"nofooter": "yes"})
    account.send(NUMBER, "b", options={"footer": "-- Shop"}, sender="Shop", flash=True)
    first, second = (fields(s) for s in account.ctx.http.sent)
    assert first["nofooter"] == "1" and "footer" not in first and "type" not in first
    assert (second["footer"], second["from"], second["type"]) == ("-- Shop", "Shop", "flash")


def test_targets_go_on_the_wire_unchanged() -> None:
    account = fake_account(url("batch=2"), [pv(pv_item(A, "1"), pv_item(B, "2"))])
    result = account.send(["#STAFF", "@alice"], "hi")
    assert fields(account.ctx.http.sent[0])["to"] == "#STAFF,@alice"
    # two targets, two items that match neither: nothing can be attributed
    assert [r.status for r in result.receipts] == [ReceiptStatus.UNKNOWN, ReceiptStatus.UNKNOWN]


def test_templated_send_groups_by_text() -> None:
    account = fake_account(url("batch=5"), [pv(pv_item(A, "1")), pv(pv_item(B, "2"))])
    result = account.send([{"to": NUMBER, "name": "Ann"}, {"to": OTHER, "name": "Bol"}], "Hi {name}")
    assert [fields(s)["msg"] for s in account.ctx.http.sent] == ["Hi Ann", "Hi Bol"]
    assert [r.message_id for r in result.receipts] == ["1", "2"] and result.details["requests"] == 2


def test_templated_send_keeps_earlier_outcomes() -> None:
    account = fake_account(url("batch=5"), [pv(pv_item(A, "1")), reply("", status=500)])
    result = account.send([{"to": NUMBER, "name": "Ann"}, {"to": OTHER, "name": "Bol"}], "Hi {name}")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.UNKNOWN]


def test_duplicates_in_one_request_are_sent_once() -> None:
    account = fake_account(url("batch=3"), [pv(pv_item(A, "1"), pv_item(B, "2"))])
    result = account.send([NUMBER, OTHER, NUMBER], "hi")
    assert fields(account.ctx.http.sent[0])["to"] == f"{A},{B}"
    assert [r.status for r in result.receipts] == [
        ReceiptStatus.ACCEPTED,
        ReceiptStatus.ACCEPTED,
        ReceiptStatus.REJECTED,
    ]
    assert result.receipts[2].code == "duplicate"


# ---------------------------------------------------------------------------- matching


def items(*spec: tuple[str | None, str | None]) -> list[Item]:
    return [Item(status, None, None, None, to) for status, to in spec]


def test_match_exact_digits_and_national() -> None:
    found = match_items([A, B, C], items(("OK", "0952345678"), ("OK", "+" + A), ("OK", B)))
    assert found == {0: [1], 1: [2], 2: [0]}


def test_match_never_takes_a_merged_number() -> None:
    assert match_items([A, B], items(("OK", A + B))) == {}


def test_match_single_leftover_pairs_up() -> None:
    assert match_items([A, B, C], items(("OK", A), ("ERR", None), ("OK", C))) == {0: [0], 2: [2], 1: [1]}


def test_match_by_position_only_for_one_status() -> None:
    assert match_items([A, B], items(("ERR", None), ("ERR", None))) == {0: [0], 1: [1]}
    assert match_items([A, B], items(("OK", "x1"), ("ERR", None))) == {}


def test_match_by_position_never_with_targets_or_missing_items() -> None:
    assert match_items([A, "#G"], items(("OK", "1"), ("OK", "2"))) == {}
    assert match_items([A, B, C], items(("OK", "1"), ("OK", "2"))) == {}


def test_match_a_target_takes_what_is_left() -> None:
    assert match_items([A, "#G"], items(("OK", A), ("OK", B), ("ERR", None))) == {0: [0], 1: [1, 2]}


def test_match_suffix_must_be_unique() -> None:
    # both recipients end with the same national part: no guess
    assert match_items(["211912345678", "256912345678"], items(("OK", "0912345678"))) == {}


def test_group_with_some_failures_is_accepted_with_reason() -> None:
    account = fake_account(url(), [pv(pv_item(A, "1"), pv_item("", "", "", "ERR"))])
    (receipt,) = account.send("#STAFF", "hi").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and receipt.reason == "1 of 2 destinations failed"


def test_group_where_every_member_failed_is_rejected() -> None:
    account = fake_account(url(), [pv(pv_item("", "", "", "ERR"), pv_item("", "", "", "ERR"))])
    (receipt,) = account.send("#STAFF", "hi").receipts
    assert receipt.status is ReceiptStatus.REJECTED and receipt.code == "200"


def test_item_with_queue_only() -> None:
    account = fake_account(
        url(),
        [
            ok(
                f'{{"data":[{{"status":"OK","error":0,"smslog_id":null,"queue":"{QUEUE}",'
                f'"to":"{A}"}}],"error_string":null,"timestamp":{TS}}}'
            )
        ],
    )
    assert account.send(NUMBER, "hi").receipts[0].message_id == QUEUE


def test_unreadable_item_is_unknown() -> None:
    account = fake_account(url(), [ok(f'{{"data":[{{"status":"OK","to":"{A}"}}, 7],"error_string":null}}')])
    (receipt,) = account.send(NUMBER, "hi").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and receipt.message_id is None
    account = fake_account(url(), [ok(f'{{"data":[{{"status":"MAYBE","to":"{A}"}}]}}')])
    assert account.send(NUMBER, "hi").receipts[0].status is ReceiptStatus.UNKNOWN


# ---------------------------------------------------------------------------- unreadable / typed


@pytest.mark.parametrize(
    "junk",
    [
        reply("FATAL ERROR : Database query execution has failed", content_type="text/html"),
        reply("<html><body><b>FATAL ERROR</b> : something</body></html>", content_type="text/html"),
        reply(""),
        reply("", status=500),
        ok(f'{{"error_string":null,"timestamp":{TS}}}'),
        ok('{"data":[],"error_string":null}'),
        ok('{"data":"OK"}'),
        ok('{"data":[1,2]}'),
        ok('{"data":[{"status":"OK"'),
        xml("<response><data><item><status>OK</status>"),
        reply("Array ( [status] => OK )"),
        reply('a:1:{s:6:"status";s:2:"OK";}'),
        reply('{"data":[]}', status=302, content_type="text/html"),
    ],
)
def test_send_junk_is_unreadable(junk: Any) -> None:
    account = fake_account(url(), [junk])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "hi")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.raw is not None


def test_http_500_hint_names_credit_and_targets() -> None:
    account = fake_account(url(), [reply("", status=500)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "hi")
    assert "credit" in (info.value.hint or "") and info.value.http_status == 500


@pytest.mark.parametrize("code", sorted(codes.ERRORS))
def test_every_documented_code_is_typed(code: str) -> None:
    account = fake_account(url(), [err(code, codes.ERRORS[code])])
    with pytest.raises(ProviderError) as info:
        account.admin("accountban", data_username="bob")
    assert info.value.code == code and info.value.text == codes.ERRORS[code]
    assert info.value.outcome is Outcome.NOT_SENT
    expected = {
        "100": AuthenticationError,
        "101": UnsupportedOperationError,
        "102": InvalidMessageError,
        "103": InsufficientCreditError,
        "104": AuthenticationError,
        "105": AuthenticationError,
        "106": AuthenticationError,
        "201": InvalidMessageError,
        "600": AuthenticationError,
    }.get(code, RejectedError)
    assert type(info.value) is expected


def test_err_201_on_pv_is_a_recipient_error() -> None:
    account = fake_account(url(), [err("201", "destination number or message is empty")])
    with pytest.raises(InvalidRecipientError):
        account.send(NUMBER, "hi")


def test_err_103_is_credit() -> None:
    account = fake_account(url(), [err("103", "not enough credit for this operation")])
    with pytest.raises(InsufficientCreditError):
        account.send(NUMBER, "hi")


@pytest.mark.parametrize(
    "body",
    [
        '{"status":"ERR","error":100,"error_string":null}',
        '{"status":"err","error":"ERR 100"}',
        '{"error":"100"}',
    ],
)
def test_error_code_shapes(body: str) -> None:
    account = fake_account(url(), [ok(body)])
    with pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.code == "100" and info.value.text == "authentication failed"


def test_undocumented_codes_by_family() -> None:
    account = fake_account(url(), [err("209", "new thing")])
    with pytest.raises(RejectedError) as info:
        account.send(NUMBER, "hi")
    assert info.value.code == "209" and info.value.text == "new thing"
    account = fake_account(url(), [ok('{"status":"ERR"}')])
    with pytest.raises(RejectedError) as info:
        account.balance()
    assert info.value.code is None


def test_xml_error_reply() -> None:
    body = (
        "<response><status>ERR</status><error>100</error><error_string>authentication failed</error_string></response>"
    )
    account = fake_account(url("format=xml"), [xml(body)])
    with pytest.raises(AuthenticationError):
        account.send(NUMBER, "hi")


# ---------------------------------------------------------------------------- balance


@pytest.mark.parametrize("credit", ['"abc"', "true", "null", '"NaN"', "[1]", '""', '"Infinity"'])
def test_balance_junk_is_unreadable(credit: str) -> None:
    account = fake_account(url(), [ok(f'{{"status":"OK","error":"0","credit":{credit}}}')])
    with pytest.raises(UnreadableReplyError):
        account.balance()


@pytest.mark.parametrize(("credit", "amount"), [("12.5", "12.5"), ('"0"', "0"), ("0", "0"), ('"1,250.75"', "1250.75")])
def test_balance_values(credit: str, amount: str) -> None:
    account = fake_account(url(), [ok(f'{{"status":"OK","error":"0","credit":{credit}}}')])
    assert account.balance().amount == Decimal(amount)


# ---------------------------------------------------------------------------- tokens


def test_password_auth_caches_the_token_and_redacts_it() -> None:
    replies = [
        ok(f'{{"status":"OK","error":"0","token":"{TOKEN_FROM_SERVER}"}}'),
        ok('{"status":"OK","error":"0","credit":5}'),
        ok(f'{{"status":"ERR","error":"102","error_string":"echo {TOKEN_FROM_SERVER}"}}'),
    ]
    account = fake_account(url(password=True), replies)
    assert account.balance().amount == 5
    with pytest.raises(InvalidMessageError) as info:
        account.balance()
    sent = account.ctx.http.sent
    assert [s.params[1][1] for s in sent] == ["get_token", "cr", "cr"]
    assert fields(sent[0])["p"] == account.ctx.config.token and "h" not in fields(sent[0])
    assert fields(sent[1])["h"] == TOKEN_FROM_SERVER
    assert TOKEN_FROM_SERVER not in str(info.value) and TOKEN_FROM_SERVER not in info.value.raw.body


def test_password_auth_refreshes_once_after_err_100() -> None:
    replies = [
        ok('{"status":"OK","error":"0","token":"aaaa1111"}'),
        err("100", "authentication failed"),
        ok('{"status":"OK","error":"0","token":"bbbb2222"}'),
        ok('{"status":"OK","error":"0","credit":5}'),
    ]
    account = fake_account(url(password=True), replies)
    assert account.balance().amount == 5
    assert [fields(s).get("h") for s in account.ctx.http.sent] == [None, "aaaa1111", None, "bbbb2222"]


def test_password_auth_gives_up_after_one_refresh() -> None:
    replies = [
        ok('{"status":"OK","error":"0","token":"aaaa1111"}'),
        err("100", "authentication failed"),
        ok('{"status":"OK","error":"0","token":"bbbb2222"}'),
        err("100", "authentication failed"),
    ]
    account = fake_account(url(password=True), replies)
    with pytest.raises(AuthenticationError):
        account.balance()
    assert len(account.ctx.http.sent) == 4


def test_password_auth_same_token_again_is_the_auth_error() -> None:
    """The transport redacts a known token from replies: the same token again reads as '***'."""
    replies = [
        ok('{"status":"OK","error":"0","token":"aaaa1111"}'),
        err("100", "authentication failed"),
        ok('{"status":"OK","error":"0","token":"aaaa1111"}'),
    ]
    account = fake_account(url(password=True), replies)
    with pytest.raises(AuthenticationError) as info:
        account.balance()
    assert info.value.code == "100" and len(account.ctx.http.sent) == 3
    assert account.ctx.cache["playsms_token"] == "aaaa1111"


def test_token_auth_never_asks_for_a_token() -> None:
    account = fake_account(url(), [err("100", "authentication failed")])
    with pytest.raises(AuthenticationError) as info:
        account.balance()
    assert len(account.ctx.http.sent) == 1 and "banned" in (info.value.hint or "")


@pytest.mark.parametrize(
    "body", ['{"status":"OK","error":"0"}', '{"status":"OK","token":""}', '{"status":"FOO","token":"x1x1x1x1"}']
)
def test_get_token_without_token_is_unreadable(body: str) -> None:
    account = fake_account(url(password=True), [ok(body)])
    with pytest.raises(UnreadableReplyError) as info:
        account.balance()
    assert "x1x1x1x1" not in info.value.raw.body


def test_set_token_switches_the_account_to_the_new_token() -> None:
    replies = [ok(f'{{"status":"OK","error":"0","token":"{TOKEN_FROM_SERVER}"}}'), ok('{"status":"OK","credit":1}')]
    account = fake_account(url(), replies)
    result = account.admin("set_token")
    assert result.data["token"] == TOKEN_FROM_SERVER and TOKEN_FROM_SERVER not in result.raw.body
    account.balance()
    assert fields(account.ctx.http.sent[1])["h"] == TOKEN_FROM_SERVER


def test_loginkeyset_redacts_the_key_from_the_raw_reply() -> None:
    account = fake_account(url(), [ok('{"status":"OK","error":"0","login_key":"k3y-k3y-k3y"}')])
    result = account.admin("loginkeyset", data_username="bob")
    assert result.data["login_key"] == "k3y-k3y-k3y" and "k3y-k3y-k3y" not in result.raw.body


def test_ws_login_builds_the_url_without_a_request() -> None:
    account = fake_account(playsms_url(), [])
    result = account.admin("ws_login", login_key="k3y/k3y", u="bob")
    assert result.data["url"] == (
        "https://playsms.example.org/playsms/index.php?app=ws&op=ws_login&u=bob&login_key=k3y%2Fk3y"
    )
    assert account.ctx.http.sent == []
    default_user = account.admin("ws_login", login_key="k3y").data["url"]
    assert f"u={account.ctx.config.username}" in default_user


# ---------------------------------------------------------------------------- delivery status


def rows(*rows: str) -> Any:
    return ok(f'{{"status":"OK","error":"0","data":[{",".join(rows)}]}}')


def ds_row(sid: int, status: str = "1", dt_: str = "2024-05-01 10:00:00") -> str:
    return f'{{"smslog_id":{sid},"dst":"{A}","status":"{status}","dt":"{dt_}","update":"0000-00-00 00:00:00"}}'


def test_ds_queue_pages_with_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "PAGE", 2)
    account = fake_account(
        url(),
        [
            rows(ds_row(10), ds_row(11)),
            rows(ds_row(12, "3")),
        ],
    )
    found = account.delivery_status([QUEUE])
    assert [r.status for r in found] == [DeliveryStatus.SENT, DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
    sent = [fields(s) for s in account.ctx.http.sent]
    assert [(s["queue"], s["c"], s.get("last")) for s in sent] == [(QUEUE, "2", None), (QUEUE, "2", "11")]


def test_ds_queue_stops_when_the_server_ignores_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "PAGE", 2)
    account = fake_account(url(), [rows(ds_row(10), ds_row(11))])
    assert len(account.delivery_status([QUEUE])) == 2
    assert len(account.ctx.http.sent) == 2


def test_ds_row_details() -> None:
    account = fake_account(url(), [rows(ds_row(30, "7", "junk")), err("501", "no data returned or result is empty")])
    (report,) = account.delivery_status(["30"])
    assert report.status is DeliveryStatus.UNKNOWN and report.provider_code == "7"
    assert report.submitted_at is None and report.updated_at is None
    (queued,) = account.delivery_status([QUEUE.upper() + QUEUE])
    assert queued.status is DeliveryStatus.UNKNOWN and queued.provider_code == "501"


def test_ds_other_row_only_is_unknown() -> None:
    account = fake_account(url(), [rows(ds_row(99, "3"))])
    (report,) = account.delivery_status(["30"])
    assert report.status is DeliveryStatus.UNKNOWN and report.provider_code is None


@pytest.mark.parametrize(
    "body", ['{"status":"OK","data":"x"}', '{"status":"OK","data":[1]}', '{"status":"OK","data":["x"]}']
)
def test_ds_junk_rows_are_unreadable(body: str) -> None:
    account = fake_account(url(), [ok(body)])
    with pytest.raises(UnreadableReplyError):
        account.delivery_status(["30"])


# ---------------------------------------------------------------------------- inbound


def test_inbound_request_shape_and_filters() -> None:
    account = fake_account(url(), [err("501", "no data returned or result is empty")])
    assert account.inbound("in", since_id="7", limit=20, src=NUMBER, kwd="IDOL") == []
    sent = account.ctx.http.sent[0]
    assert sent.params[1] == ("op", "in")
    assert [(k, v) for k, v in sent.data if k not in ("u", "h")] == [
        ("last", "7"),
        ("c", "20"),
        ("src", NUMBER),
        ("kwd", "IDOL"),
    ]


@pytest.mark.parametrize(("folder", "op"), [("in", "in"), ("inbox", "ix"), ("sandbox", "sx"), ("IX", "ix")])
def test_inbound_folders(folder: str, op: str) -> None:
    account = fake_account(url(), [ok('{"status":"OK","data":null}')])
    assert account.inbound(folder) == []
    assert account.ctx.http.sent[0].params[1] == ("op", op)


def test_inbound_row_without_id_is_unreadable() -> None:
    account = fake_account(url(), [rows('{"src":"1","msg":"x"}')])
    with pytest.raises(UnreadableReplyError):
        account.inbound("in")


def test_inbound_xml_empty_msg_and_number_ids() -> None:
    body = (
        "<response><data><item><id>9</id><src>+211912345678</src><msg/>"
        "<dt>2024-01-01 00:00:00</dt></item></data></response>"
    )
    account = fake_account(url("format=xml&timezone=%2B03:00"), [xml(body)])
    (message,) = account.inbound("sandbox")
    assert (message.id, message.text) == ("9", "")
    assert message.received_at == dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    account = fake_account(url(), [rows('{"id":10,"src":211912345678,"msg":" spaced "}')])
    (message,) = account.inbound("in")
    assert (message.id, message.sender, message.text) == ("10", A, " spaced ")


# ---------------------------------------------------------------------------- admin results


def test_admin_neither_ok_nor_err_is_unreadable() -> None:
    account = fake_account(url(), [ok('{"error_string":null,"timestamp":1}')])
    with pytest.raises(UnreadableReplyError):
        account.admin("accountban", data_username="bob")


def test_admin_request_shape() -> None:
    account = fake_account(url(), [ok('{"status":"OK","error":"0","info":"ok"}')])
    account.admin("accountconf", data_username="bob", data_fwd_to_email=False, data_local_length=9)
    sent = account.ctx.http.sent[0]
    assert sent.params == [("app", "ws"), ("op", "accountconf")]
    assert [(k, v) for k, v in sent.data if k not in ("u", "h")] == [
        ("data_username", "bob"),
        ("data_fwd_to_email", "0"),
        ("data_local_length", "9"),
    ]


def test_contacts_err_501_is_an_empty_list() -> None:
    account = fake_account(url(), [err("501", "no data returned or result is empty")])
    assert account.admin("get_contact_group", kwd="x").data == {"groups": []}


def test_query_without_data_is_unreadable() -> None:
    account = fake_account(url(), [ok('{"status":"OK","error":"0","data":[]}')])
    with pytest.raises(UnreadableReplyError):
        account.admin("query")


def test_playsms_without_host_is_refused_before_any_request() -> None:
    from smsbridge.errors import ConfigurationError

    for source in ("playsms://u:dummy-t@default", "playsms://u:dummy-t@"):
        with pytest.raises(ConfigurationError, match="host"):
            fake_account(source, [])


def test_dict_form_of_a_self_hosted_server() -> None:
    source = {
        "provider": "playsms",
        "username": "alice",
        "token": "dummy-dict-token",
        "host": "sms.example.org",
        "path": "/playsms/index.php",
        "batch": "3",
    }
    account = fake_account(source, [ok('{"status":"OK","error":"0","credit":"7.25"}')])
    assert account.capabilities.max_recipients == 3
    assert account.balance().amount == Decimal("7.25")
    assert account.ctx.http.sent[0].url == "https://sms.example.org/playsms/index.php"
    assert "dummy-dict-token" not in repr(account.ctx.config)
