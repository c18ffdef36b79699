"""Every operation against recorded exchanges (cassettes/junubsms/test_cassettes/).

Cassettes hold the wire exchange as playSMS really answers (REFERENCE.md, playSMS section,
and the JunubSMS document, i.e. playSMS 1.4.5 shapes); each names its source in its first
line.  Exchanges that had been inferred were recorded from a real playSMS 1.4.8 instead:
test_recorded.py.  Re-record with real credentials: JUNUBSMS_USER / JUNUBSMS_TOKEN
(/ JUNUBSMS_PASSWORD) and ``--record-mode=rewrite`` (the ERR cassettes then need a server that
answers that way).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    InvalidRecipientError,
    NotFoundError,
    PermissionDeniedError,
    RejectedError,
    UnreadableReplyError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus

from .support import NUMBER, OTHER, QUEUE, THIRD, url

pytestmark = pytest.mark.vcr

JUBA = dt.timezone(dt.timedelta(hours=2))


# ---------------------------------------------------------------------------- pv


def test_send_ok() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    assert result.ok
    (receipt,) = result.receipts
    assert receipt.recipient == NUMBER and receipt.message_id == f"30:{QUEUE}"
    assert result.details["queue"] == QUEUE


def test_send_smslog_id_as_number() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    assert result.receipts[0].message_id == f"4711:{QUEUE}"


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
    assert result.ok and result.receipts[0].message_id == f"31:{QUEUE}"


def test_send_item_failed() -> None:
    result = smsbridge.connect(url()).send(NUMBER, "test only")
    (receipt,) = result.receipts
    assert receipt.status is ReceiptStatus.REJECTED and receipt.code == "200"


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


def test_send_with_password() -> None:
    account = smsbridge.connect(url(password=True))
    assert account.send(NUMBER, "test only").ok
    assert account.send(OTHER, "test only").ok  # the token is asked for once


def test_get_token_refused() -> None:
    with pytest.raises(PermissionDeniedError) as info:
        smsbridge.connect(url(password=True)).balance()
    assert info.value.code == "106"


# ---------------------------------------------------------------------------- cr


def test_balance() -> None:
    assert smsbridge.connect(url()).balance().amount == Decimal("12.5")


def test_balance_zero_is_a_string() -> None:
    assert smsbridge.connect(url()).balance().amount == Decimal(0)


def test_balance_auth_failed() -> None:
    with pytest.raises(AuthenticationError):
        smsbridge.connect(url()).balance()


# ---------------------------------------------------------------------------- ds


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
    assert group["code"] == "STAFF" and group["flag_sender"] == 0


def test_get_contact_group_unknown_op() -> None:
    with pytest.raises(UnreadableReplyError):
        smsbridge.connect(url()).admin("get_contact_group", kwd="staff")


def test_query() -> None:
    data = smsbridge.connect(url()).admin("query").data
    assert data["user"]["credit"] == Decimal("12.5") and data["last_id"]["user_outgoing"] == 31


def test_set_token() -> None:
    account = smsbridge.connect(url())
    assert account.admin("set_token").data["token"] == "FILTERED"
    assert account.balance().amount == Decimal("12.5")  # with the new token


# ---------------------------------------------------------------------------- admin


def test_inject() -> None:
    params = {"from": "+211912345678", "msg": "hello", "recvnum": "1234", "smsc": "dev"}
    assert smsbridge.connect(url()).admin("inject", **params).data["status"] == "OK"


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
    with pytest.raises(NotFoundError) as info:
        smsbridge.connect(url()).admin("accountremove", data_username="nobody")
    assert info.value.code == "605"


def test_parentset_and_parentget() -> None:
    account = smsbridge.connect(url())
    assert account.admin("parentset", data_username="bob", data_parent="alice").data["status"] == "OK"
    assert account.admin("parentget", data_username="bob").data["parent"] == "alice"


def test_accountban_and_unban() -> None:
    account = smsbridge.connect(url())
    assert account.admin("accountban", data_username="bob").data["status"] == "OK"
    with pytest.raises(NotFoundError) as info:
        account.admin("accountunban", data_username="nobody")
    assert info.value.code == "613"


def test_creditview_zero_balance() -> None:
    with pytest.raises(RejectedError) as info:
        smsbridge.connect(url()).admin("creditview", data_username="bob")
    assert info.value.code == "620" and "zero" in (info.value.hint or "")


def test_loginkeyset() -> None:
    assert smsbridge.connect(url()).admin("loginkeyset", data_username="bob").data["login_key"] == "FILTERED"


def test_admin_needs_admin() -> None:
    with pytest.raises(PermissionDeniedError) as info:
        smsbridge.connect(url()).admin("accountban", data_username="bob")
    assert info.value.code == "600"
