"""Reply parsing and request shapes, driven by hand-made replies (no network)."""

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
    ProviderError,
    RejectedError,
    UnreadableReplyError,
    UnsupportedOperationError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus
from smsbridge.testing import SentRequest, fake_account, reply
from smsbridge_junubsms import codes
from smsbridge_junubsms.sending import Item, match_items

from .support import NUMBER, OTHER, QUEUE, TS, err, ok, playsms_url, pv, pv_item, url, xml

A, B, C = "211912345678", "211922345678", "211952345678"
TOKEN_FROM_SERVER = "0123456789abcdef0123456789abcdef"


def fields(sent: SentRequest) -> dict[str, str]:
    return dict(sent.data)


def op_of(sent: SentRequest) -> str:
    return dict(sent.params)["op"]


def by_op(**answers: Any) -> Any:
    """A FakeTransport responder answering by ``op`` (a list is served in order, the last repeated)."""
    queues = {op: list(a) if isinstance(a, list) else [a] for op, a in answers.items()}

    def respond(sent: SentRequest) -> Any:
        queue = queues[op_of(sent)]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond


def group(code: str = "STAFF", name: str = "Staff") -> Any:
    """get_contact_group's answer for one group (playSMS 1.4.8 shape)."""
    return ok(
        f'{{"status":"OK","error":"0","data":[{{"gpid":1,"group_name":"{name}","code":"{code}","flag_sender":0}}],'
        f'"error_string":null,"timestamp":{TS}}}'
    )


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
    account = fake_account(url("batch=2"), by_op(get_contact_group=group(), pv=pv(pv_item(A, "1"), pv_item(B, "2"))))
    result = account.send(["#STAFF", "@alice"], "hi")
    assert [op_of(s) for s in account.ctx.http.sent] == ["get_contact_group", "pv"]
    assert fields(account.ctx.http.sent[1])["to"] == "#STAFF,@alice"
    # two targets, two items that match neither: nothing can be attributed
    assert [r.status for r in result.receipts] == [ReceiptStatus.UNKNOWN, ReceiptStatus.UNKNOWN]


def test_templated_send_groups_by_text() -> None:
    account = fake_account(url("batch=5"), [pv(pv_item(A, "1")), pv(pv_item(B, "2"))])
    result = account.send([{"to": NUMBER, "name": "Ann"}, {"to": OTHER, "name": "Bol"}], "Hi {name}")
    assert [fields(s)["msg"] for s in account.ctx.http.sent] == ["Hi Ann", "Hi Bol"]
    assert [r.message_id for r in result.receipts] == [f"1:{QUEUE}", f"2:{QUEUE}"]
    assert result.details["requests"] == 2


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


@pytest.mark.parametrize("echo", ["00" + A, "0" + A, "000" + A, "+" + A])
def test_match_an_echo_with_an_international_prefix(echo: str) -> None:
    """Finding 10: an echo with 00 in front (the account's local_length/replace_zero rules) was unknown."""
    assert match_items([A, B], items(("OK", echo), ("OK", B))) == {0: [0], 1: [1]}
    account = fake_account(url(), [pv(pv_item(echo, "7"))])
    (receipt,) = account.send(NUMBER, "hi").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and receipt.message_id == f"7:{QUEUE}"


# ---------------------------------------------------------------------------- merged commas (1.4.7+)

MERGED = (A + B)[:15]  # what playSMS 1.4.8 made of to=A,B: "211912345678211"


def test_merge_is_detected_and_explained() -> None:
    """Finding 2: every recipient was UNKNOWN although the reply shows what happened."""
    account = fake_account(url("batch=3"), [pv(pv_item(MERGED, 4, QUEUE))])
    result = account.send([NUMBER, OTHER, "+211952345678"], "hi")
    first, second, third = result.receipts
    assert first.status is ReceiptStatus.UNKNOWN and first.message_id == f"4:{QUEUE}"  # the merged number's start
    assert MERGED in (first.reason or "") and first.code == "merged"
    assert second.status is third.status is ReceiptStatus.REJECTED
    assert MERGED in (second.reason or "") and "batch=1" in (second.reason or "")
    assert result.details["merged"] == {"to": MERGED, "smslog_id": "4", "queue": QUEUE}


