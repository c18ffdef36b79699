"""op=in, ix, sx against a real playSMS 1.4.8: texts, keywords, times and polling, checked against the tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from .conftest import PlaySMS

SENDER = "+211988000008"
NEAR = dt.timedelta(seconds=20)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def inject(playsms: PlaySMS, text: str, **options: Any) -> None:
    params = {"from": SENDER, "msg": text, "recvnum": "1234", "smsc": "dev"}
    assert playsms.connect("admin", **options).admin("inject", **params).data["status"] == "OK"


def incoming(playsms: PlaySMS, text: str) -> list[dict[str, Any]]:
    """The server's rows for an injected text (stored HTML-escaped, as inject does)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return playsms.rows("SELECT * FROM playsms_tblSMSIncoming WHERE in_message IN (%s, %s)", text, escaped)


def test_incoming_keyword(playsms: PlaySMS) -> None:
    """A bare INFO lands in alice's op=in with its keyword; the autoreply goes out as alice."""
    since = playsms.connect().admin("query").data["last_id"]["user_incoming"]
    sent_at = now()
    inject(playsms, "INFO")
    found = playsms.poll(lambda: playsms.connect().inbound("in", since_id=str(since)), bool)
    (message,) = found
    row = playsms.row("SELECT * FROM playsms_tblSMSIncoming WHERE in_id = %s", int(message.id))
    assert row is not None and (row["in_keyword"], row["in_status"], row["in_uid"]) == ("INFO", 1, playsms.uid("alice"))
    assert (message.keyword, message.text, message.sender, message.recipient) == ("INFO", "", SENDER, "1234")
    assert message.received_at is not None and abs(message.received_at - sent_at) < NEAR  # frame: the PHP clock
    reply = playsms.poll(
        lambda: playsms.row(
            "SELECT p_msg FROM playsms_tblSMSOutgoing WHERE p_dst = %s AND c_timestamp >= %s ORDER BY id DESC",
            SENDER,
            int(sent_at.timestamp()) - 1,
        ),
        lambda r: r is not None,
    )
    assert reply == {"p_msg": "JunubSMS info: office hours 8-17"}
    shown = playsms.cli("inbound", "--folder", "in", "--since-id", str(since))
    assert shown.exit_code == 0 and "Keyword" in shown.stdout and "INFO" in shown.stdout


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_injected_ampersand_comes_back_as_sent(playsms: PlaySMS, fmt: str) -> None:
    """Finding 5: JSON gave 'Tom &amp; Jerry' (the server stores it escaped)."""
    text = f"Tom & Jerry <3 {uuid.uuid4().hex[:6]}"
    sent_at = now()
    inject(playsms, text, format=fmt)
    admin = playsms.connect("admin", format=fmt)
    found = playsms.poll(lambda: [m for m in admin.inbound("sandbox", src=SENDER) if m.text == text], bool)
    assert [m.text for m in found] == [text]
    (row,) = incoming(playsms, text)
    assert row["in_message"] == text.replace("&", "&amp;").replace("<", "&lt;")  # what the server holds
    assert found[0].received_at is not None and abs(found[0].received_at - sent_at) < NEAR


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_raw_ampersand_from_a_gateway(playsms: PlaySMS, fmt: str) -> None:
    """Finding 5: a gateway stores '&' raw; XML answered an empty <msg/> and smsbridge returned ''."""
    text = f"Rock & Roll {uuid.uuid4().hex[:6]}"
    stamp = now().strftime("%Y-%m-%d %H:%M:%S")
    playsms.execute(
        "INSERT INTO playsms_tblRecvSMS (c_timestamp, flag_processed, sms_datetime, sms_sender, message, "
        "sms_receiver, smsc) VALUES (UNIX_TIMESTAMP(), 1, %s, %s, %s, '1234', 'dev')",
        stamp,
        SENDER,
        text,
    )
    admin = playsms.connect("admin", format=fmt)
    found = playsms.poll(lambda: [m for m in admin.inbound("sandbox", src=SENDER) if m.text == text], bool)
    assert [m.text for m in found] == [text]
    assert incoming(playsms, text)[0]["in_message"] == text


def test_inbox_of_an_at_user_send(playsms: PlaySMS) -> None:
    """op=ix: an @user send, text HTML-escaped by the server and dated 14 h early (clock - 2 x +0700)."""
    text = f"A & B for bob {uuid.uuid4().hex[:6]}"
    sent_at = now()
    playsms.connect().send("@bob", text)
    found = [m for m in playsms.connect("bob").inbound("inbox", src="@alice") if m.text == text]
    (message,) = found
    row = playsms.row("SELECT in_msg, in_datetime FROM playsms_tblSMSInbox WHERE in_id = %s", int(message.id))
    assert row is not None and row["in_msg"] == text.replace("&", "&amp;")
    stored = dt.datetime.strptime(row["in_datetime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    assert abs(stored + dt.timedelta(hours=14) - sent_at) < NEAR  # the server's frame
    assert message.received_at is not None and abs(message.received_at - sent_at) < NEAR  # read back right


def test_polling_by_highest_id_loses_nothing(playsms: PlaySMS) -> None:
    """Finding 9: since_id + limit gave the newest `limit` after since_id; polling on skipped the others.

    Five messages a gateway received a second apart (rows in the gateway's spool table, as a
    gateway writes them): the server lists them newest first.
    """
    admin = playsms.connect("admin")
    start = playsms.row("SELECT COALESCE(MAX(in_id), 0) AS n FROM playsms_tblSMSIncoming")
    since = str((start or {}).get("n") or 0)
    texts = [f"poll {i} {uuid.uuid4().hex[:6]}" for i in range(5)]
    first = now() - dt.timedelta(seconds=10)
    for i, text in enumerate(texts):
        playsms.execute(
            "INSERT INTO playsms_tblRecvSMS (c_timestamp, flag_processed, sms_datetime, sms_sender, message, "
            "sms_receiver, smsc) VALUES (UNIX_TIMESTAMP(), 1, %s, %s, %s, '1234', 'dev')",
            (first + dt.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S"),
            SENDER,
            text,
        )
    playsms.poll(lambda: [t for t in texts if incoming(playsms, t)], lambda got: len(got) == len(texts))
    seen: list[tuple[int, str]] = []
    for _ in range(10):
        batch = admin.inbound("sandbox", since_id=since, limit=2)
        if not batch:
            break
        seen.extend((int(m.id), m.text) for m in batch)
        since = batch[-1].id
    ours = [text for _, text in seen if text in texts]
    assert sorted(ours) == sorted(texts) and len(ours) == len(set(ours))  # every one, once
    assert [i for i, _ in seen] == sorted(i for i, _ in seen)  # oldest (lowest id) first


def test_sandbox_is_admin_only(playsms: PlaySMS) -> None:
    """op=sx answers a non-admin ERR 501 ("no data"), which reads as an empty folder."""
    text = f"for the admin {uuid.uuid4().hex[:6]}"
    inject(playsms, text)
    assert playsms.poll(lambda: incoming(playsms, text), bool)  # in the sandbox (in_status 0)
    assert playsms.connect().inbound("sandbox") == []
