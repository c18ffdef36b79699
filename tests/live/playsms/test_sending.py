"""op=pv against a real playSMS 1.4.8: what smsbridge reports, checked against the server's tables."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRecipientError,
    NotFoundError,
    Outcome,
    UnreadableReplyError,
)
from smsbridge.models import DeliveryStatus, ReceiptStatus

from .conftest import PlaySMS

ONE = re.compile(r"^(\d+):([0-9a-f]{64})$")


def tag() -> str:
    return uuid.uuid4().hex[:8]


def queue_rows(playsms: PlaySMS, user: str) -> int:
    row = playsms.row("SELECT COUNT(*) AS n FROM playsms_tblSMSOutgoing_queue WHERE uid = %s", playsms.uid(user))
    return int(row["n"]) if row else 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_single_send(playsms: PlaySMS, fmt: str) -> None:
    text = f"live single {fmt} {tag()}"
    (receipt,) = playsms.connect(format=fmt).send("+211912000001", text).receipts
    assert receipt.status is ReceiptStatus.ACCEPTED
    match = ONE.match(receipt.message_id or "")
    assert match, receipt.message_id
    smslog_id, queue = match.groups()
    queued = playsms.row("SELECT * FROM playsms_tblSMSOutgoing_queue WHERE queue_code = %s", queue)
    assert queued is not None and queued["uid"] == playsms.uid("alice") and queued["message"] == text
    row = playsms.delivered(smslog_id)
    assert (row["p_dst"], row["p_msg"], row["queue_code"]) == ("211912000001", text, queue)
    billed = playsms.row("SELECT charge FROM playsms_tblBilling WHERE smslog_id = %s", int(smslog_id))
    assert billed is not None and billed["charge"] == 1  # +211 costs a credit on this server


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_flash_arabic_ampersand_footer(playsms: PlaySMS, fmt: str) -> None:
    account = playsms.connect(format=fmt)
    arabic = f"مرحبا Tom & Jerry {tag()}"
    (receipt,) = account.send("+211912000002", arabic, flash=True, options={"footer": "-- shop"}).receipts
    row = playsms.queued(receipt.message_id)
    assert (row["dst"], row["message"], row["sms_type"], row["unicode"]) == ("211912000002", arabic, "flash", 1)
    assert row["footer"].strip() == "-- shop"


def test_sender_id_approved_or_silently_replaced(playsms: PlaySMS) -> None:
    account = playsms.connect()
    approved = account.send("+211912000003", f"live sender {tag()}", sender="JunubSMS").receipts[0]
    other = account.send("+211912000003", f"live sender {tag()}", sender="NotMine").receipts[0]
    assert approved.accepted and other.accepted  # playSMS gives no error for a sender it replaces
    assert playsms.queued(approved.message_id)["sender_id"] == "JunubSMS"
    assert playsms.queued(other.message_id)["sender_id"] == "1234"


def test_bulk_with_the_default_batch(playsms: PlaySMS) -> None:
    numbers = ["+211912000011", "+211912000012", "+211912000013"]
    summary = playsms.connect().bulk_send(numbers, f"live bulk {tag()}")
    assert (summary.accepted, summary.requests) == (3, 3)
    queues = {playsms.queued(r.message_id)["queue_id"] for r in summary.receipts or ()}
    assert [playsms.queued(r.message_id)["dst"] for r in summary.receipts or ()] == [n[1:] for n in numbers]
    assert len(queues) == 3  # one request, one queue, each


def test_bulk_with_batch_on_a_merging_server(playsms: PlaySMS) -> None:
    """Finding 2: 1.4.8 merges to=a,b,c into one number (commas stripped, cut to 15), delivers and bills it."""
    a, b, c, d = playsms.numbers(4)
    garbage = (a[1:] + b[1:] + c[1:])[:15]
    summary = playsms.connect(batch=3).bulk_send([a, b, c, d], f"live merged {tag()}")
    first, second, third, fourth = summary.receipts or ()
    assert (summary.accepted, summary.rejected, summary.unknown, summary.requests) == (1, 2, 1, 2)
    assert first.status is ReceiptStatus.UNKNOWN and garbage in (first.reason or "")
    assert second.status is third.status is ReceiptStatus.REJECTED and second.code == "merged"
    assert fourth.status is ReceiptStatus.ACCEPTED  # the account sends one number a request from then on
    assert playsms.queued(first.message_id)["dst"] == garbage  # the garbage number really went out
    for number in (b, c):  # never a destination of this server
        assert playsms.rows("SELECT id FROM playsms_tblSMSOutgoing_queue_dst WHERE dst = %s", number[1:]) == []
    assert playsms.queued(fourth.message_id)["dst"] == d[1:]
    # a server known to merge: batch>1 is refused unless forced
    assert playsms.version and playsms.version.startswith("1.4.8")
    with pytest.raises(ConfigurationError, match="merges"):
        playsms.connect(batch=3, version=playsms.version)


def test_scheduled_send_round_trip(playsms: PlaySMS) -> None:
    """Findings 3 and 4: queued reads QUEUED (not UNKNOWN); schedule at T, read back T."""
    account = playsms.connect()
    when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3)).replace(microsecond=0)
    (receipt,) = account.send("+211912000031", f"live scheduled {tag()}", schedule=when).receipts
    smslog_id, queue = ONE.match(receipt.message_id or "").groups()  # type: ignore[union-attr]
    queued = playsms.row(
        "SELECT flag, datetime_scheduled FROM playsms_tblSMSOutgoing_queue WHERE queue_code = %s", queue
    )
    assert queued is not None and queued["flag"] == 0  # the server's truth: still in the queue
    # stored as the PHP clock (UTC here) minus the +0700 setting
    stored = (when - dt.timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S")
    assert queued["datetime_scheduled"] == stored
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.QUEUED and report.provider_code == "401"
    (bare,) = account.delivery_status([smslog_id])  # what the smslog_id alone can say
    assert bare.status is DeliveryStatus.UNKNOWN and bare.provider_code == "400"
    report = playsms.poll(
        lambda: account.delivery_status([receipt.message_id or ""])[0],
        lambda r: r.status is DeliveryStatus.DELIVERED,
        timeout=30,
    )
    assert report.status is DeliveryStatus.DELIVERED and report.submitted_at is not None
    assert when - dt.timedelta(seconds=2) <= report.submitted_at <= when + dt.timedelta(seconds=15)


def test_user_target(playsms: PlaySMS) -> None:
    text = f"live to bob {tag()}"
    account = playsms.connect()
    (receipt,) = account.send("@bob", text).receipts
    assert receipt.accepted and re.match(r"^@bob:[0-9a-f]{64}$", receipt.message_id or "")
    inbox = playsms.rows("SELECT in_sender FROM playsms_tblSMSInbox WHERE in_uid = %s AND in_msg = %s", 3, text)
    assert inbox == [{"in_sender": "@alice"}]  # the server's truth: in bob's inbox
    (report,) = account.delivery_status([receipt.message_id or ""])
    assert report.status is DeliveryStatus.DELIVERED and report.recipient == "@bob"


def test_group_target(playsms: PlaySMS) -> None:
    account = playsms.connect()
    result = account.send("#JUBASTAFF", f"live group {tag()}")
    (receipt,) = result.receipts
    assert receipt.accepted and re.match(r"^[0-9a-f]{64}$", receipt.message_id or "")
    reports = playsms.poll(
        lambda: account.delivery_status([receipt.message_id or ""]),
        lambda rs: len(rs) == 2 and all(r.status is DeliveryStatus.DELIVERED for r in rs),
    )
    rows = playsms.rows("SELECT p_dst FROM playsms_tblSMSOutgoing WHERE queue_code = %s", receipt.message_id)
    assert sorted(r.recipient or "" for r in reports) == sorted(r["p_dst"] for r in rows)
    assert sorted(r["p_dst"] for r in rows) == ["+211933000003", "+211944000004"]


@pytest.mark.parametrize("target", ["#JUBA", "#NOSUCHGROUP"])
def test_group_code_that_names_no_group_sends_nothing(playsms: PlaySMS, target: str) -> None:
    before = queue_rows(playsms, "alice")
    with pytest.raises(NotFoundError) as info:
        playsms.connect().send(target, f"live never {tag()}")
    assert info.value.outcome is Outcome.NOT_SENT
    assert queue_rows(playsms, "alice") == before  # playSMS 1.4.8 would have sent #JUBA to JUBASTAFF


def test_echo_with_zeros_in_front_is_matched(playsms: PlaySMS) -> None:
    """Finding 10: the account's local_length/replace_zero rules put zeros in front of the echo."""
    playsms.temp_user("liveecho")
    try:
        conf = {"data_local_length": 12, "data_replace_zero": "00", "data_footer": "", "data_sender": ""}
        playsms.connect("admin").admin("accountconf", data_username="liveecho", **conf)
        (receipt,) = playsms.connect("liveecho").send("+256701234567", f"live echo {tag()}").receipts
        assert receipt.status is ReceiptStatus.ACCEPTED, receipt.reason
        dst = playsms.queued(receipt.message_id)["dst"]
        assert dst.lstrip("0") == "256701234567" and dst.startswith("00")
    finally:
        playsms.remove_user("liveecho")