def test_after_a_merge_the_account_sends_one_number_per_request() -> None:
    replies = [pv(pv_item(MERGED, 4)), pv(pv_item(C, 5)), pv(pv_item(A, 6)), pv(pv_item(B, 7))]
    account = fake_account(url("batch=2"), replies)
    summary = account.bulk_send([NUMBER, OTHER, "+211952345678", NUMBER, OTHER], "hi", allow_repeats=True)
    assert [fields(s)["to"] for s in account.ctx.http.sent] == [f"{A},{B}", C, A, B]
    assert (summary.accepted, summary.rejected, summary.unknown) == (3, 1, 1)


def test_batch_refused_for_a_server_known_to_merge() -> None:
    from smsbridge.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="merges comma-separated"):
        fake_account(url("batch=5&version=1.4.8"), [])
    assert fake_account(url("batch=5&version=1.4.8&force_batch=yes"), []).capabilities.max_recipients == 5
    assert fake_account(url("batch=5&version=1.4.5"), []).capabilities.max_recipients == 5
    assert fake_account(url("version=1.4.8-2410101245"), []).ctx.config.merges_commas
    with pytest.raises(ConfigurationError, match="version"):
        fake_account(url("version=latest"), [])


def test_not_a_merge_when_the_item_names_a_recipient() -> None:
    """to=A,@bob on a merging server: the item is A's; @bob has none (unknown)."""
    account = fake_account(url("batch=2"), [pv(pv_item(A, 4))])
    first, second = account.send([NUMBER, "@bob"], "hi").receipts
    assert first.status is ReceiptStatus.ACCEPTED and second.status is ReceiptStatus.UNKNOWN


# ---------------------------------------------------------------------------- #group check


def test_group_send_checks_the_group_first() -> None:
    account = fake_account(url(), by_op(get_contact_group=group(), pv=pv(pv_item("+211933000003", 2))))
    assert account.send("#staff", "hi").ok
    check, _send = account.ctx.http.sent
    assert (op_of(check), fields(check)["kwd"]) == ("get_contact_group", "staff")


def test_group_code_that_only_partly_matches_is_not_sent() -> None:
    """playSMS 1.4.8 sends #JUBA to JUBASTAFF (a LIKE search); nothing is sent, the error names the group."""
    account = fake_account(url(), by_op(get_contact_group=group("JUBASTAFF", "Juba Staff")))
    with pytest.raises(NotFoundError, match="JUBASTAFF") as info:
        account.send("#JUBA", "hi")
    assert info.value.certainly_not_sent and [op_of(s) for s in account.ctx.http.sent] == ["get_contact_group"]


def test_unknown_group_is_not_found_before_the_send() -> None:
    """A #group that resolves to nothing made pv answer HTTP 500 (outcome unknown)."""
    none = ok(f'{{"status":"OK","error":"0","data":null,"error_string":null,"timestamp":{TS}}}')
    account = fake_account(url(), by_op(get_contact_group=none))
    with pytest.raises(NotFoundError) as info:
        account.send("#NOSUCH", "hi")
    assert info.value.outcome is Outcome.NOT_SENT and len(account.ctx.http.sent) == 1


def test_group_code_shared_by_a_search_is_refused_on_148_only() -> None:
    two = ok(
        '{"status":"OK","error":"0","data":[{"gpid":1,"group_name":"Juba Staff","code":"JUBASTAFF","flag_sender":0},'
        '{"gpid":2,"group_name":"Staff","code":"STAFF","flag_sender":0}]}'
    )
    account = fake_account(url(), by_op(get_contact_group=two))
    with pytest.raises(InvalidRecipientError, match="JUBASTAFF"):
        account.send("#STAFF", "hi")
    exact = fake_account(url("version=1.4.5"), by_op(get_contact_group=two, pv=pv(pv_item("+211933000003", 2))))
    assert exact.send("#STAFF", "hi").ok


