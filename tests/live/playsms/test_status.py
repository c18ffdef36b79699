"""op=ds against a real playSMS 1.4.8: unknown ids, groups (one of 250), checked against the tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from smsbridge.errors import InvalidMessageError
from smsbridge.models import DeliveryStatus

from .conftest import PlaySMS

BIG = 250


@pytest.fixture
def big_group(playsms: PlaySMS) -> Iterator[str]:
    """A phonebook group of 250 free (non-+211) numbers for alice, made and removed through the tables."""
    code = f"LIVE{uuid.uuid4().hex[:6].upper()}"
    alice = playsms.uid("alice")
    playsms.execute(
        "INSERT INTO playsms_featurePhonebook_group (c_timestamp, uid, name, code, flag_sender) "
        "VALUES (UNIX_TIMESTAMP(), %s, %s, %s, 0)",
        alice,
        f"Live {code}",
        code,
    )
    group = playsms.row("SELECT id FROM playsms_featurePhonebook_group WHERE code = %s", code)
    assert group is not None
    numbers = [f"+25670{int(group['id']) % 100:02d}{i:05d}" for i in range(BIG)]
    with playsms.db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO playsms_featurePhonebook (c_timestamp, uid, mobile, name, email, tags) "
            "VALUES (UNIX_TIMESTAMP(), %s, %s, %s, '', '')",
            [(alice, n, f"{code} {n}") for n in numbers],
        )
    playsms.execute(
        "INSERT INTO playsms_featurePhonebook_group_contacts (gpid, pid) "
        "SELECT %s, id FROM playsms_featurePhonebook WHERE name LIKE %s",
        group["id"],
        f"{code} %",
    )
    try:
        yield code
    finally:
        playsms.execute("DELETE FROM playsms_featurePhonebook_group_contacts WHERE gpid = %s", group["id"])
        playsms.execute("DELETE FROM playsms_featurePhonebook WHERE name LIKE %s", f"{code} %")
        playsms.execute("DELETE FROM playsms_featurePhonebook_group WHERE id = %s", group["id"])


def test_group_of_250_reports_every_member(playsms: PlaySMS, big_group: str) -> None:
    """Finding 1: paging by last=<highest id seen> returned 129 of 250 reports."""
    account = playsms.connect()
    result = account.send(f"#{big_group}", "live: a group of 250")
    (receipt,) = result.receipts
    assert receipt.accepted and len(result.details["smslog_ids"][f"#{big_group}"]) == BIG
    queue = receipt.message_id or ""
    rows = playsms.poll(
        lambda: playsms.rows("SELECT p_dst, p_status FROM playsms_tblSMSOutgoing WHERE queue_code = %s", queue),
        lambda found: len(found) == BIG and all(r["p_status"] == 3 for r in found),
        timeout=60,
    )
    assert len(rows) == BIG
    reports = account.delivery_status([queue])
    assert len(reports) == BIG and all(r.status is DeliveryStatus.DELIVERED for r in reports)
    assert sorted(r.recipient or "" for r in reports) == sorted(r["p_dst"] for r in rows)
    # the CLI shows them all and says nothing is missing
    shown = playsms.cli("status", queue, "--json")
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)["reports"]) == BIG


def test_unknown_ids(playsms: PlaySMS) -> None:
    account = playsms.connect()
    top = playsms.row("SELECT MAX(smslog_id) AS n FROM playsms_tblSMSOutgoing")
    missing = str(int((top or {}).get("n") or 0) + 100000)
    assert playsms.outgoing(missing) is None  # the server's truth: no such message
    fake_queue = uuid.uuid4().hex * 2
    by_id, by_pair, by_queue = account.delivery_status([missing, f"{missing}:{fake_queue}", fake_queue])
    assert all(r.status is DeliveryStatus.UNKNOWN and r.provider_code == "400" for r in (by_id, by_pair, by_queue))
    assert "no queue" in (by_pair.reason or "")
    with pytest.raises(InvalidMessageError):
        account.delivery_status(["²"])  # issue 13: not a ValueError