def test_not_enough_credit_is_outcome_unknown(playsms: PlaySMS) -> None:
    """bob has no credit: PHP 8 answers HTTP 500 with an empty body; nothing goes out."""
    before = playsms.row("SELECT MAX(id) AS id FROM playsms_tblSMSOutgoing_queue")
    (number,) = playsms.numbers(1)
    with pytest.raises(UnreadableReplyError) as info:
        playsms.connect("bob").send(number, f"live no credit {tag()}")
    assert info.value.http_status == 500 and info.value.outcome is Outcome.UNKNOWN
    left = playsms.rows(
        "SELECT flag, sms_count FROM playsms_tblSMSOutgoing_queue WHERE uid = %s AND id > %s",
        playsms.uid("bob"),
        (before or {}).get("id") or 0,
    )
    assert left == [{"flag": 2, "sms_count": 0}]  # a dead queue row, and no outgoing SMS
    assert playsms.rows("SELECT id FROM playsms_tblSMSOutgoing_queue_dst WHERE dst = %s", number[1:]) == []


def test_wrong_token_sends_nothing(playsms: PlaySMS) -> None:
    before = queue_rows(playsms, "alice")
    account = smsbridge.connect(playsms.url(token="0" * 64))
    with pytest.raises(AuthenticationError) as info:
        account.send("+211912000042", "live wrong token")
    assert info.value.code == "100" and "banned" in (info.value.hint or "")
    assert queue_rows(playsms, "alice") == before