def test_group_check_lost_means_not_sent() -> None:
    account = fake_account(url(), by_op(get_contact_group=reply("")))
    with pytest.raises(RejectedError) as info:
        account.send("#STAFF", "hi")
    assert info.value.certainly_not_sent and len(account.ctx.http.sent) == 1


def test_group_with_some_failures_is_accepted_with_reason() -> None:
    account = fake_account(url(), by_op(get_contact_group=group(), pv=pv(pv_item(A, "1"), pv_item("", "", "", "ERR"))))
    (receipt,) = account.send("#STAFF", "hi").receipts
    assert receipt.status is ReceiptStatus.ACCEPTED and receipt.reason == "1 of 2 destinations failed"


def test_group_where_every_member_failed_is_rejected() -> None:
    account = fake_account(
        url(), by_op(get_contact_group=group(), pv=pv(pv_item("", "", "", "ERR"), pv_item("", "", "", "ERR")))
    )
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


def test_http_500_names_credit_and_targets() -> None:
    account = fake_account(url(), [reply("", status=500)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "hi")
    assert "credit" in info.value.message and "@user" in info.value.message and info.value.http_status == 500
    assert "delivery status" in (info.value.hint or "")


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
        "104": PermissionDeniedError,
        "105": PermissionDeniedError,
        "106": PermissionDeniedError,
        "201": InvalidMessageError,
        "600": PermissionDeniedError,
        "605": NotFoundError,
        "607": NotFoundError,
        "609": NotFoundError,
        "611": NotFoundError,
        "613": NotFoundError,
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
    account = fake_account(url(), [err("609", "new thing")])
    with pytest.raises(NotFoundError):
        account.admin("parentget", data_username="bob")
    account = fake_account(url(), [err("699", "new thing")])
    with pytest.raises(RejectedError) as info:
        account.admin("parentget", data_username="bob")
    assert info.value.code == "699" and info.value.text == "new thing"
    assert codes.error_text("699") == "undocumented administrative task error 699"
    account = fake_account(url(), [ok('{"status":"ERR"}')])
    with pytest.raises(RejectedError) as info:
        account.balance()
    assert info.value.code is None


@pytest.mark.parametrize("body", ['{"status":"ERR"}', '{"status":"ERR","error":"209"}', '{"error":"999"}'])
def test_undocumented_or_missing_code_on_a_send_is_outcome_unknown(body: str) -> None:
    """issue 13: only a documented refusal means "not sent"; anything else may have been taken."""
    account = fake_account(url(), [ok(body)])
    with pytest.raises(UnreadableReplyError) as info:
        account.send(NUMBER, "hi")
    assert info.value.outcome is Outcome.UNKNOWN and not info.value.certainly_not_sent
    assert "delivery status" in (info.value.hint or "")
    summary = fake_account(url(), [ok(body)]).bulk_send([NUMBER], "hi")
    assert summary.unknown == 1 and summary.rejected == 0


def test_undocumented_item_error_beside_an_ok_item_is_unknown() -> None:
    """issue 13: ERR 999 beside an OK item: that recipient may have been sent to."""
    bad = f'{{"status":"ERR","error":"999","smslog_id":"","queue":"","to":"{B}"}}'
    account = fake_account(url("batch=2"), [pv(pv_item(A, "1"), bad)])
    first, second = account.send([NUMBER, OTHER], "hi").receipts
    assert first.status is ReceiptStatus.ACCEPTED
    assert second.status is ReceiptStatus.UNKNOWN and second.code == "999"
    refused = f'{{"status":"ERR","error":"200","smslog_id":"","queue":"","to":"{B}"}}'
    account = fake_account(url("batch=2"), [pv(pv_item(A, "1"), refused)])
    assert account.send([NUMBER, OTHER], "hi").receipts[1].status is ReceiptStatus.REJECTED


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


class Listing:
    """playSMS's listing as webservices_ds / webservices_in run it: filters, ``id > last``, newest
    first (rows of one second in no particular order), ``LIMIT c``; ERR 400/501 when empty."""

    def __init__(self, rows: list[dict[str, Any]], key: str, *, honour_dst: bool = True) -> None:
        self.rows, self.key, self.honour_dst = rows, key, honour_dst
        self.asked: list[dict[str, str]] = []

    def __call__(self, sent: SentRequest) -> Any:
        ask = fields(sent)
        self.asked.append(ask)
        found = [r for r in self.rows if int(r[self.key]) > int(ask.get("last") or 0)]
        dst = ask.get("dst")
        if dst and self.honour_dst:
            tail = dst[1:] if dst[0] == "0" else dst[3:]
            found = [r for r in found if str(r["dst"]).endswith(tail)]
        # newest first; within a second, rows come in an order unrelated to their ids
        found.sort(key=lambda r: (r["dt"], (int(r[self.key]) * 7919) % 101), reverse=True)
        found = found[: int(ask.get("c") or 100)]
        if not found:
            return err("400" if self.key == "smslog_id" else "501", "nothing")
        return ok(json.dumps({"data": found, "error_string": None, "timestamp": TS}))


def ds_rows(count: int) -> list[dict[str, Any]]:
    """``count`` destinations of one queue, processed over three seconds (as a 250 group is)."""
    return [
        {
            "smslog_id": 1000 + i,
            "src": "1234",
            "dst": f"+2567010{i:05d}",
            "msg": "big",
            "dt": f"2026-11-30 21:52:5{7 + i * 3 // count}",
            "update": "2026-11-30 21:53:00",
            "status": 3,
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, 99, 100, 250, 1234])
def test_ds_queue_reads_every_destination(count: int) -> None:
    """Finding 1: paging with last=<highest id seen> lost 121 of a 250 group's reports."""
    server = Listing(ds_rows(count), "smslog_id")
    account = fake_account(url(), server)
    found = account.delivery_status([QUEUE])
    assert len(found) == count and all(r.status is DeliveryStatus.DELIVERED for r in found)
    assert sorted(r.recipient or "" for r in found) == sorted(str(r["dst"]) for r in server.rows)
    assert all("last" not in ask for ask in server.asked)
    if count == 250:  # one full page, then the ten last-digit buckets
        assert len(server.asked) == 11 and [a.get("dst") for a in server.asked[1:4]] == ["00", "01", "02"]


def test_ds_queue_that_cannot_be_read_whole_says_so() -> None:
    """A server that ignores the dst filter: the reports read, then one UNKNOWN saying the rest are missing."""
    server = Listing(ds_rows(250), "smslog_id", honour_dst=False)
    account = fake_account(url(), server)
    found = account.delivery_status([QUEUE])
    assert len(server.asked) == 2
    assert found[-1].status is DeliveryStatus.UNKNOWN and "ignores the dst filter" in (found[-1].reason or "")
    assert len(found) == 101


def test_receipt_id_tells_queued_from_unknown() -> None:
    """Finding 3: a queued message's id read UNKNOWN, like a nonexistent one (ds by smslog_id answers 400)."""
    account = fake_account(
        url(),
        [pv(pv_item(A, 5)), err("401", "no delivery status retrieved and SMS still in queue")],
    )
    (receipt,) = account.send(NUMBER, "later", schedule=dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)).receipts
    assert receipt.message_id == f"5:{QUEUE}"
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.QUEUED and report.provider_code == "401"
    assert report.message_id == receipt.message_id
    asked = fields(account.ctx.http.sent[1])
    assert (asked["smslog_id"], asked["queue"]) == ("5", QUEUE)


