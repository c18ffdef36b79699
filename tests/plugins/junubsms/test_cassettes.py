"""Every operation against recorded exchanges (cassettes/junubsms/test_cassettes/).

Cassettes hold the wire exchange as playSMS really answers (REFERENCE.md, playSMS section,
and the JunubSMS document); each names its source in its first line.  Re-record with real
credentials: JUNUBSMS_USER / JUNUBSMS_TOKEN (/ JUNUBSMS_PASSWORD) and
``--record-mode=rewrite`` (the ERR cassettes then need a server that answers that way).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    InvalidRecipientError,
    Outcome,
    RejectedError,
    UnreadableReplyError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus

from .support import NUMBER, OTHER, QUEUE, THIRD, playsms_url, url

pytestmark = pytest.mark.vcr

JUBA = dt.timezone(dt.timedelta(hours=2))


# ---------------------------------------------------------------------------- pv


def test_send_ok() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    assert result.ok
    (receipt,) = result.receipts
    assert receipt.recipient == NUMBER and receipt.message_id == "30"
    assert result.details["queue"] == QUEUE


def test_send_ok_xml() -> None:
    result = smsbridge.connect(url("format=xml")).send(NUMBER, "test only")
    assert result.ok and result.receipts[0].message_id == "30"


def test_send_smslog_id_as_number() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    assert result.receipts[0].message_id == "4711"


def test_send_every_option() -> None:
    account = smsbridge.connect(url("timezone=%2B02:00"))
    when = dt.datetime(2031, 5, 1, 8, 30, tzinfo=dt.timezone.utc)
    result = account.send(
        NUMBER,
        "مرحبا",
        sender="JunubSMS",
        flash=True,
        schedule=when,
        options={"footer": "-- shop"},
    )
    assert result.ok and result.scheduled


def test_send_national_echo_matches() -> None:
    """`to` echoes the number as stored (here national), still matched to the recipient."""
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    assert result.ok and result.receipts[0].message_id == "31"


def test_send_to_group() -> None:
    result = smsbridge.connect(url()).send("#STAFF", "meeting at 10")
    (receipt,) = result.receipts
    assert receipt.recipient == "#STAFF" and receipt.status is ReceiptStatus.ACCEPTED
    assert receipt.message_id == QUEUE  # the queue finds every member's report
    assert result.details["smslog_ids"]["#STAFF"] == ["40", "41"]


def test_send_to_user() -> None:
    result = smsbridge.connect(url()).send("@alice", "hello")
    assert result.ok and result.receipts[0].message_id == "42"


def test_send_item_failed() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    (receipt,) = result.receipts
    assert receipt.status is ReceiptStatus.REJECTED and receipt.code == "200"


def test_send_unknown_group_http_500() -> None:
    with pytest.raises(UnreadableReplyError) as info:
        smsbridge.connect(url()).send("#NOSUCHGROUP", "hello")
    assert info.value.outcome is Outcome.UNKNOWN and info.value.http_status == 500


def test_send_auth_failed() -> None:
    with pytest.raises(AuthenticationError) as info:
        smsbridge.connect(url()).send(NUMBER, "test only")
    assert info.value.code == "100" and info.value.text == "authentication failed"


def test_send_destination_empty() -> None:
    with pytest.raises(InvalidRecipientError) as info:
        smsbridge.connect(url()).send(NUMBER, "test only")
    assert info.value.code == "201"


def test_bulk_default_one_per_request() -> None:
    summary = smsbridge.connect(url()).bulk_send([NUMBER, OTHER], "hello")
    assert summary.accepted == 2 and summary.requests == 2


def test_bulk_batch_split_by_old_server() -> None:
    """batch=3 on a 1.4.5 server: one item per destination, one failed."""
    summary = smsbridge.connect(url("batch=3")).bulk_send([NUMBER, OTHER, THIRD], "hello")
    assert summary.requests == 1
    statuses = [r.status for r in summary.receipts or ()]
    assert statuses == [ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED, ReceiptStatus.ACCEPTED]


def test_bulk_batch_merged_by_new_server() -> None:
    """batch=2 on playSMS 1.4.7+: one merged item; nobody is reported sent."""
    summary = smsbridge.connect(playsms_url("batch=2")).bulk_send([NUMBER, OTHER], "hello")
    assert summary.accepted == 0 and summary.unknown == 2


def test_send_with_password() -> None:
    account = smsbridge.connect(url(password=True))
    assert account.send(NUMBER, "test only").ok
    assert account.send(OTHER, "test only").ok  # the token is asked for once


def test_get_token_refused() -> None:
    with pytest.raises(AuthenticationError) as info:
        smsbridge.connect(url(password=True)).balance()
    assert info.value.code == "106"


# ---------------------------------------------------------------------------- cr


def test_balance() -> None:
    assert smsbridge.connect(url()).balance().amount == Decimal("12.5")


def test_balance_zero_is_a_string() -> None:
    assert smsbridge.connect(url()).balance().amount == Decimal(0)


def test_balance_xml() -> None:
    assert smsbridge.connect(url("format=xml")).balance().amount == Decimal("12.5")


def test_balance_auth_failed() -> None:
    with pytest.raises(AuthenticationError):
        smsbridge.connect(url()).balance()


def test_playsms_self_hosted_balance() -> None:
    assert smsbridge.connect(playsms_url()).balance().amount == Decimal(100)


# ---------------------------------------------------------------------------- ds


def test_delivery_status() -> None:
    (report,) = smsbridge.connect(url("timezone=%2B02:00")).delivery_status(["30"])
    assert report.status is DeliveryStatus.DELIVERED and report.provider_code == "3"
    assert report.recipient == "211912345678"
    assert report.submitted_at == dt.datetime(2024, 5, 1, 10, 0, tzinfo=JUBA)
    assert report.updated_at == dt.datetime(2024, 5, 1, 10, 0, 5, tzinfo=JUBA)


def test_delivery_status_xml() -> None:
    (report,) = smsbridge.connect(url("format=xml")).delivery_status(["30"])
    assert report.status is DeliveryStatus.FAILED


def test_delivery_status_no_report_yet() -> None:
    reports = smsbridge.connect(url()).delivery_status(["31", "32", "33", "34"])
    assert [r.status for r in reports] == [
        DeliveryStatus.UNKNOWN,
        DeliveryStatus.QUEUED,
        DeliveryStatus.UNKNOWN,
        DeliveryStatus.UNKNOWN,
    ]
    assert [r.provider_code for r in reports] == ["400", "401", "402", "501"]
    assert reports[1].provider_text == "no delivery status retrieved and SMS still in queue"


def test_delivery_status_by_queue() -> None:
    reports = smsbridge.connect(url()).delivery_status([QUEUE])
    assert [(r.message_id, r.recipient, r.status) for r in reports] == [
        (QUEUE, "211912345678", DeliveryStatus.SENT),
        (QUEUE, "211922345678", DeliveryStatus.QUEUED),
    ]


# ---------------------------------------------------------------------------- in / ix / sx


def test_inbound_incoming() -> None:
    (message,) = smsbridge.connect(url()).inbound("in", since_id="1", limit=10)
    assert (message.id, message.sender, message.text, message.keyword) == ("2", "+629876543210", "A", "IDOL")
    assert message.received_at == dt.datetime(2013, 5, 20, 12, 40, 38, tzinfo=dt.timezone.utc)


def test_inbound_incoming_xml() -> None:
    (message,) = smsbridge.connect(url("format=xml")).inbound("in", kwd="IDOL")
    assert (message.id, message.recipient, message.text) == ("2", "1234", "A")


def test_inbound_inbox() -> None:
    messages = smsbridge.connect(url()).inbound("inbox")
    assert [m.id for m in messages] == ["5", "6"] and messages[0].keyword is None


def test_inbound_sandbox_empty() -> None:
    assert smsbridge.connect(url()).inbound("sandbox") == []


# ---------------------------------------------------------------------------- contacts, query, token


def test_get_contact() -> None:
    result = smsbridge.connect(url()).admin("get_contact", kwd="anton")
    (contact,) = result.data["contacts"]
    assert contact["p_num"] == "08901230659" and contact["code"] == "TESTGROUP"


def test_get_contact_no_match() -> None:
    account = smsbridge.connect(url())
    assert account.admin("get_contact", kwd="nobody").data["contacts"] == []
    assert account.admin("get_contact", kwd="nobody", c=5).data["contacts"] == []  # "data":null


def test_get_contact_group() -> None:
    (group,) = smsbridge.connect(url()).admin("get_contact_group", kwd="staff").data["groups"]
    assert group["code"] == "STAFF" and group["flag_sender"] == "0"


def test_get_contact_group_unknown_op() -> None:
    with pytest.raises(UnreadableReplyError):
        smsbridge.connect(url()).admin("get_contact_group", kwd="staff")


def test_query() -> None:
    data = smsbridge.connect(url()).admin("query").data
    assert data["user"]["credit"] == Decimal("12.5") and data["last_id"]["user_outgoing"] == "31"


def test_set_token() -> None:
    account = smsbridge.connect(url())
    assert account.admin("set_token").data["token"] == "FILTERED"
    assert account.balance().amount == Decimal("12.5")  # with the new token


# ---------------------------------------------------------------------------- admin


def test_inject() -> None:
    params = {"from": "+211912345678", "msg": "hello", "recvnum": "1234", "smsc": "dev"}
    assert smsbridge.connect(url()).admin("inject", **params).data["status"] == "OK"


def test_accountadd() -> None:
    result = smsbridge.connect(url()).admin(
        "accountadd",
        data_status=3,
        data_username="bob",
        data_password="s3cret-pass",
        data_name="Bob",
        data_email="bob@example.org",
        data_mobile="211912345678",
    )
    assert result.data["info"] == "account has been added"


def test_accountadd_failed() -> None:
    with pytest.raises(RejectedError) as info:
        smsbridge.connect(url()).admin(
            "accountadd",
            data_status=3,
            data_username="bob",
            data_password="s3cret-pass",
            data_name="Bob",
            data_email="bob@example.org",
        )
    assert info.value.code == "604"


def test_accountremove_unknown_user() -> None:
    with pytest.raises(RejectedError) as info:
        smsbridge.connect(url()).admin("accountremove", data_username="nobody")
    assert info.value.code == "605"


def test_parentset_and_parentget() -> None:
    account = smsbridge.connect(url())
    assert account.admin("parentset", data_username="bob", data_parent="alice").data["status"] == "OK"
    assert account.admin("parentget", data_username="bob").data["parent"] == "alice"


def test_accountban_and_unban() -> None:
    account = smsbridge.connect(url())
    assert account.admin("accountban", data_username="bob").data["status"] == "OK"
    with pytest.raises(RejectedError) as info:
        account.admin("accountunban", data_username="nobody")
    assert info.value.code == "613"


def test_accountpref_and_accountconf() -> None:
    account = smsbridge.connect(url())
    assert account.admin("accountpref", data_username="bob", data_city="Juba").data["status"] == "OK"
    conf = account.admin("accountconf", data_username="bob", data_fwd_to_inbox=True, data_sender="JunubSMS")
    assert conf.data["info"] == "account configuration has been saved"


def test_accountconf_database_failure() -> None:
    with pytest.raises(UnreadableReplyError) as info:
        smsbridge.connect(url()).admin("accountconf", data_username="bob", data_footer="x")
    assert info.value.text == "FATAL ERROR : Database query execution has failed"


def test_credit_operations() -> None:
    account = smsbridge.connect(url())
    assert account.admin("creditview", data_username="bob").data["balance"] == Decimal(150)
    added = account.admin("creditadd", data_username="bob", data_amount=Decimal("50"))
    assert (added.data["amount"], added.data["balance"]) == (Decimal(50), Decimal(200))
    deducted = account.admin("creditdeduct", data_username="bob", data_amount="25.5")
    assert deducted.data["balance"] == Decimal("174.5")


def test_creditview_zero_balance() -> None:
    with pytest.raises(RejectedError) as info:
        smsbridge.connect(url()).admin("creditview", data_username="bob")
    assert info.value.code == "620" and "zero" in (info.value.hint or "")


def test_loginkeyset() -> None:
    assert smsbridge.connect(url()).admin("loginkeyset", data_username="bob").data["login_key"] == "FILTERED"


def test_admin_needs_admin() -> None:
    with pytest.raises(AuthenticationError) as info:
        smsbridge.connect(url()).admin("accountban", data_username="bob")
    assert info.value.code == "600"