def test_banned_user_is_refused_until_unbanned(playsms: PlaySMS) -> None:
    playsms.temp_user("liveban")
    admin = playsms.connect("admin")
    try:
        admin.admin("accountban", data_username="liveban")
        uid = str(playsms.uid("liveban"))
        ban = "SELECT 1 AS x FROM playsms_tblRegistry WHERE registry_family = 'banned_users' AND registry_key = %s"
        assert playsms.row(ban, uid) is not None  # the server's truth: in its ban list
        with pytest.raises(AuthenticationError):
            playsms.connect("liveban").send("+256701234568", "live banned")
        admin.admin("accountunban", data_username="liveban")
        assert playsms.row(ban, uid) is None
        (receipt,) = playsms.connect("liveban").send("+256701234568", f"live unbanned {tag()}").receipts
        assert playsms.queued(receipt.message_id)["dst"] == "256701234568"
    finally:
        playsms.remove_user("liveban")


def test_password_auth_fetches_the_token(playsms: PlaySMS) -> None:
    account = smsbridge.connect(playsms.url("carol", token=playsms.passwords["carol"], auth="password"))
    (receipt,) = account.send("+256701234569", f"live password auth {tag()}").receipts
    assert playsms.queued(receipt.message_id)["uid"] == playsms.uid("carol")


def test_the_servers_own_ranges_need_number_check_possible(playsms: PlaySMS) -> None:
    """+211 93…/94… (John Deng's, Mary Akol's numbers) are live numbers phonenumbers calls invalid."""
    before = queue_rows(playsms, "alice")
    with pytest.raises(InvalidRecipientError) as info:
        playsms.connect().send("+211933000003", "live strict")
    assert "number_check=possible" in (info.value.hint or "") and queue_rows(playsms, "alice") == before
    (receipt,) = playsms.connect(number_check="possible").send("+211933000003", f"live possible {tag()}").receipts
    assert receipt.accepted and playsms.queued(receipt.message_id)["dst"] == "211933000003"