def test_bare_smslog_id_400_says_what_it_cannot_tell() -> None:
    account = fake_account(url(), [err("400", "no delivery status available")])
    (report,) = account.delivery_status(["5"])
    assert report.status is DeliveryStatus.UNKNOWN and "queue code" in (report.reason or "")


def test_user_target_is_delivered_to_the_inbox() -> None:
    """Finding 3: an @user receipt (smslog_id null, a random queue) read UNKNOWN for ever."""
    item = f'{{"status":"OK","error":"0","smslog_id":null,"queue":"{QUEUE}{QUEUE}","to":"@bob"}}'
    account = fake_account(url(), [ok(f'{{"data":[{item}],"error_string":null,"timestamp":{TS}}}')])
    (receipt,) = account.send("@bob", "hi").receipts
    assert receipt.message_id == f"@bob:{QUEUE}{QUEUE}"
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.DELIVERED and report.recipient == "@bob"
    assert len(account.ctx.http.sent) == 1  # no ds request: playSMS keeps no report for it


@pytest.mark.parametrize("ident", ["²", "1" * 5000, "30:xyz", "@:" + QUEUE, "30:" + QUEUE[:-1], "#G:" + QUEUE, ""])
def test_malformed_ids_are_typed_errors_before_any_request(ident: str) -> None:
    """issue 13: '²'.isdigit() is true and int() of 5,000 digits raises ValueError."""
    account = fake_account(url(), [])
    with pytest.raises(InvalidMessageError):
        account.delivery_status([ident])
    assert account.ctx.http.sent == []


@pytest.mark.parametrize("junk_id", ['"²"', '"' + "9" * 5000 + '"', "null", '"-3"'])
def test_junk_smslog_ids_in_rows_are_no_crash(junk_id: str) -> None:
    """issue 13: a row's smslog_id is server data: never int() it."""
    body = f'{{"data":[{{"smslog_id":{junk_id},"dst":"{A}","status":3,"dt":"x","update":"x"}},'
    body += f'{{"smslog_id":8,"dst":"{B}","status":3,"dt":"x","update":"x"}}]}}'
    account = fake_account(url(), [ok(body)])
    found = account.delivery_status([QUEUE])
    assert [r.recipient for r in found] == [B, A]
    account = fake_account(url(), [ok(body.replace("smslog_id", "id"))])
    if junk_id == "null":  # a received message without an id cannot be polled past
        with pytest.raises(UnreadableReplyError):
            account.inbound("in", since_id="1")
    else:
        assert next(m.id for m in account.inbound("in", since_id="1")) == "8"


def test_each_operation_reads_times_in_its_own_frame() -> None:
    """Finding 4: PHP clock on UTC, playSMS default timezone +0700: ds is 7 h behind, ix 14 h, in/sx right."""
    true_utc = dt.datetime(2026, 12, 1, 4, 48, 11, tzinfo=dt.timezone.utc)
    ds = f'{{"data":[{{"smslog_id":1,"dst":"{A}","status":3,"dt":"2026-11-30 21:48:11","update":"x"}}]}}'
    ix = '{"data":[{"id":1,"src":"@alice","dst":"","msg":"hi","dt":"2026-11-30 14:48:11"}]}'
    sx = '{"data":[{"id":1,"src":"+211988000008","dst":"1234","msg":"hi","dt":"2026-12-01 04:48:11"}]}'
    account = fake_account(url("gateway_timezone=%2B0700"), by_op(ds=ok(ds), ix=ok(ix), sx=ok(sx), **{"in": ok(sx)}))
    assert account.delivery_status(["1"])[0].submitted_at == true_utc
    for folder in ("inbox", "sandbox", "in"):
        assert account.inbound(folder)[0].received_at == true_utc
    # the same server with PHP on +07:00: ds is true UTC, ix 7 h behind, in/sx in +07:00
    bangkok = fake_account(
        url("timezone=%2B07:00&gateway_timezone=%2B0700"),
        by_op(ds=ok(ds.replace("2026-11-30 21:48:11", "2026-12-01 04:48:11")), ix=ok(ix.replace("14:48", "21:48"))),
    )
    assert bangkok.delivery_status(["1"])[0].submitted_at == true_utc
    assert bangkok.inbound("inbox")[0].received_at == true_utc


def test_schedule_is_written_in_the_php_clock_frame() -> None:
    account = fake_account(url("timezone=%2B07:00&gateway_timezone=%2B0700"), [pv(pv_item(A))])
    account.send(NUMBER, "later", schedule=dt.datetime(2031, 1, 1, 3, tzinfo=dt.timezone.utc))
    assert fields(account.ctx.http.sent[0])["schedule"] == "2031-01-01 10:00:00"


def test_negative_gateway_timezone_reads_as_zero_like_playsms() -> None:
    ds = f'{{"data":[{{"smslog_id":1,"dst":"{A}","status":3,"dt":"2026-12-01 04:48:11","update":"x"}}]}}'
    account = fake_account(url("gateway_timezone=-0500"), [ok(ds)])
    assert account.delivery_status(["1"])[0].submitted_at == dt.datetime(2026, 12, 1, 4, 48, 11, tzinfo=dt.timezone.utc)


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
    account = fake_account(url("format=xml"), [err("501", "no data returned or result is empty")])
    assert account.inbound("in", since_id="7", limit=20, src=NUMBER, kwd="IDOL") == []
    sent = account.ctx.http.sent[0]
    assert sent.params[1] == ("op", "in")
    assert [(k, v) for k, v in sent.data if k not in ("u", "h")] == [
        ("last", "7"),
        ("c", "100"),  # every message after since_id is read; limit keeps the oldest
        ("src", NUMBER),
        ("kwd", "IDOL"),
    ]  # and no format=xml: XML drops texts holding '&'


def in_rows(count: int, first: int = 1) -> list[dict[str, Any]]:
    """Received messages as op=in lists them; many arrive in the same second."""
    return [
        {"id": first + i, "src": "+211988000008", "dst": "1234", "kwd": "INFO", "msg": f"m{first + i}",
         "dt": f"2026-12-01 04:50:{(first + i) // 7:02d}", "status": 1}
        for i in range(count)
    ]  # fmt: skip


def test_inbound_polling_by_highest_id_loses_nothing() -> None:
    """Finding 9: since_id + limit returned the newest `limit` after since_id; polling on skipped the rest."""
    server = Listing(in_rows(30), "id")
    account = fake_account(url(), server)
    seen: list[str] = []
    since = "0"
    while True:
        batch = account.inbound("in", since_id=since, limit=7)
        if not batch:
            break
        assert [m.id for m in batch] == sorted((m.id for m in batch), key=int)  # oldest first
        seen.extend(m.id for m in batch)
        since = batch[-1].id
    assert seen == [str(i) for i in range(1, 31)]


def test_inbound_after_since_id_grows_the_page_until_it_is_complete() -> None:
    server = Listing(in_rows(150), "id")
    account = fake_account(url(), server)
    found = account.inbound("in", since_id="0", limit=5)
    assert [m.id for m in found] == ["1", "2", "3", "4", "5"]
    assert [a["c"] for a in server.asked] == ["100", "1000"]


def test_inbound_without_since_id_gives_the_newest_oldest_first() -> None:
    server = Listing(in_rows(30), "id")
    account = fake_account(url(), server)
    found = account.inbound("in", limit=3)
    assert server.asked[0]["c"] == "3" and len(found) == 3
    assert [m.id for m in found] == sorted((m.id for m in found), key=int)


def test_inbound_json_text_is_unescaped() -> None:
    """Finding 5: an injected 'Tom & Jerry' comes back 'Tom &amp; Jerry' in JSON."""
    body = '{"data":[{"id":1,"src":"+211988000008","dst":"1234","msg":"Tom &amp; Jerry \'q\' &lt;3","dt":"x"}]}'
    account = fake_account(url(), [ok(body)])
    (message,) = account.inbound("sandbox")
    assert message.text == "Tom & Jerry 'q' <3"


@pytest.mark.parametrize(
    ("call", "op"),
    [
        (lambda a: a.inbound("in"), "in"),
        (lambda a: a.inbound("inbox", since_id="3"), "ix"),
        (lambda a: a.delivery_status(["30"]), "ds"),
        (lambda a: a.delivery_status([QUEUE]), "ds"),
        (lambda a: a.admin("get_contact", kwd="x"), "get_contact"),
        (lambda a: a.admin("get_contact_group", kwd="x"), "get_contact_group"),
    ],
)
def test_listing_reply_without_status_or_data_is_unreadable(call: Any, op: str) -> None:
    """Finding 8: {"error_string":null,...} (what playSMS answers to a request it did not run) is no answer."""
    account = fake_account(url(), [ok(f'{{"error_string":null,"timestamp":{TS}}}')])
    with pytest.raises(UnreadableReplyError) as info:
        call(account)
    assert op_of(account.ctx.http.sent[0]) == op
    assert "delivery status" not in (info.value.hint or "") and "safe to ask again" in (info.value.hint or "")


@pytest.mark.parametrize(("folder", "op"), [("in", "in"), ("inbox", "ix"), ("sandbox", "sx"), ("IX", "ix")])
def test_inbound_folders(folder: str, op: str) -> None:
    account = fake_account(url(), [ok('{"status":"OK","data":null}')])
    assert account.inbound(folder) == []
    assert account.ctx.http.sent[0].params[1] == ("op", op)


def test_inbound_row_without_id_is_unreadable() -> None:
    account = fake_account(url(), [rows('{"src":"1","msg":"x"}')])
    with pytest.raises(UnreadableReplyError):
        account.inbound("in")


def test_inbound_reads_the_documents_xml_example() -> None:
    """junubsms.txt, "List of incoming SMS" (verbatim): an XML reply reads like JSON, whatever was asked."""
    body = (
        "<response>\n    <data>\n        <item>\n            <id>2</id>\n            <src>+629876543210</src>\n"
        "            <dst>1234</dst>\n            <kwd>IDOL</kwd>\n            <msg>A</msg>\n"
        "            <dt>2013-05-20 12:40:38</dt>\n            <status>1</status>\n        </item>\n"
        "    </data>\n</response>"
    )
    (message,) = fake_account(url("format=xml"), [xml(body)]).inbound("in", kwd="IDOL")
    assert (message.id, message.recipient, message.text, message.keyword) == ("2", "1234", "A", "IDOL")


def test_inbound_xml_empty_msg_and_number_ids() -> None:
    body = (
        "<response><data><item><id>9</id><src>+211912345678</src><msg/>"
        "<dt>2024-01-01 00:00:00</dt></item></data></response>"
    )
    account = fake_account(url("format=xml&timezone=%2B03:00"), [xml(body)])
    (message,) = account.inbound("sandbox")
    assert (message.id, message.text) == ("9", "")
    assert "format" not in fields(account.ctx.http.sent[0])
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
    params = {"data_fwd_to_email": False, "data_local_length": 9, "data_footer": "", "data_sender": "S"}
    account.admin("accountconf", data_username="bob", **params)
    sent = account.ctx.http.sent[0]
    assert sent.params == [("app", "ws"), ("op", "accountconf")]
    assert [(k, v) for k, v in sent.data if k not in ("u", "h")] == [
        ("data_username", "bob"),
        ("data_sender", "S"),
        ("data_fwd_to_email", "0"),
        ("data_local_length", "9"),
    ]  # an empty footer is not sent: the server empties it either way


@pytest.mark.parametrize("given", [{}, {"data_footer": "-- shop"}, {"data_sender": "Shop"}])
def test_accountconf_refuses_to_empty_footer_and_sender(given: dict[str, str]) -> None:
    """Finding 6: playSMS writes footer and sender on every accountconf: one change erased the others."""
    account = fake_account(url(), [])
    with pytest.raises(InvalidMessageError, match="would empty") as info:
        account.admin("accountconf", data_username="bob", data_fwd_to_inbox=True, **given)
    assert account.ctx.http.sent == [] and "admin --list" in (info.value.hint or "")


def test_accountconf_offers_only_what_the_server_reads() -> None:
    """Finding 6: datetime_timezone (without data_) is ignored by the server; data_datetime_timezone is read."""
    account = fake_account(url(), [])
    names = {p.name for p in account.capabilities.admin_operation("accountconf").params}
    assert "datetime_timezone" not in names and "data_datetime_timezone" in names
    with pytest.raises(InvalidMessageError):
        account.admin("accountconf", data_username="bob", datetime_timezone="+0300", data_footer="", data_sender="")


def test_stoplist_is_offered() -> None:
    """Finding 9: stoplist exists on playSMS 1.4.5-1.4.8 (not in the document)."""
    account = fake_account(url(), [ok(f'{{"status":"OK","error":"0","error_string":null,"timestamp":{TS}}}')])
    assert account.admin("stoplist", **{"from": "+211988000008"}).data == {"status": "OK"}
    sent = account.ctx.http.sent[0]
    assert op_of(sent) == "stoplist" and fields(sent)["from"] == "+211988000008"


def test_json_and_xml_read_into_the_same_types() -> None:
    """Finding 9: XML gives every value as text; ids and flags are ints in both formats."""
    body_json = (
        '{"status":"OK","error":"0","data":{"user":{"username":"alice","uid":2,"status":3,"name":"A","email":"",'
        '"mobile":"+211911000001","credit":191},"last_id":{"user_inbox":0,"user_incoming":2,"user_outgoing":260}},'
        '"error_string":null,"timestamp":1}'
    )
    body_xml = (
        "<response><status>OK</status><error>0</error><data><user><username>alice</username><uid>2</uid>"
        "<status>3</status><name>A</name><email/><mobile>+211911000001</mobile><credit>191</credit></user>"
        "<last_id><user_inbox>0</user_inbox><user_incoming>2</user_incoming><user_outgoing>260</user_outgoing>"
        "</last_id></data><error_string/><timestamp>1</timestamp></response>"
    )
    from_json = fake_account(url(), [ok(body_json)]).admin("query").data
    from_xml = fake_account(url("format=xml"), [xml(body_xml)]).admin("query").data
    assert from_json["user"]["uid"] == from_xml["user"]["uid"] == 2
    assert from_json["last_id"] == from_xml["last_id"] == {"user_inbox": 0, "user_incoming": 2, "user_outgoing": 260}
    assert from_json["user"]["mobile"] == from_xml["user"]["mobile"] == "+211911000001"  # a number stays text
    assert from_json["user"]["credit"] == from_xml["user"]["credit"] == Decimal(191)
    groups_xml = (
        "<response><status>OK</status><error>0</error><data><item><gpid>1</gpid><group_name>Juba Staff</group_name>"
        "<code>JUBASTAFF</code><flag_sender>0</flag_sender></item></data></response>"
    )
    account = fake_account(url("format=xml"), [xml(groups_xml)])
    (group_item,) = account.admin("get_contact_group", kwd="j").data["groups"]
    assert group_item == {"gpid": 1, "group_name": "Juba Staff", "code": "JUBASTAFF", "flag_sender": 0}


def test_error_keeps_the_servers_info_text() -> None:
    """Finding 7: a duplicate accountadd said 'fail to add account', not why."""
    body = (
        '{"status":"ERR","error":"604","info":"Account already exists (username: gina)",'
        '"error_string":"fail to add account","timestamp":1}'
    )
    account = fake_account(url(), [ok(body)])
    with pytest.raises(RejectedError) as info:
        account.admin(
            "accountadd", data_status=3, data_username="gina", data_password="pw-12345", data_name="G", data_email="g@x"
        )
    assert "Account already exists (username: gina)" in str(info.value)
    assert info.value.text == "fail to add account: Account already exists (username: gina)"


@pytest.mark.parametrize(
    ("call", "hint"),
    [
        (lambda a: a.balance(), "safe to ask again"),
        (lambda a: a.admin("query"), "safe to ask again"),
        (lambda a: a.admin("creditadd", data_username="bob", data_amount=5), "before repeating"),
        (lambda a: a.send(NUMBER, "hi"), "delivery status"),
    ],
)
def test_unreadable_reply_hint_fits_the_operation(call: Any, hint: str) -> None:
    """Finding 7: 'check delivery status before sending again' is a hint for sends only."""
    account = fake_account(url(), [reply("<html>oops</html>", content_type="text/html")])
    with pytest.raises(UnreadableReplyError) as info:
        call(account)
    assert hint in (info.value.hint or "")
    if hint != "delivery status":
        assert "delivery status" not in (info.value.hint or "")


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
