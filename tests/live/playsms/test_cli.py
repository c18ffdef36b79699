"""The ``smsbridge`` command line against a real playSMS 1.4.8, checked against the server's tables."""

from __future__ import annotations

import csv
import json
import uuid
from decimal import Decimal
from pathlib import Path

from .conftest import PlaySMS


def test_send_status_and_balance(playsms: PlaySMS) -> None:
    text = f"live cli {uuid.uuid4().hex[:6]}"
    sent = playsms.cli("send", "+211912000051", text, "--json")
    assert sent.exit_code == 0, sent.stderr
    (receipt,) = json.loads(sent.stdout)["receipts"]
    smslog_id, queue = receipt["message_id"].split(":")
    row = playsms.delivered(smslog_id)
    assert (row["p_dst"], row["p_msg"], row["queue_code"]) == ("211912000051", text, queue)
    status = playsms.cli("status", receipt["message_id"])
    assert status.exit_code == 0 and "delivered" in status.stdout and "211912000051" in status.stdout
    balance = json.loads(playsms.cli("balance", "--json").stdout)
    credit = playsms.row("SELECT credit FROM playsms_tblUser WHERE username = 'alice'")
    assert credit is not None and Decimal(balance["amount"]) == Decimal(str(credit["credit"]))


def test_scheduled_send_shows_queued(playsms: PlaySMS) -> None:
    """Finding 3: the CLI shows the queue code in the id, and status says queued (ERR 401)."""
    sent = playsms.cli("send", "+211912000052", f"live cli later {uuid.uuid4().hex[:6]}", "--at", "2031-01-01T10:00Z")
    assert sent.exit_code == 0, sent.stderr
    ident = next(word for word in sent.stdout.split() if ":" in word and len(word) > 60)
    queued = playsms.row("SELECT flag FROM playsms_tblSMSOutgoing_queue WHERE queue_code = %s", ident.split(":")[1])
    assert queued == {"flag": 0}
    status = playsms.cli("status", ident, "--json")
    (report,) = json.loads(status.stdout)["reports"]
    assert (report["status"], report["provider_code"]) == ("queued", "401")


def test_bulk_with_batch_then_resume(playsms: PlaySMS, tmp_path: Path) -> None:
    """Finding 2: after a merge, the report marks who was not sent to; the re-run sends exactly those."""
    numbers = playsms.numbers(3)
    merged_source = tmp_path / "plain.csv"
    merged_source.write_text("to\n" + "".join(f"{n}\n" for n in numbers), encoding="utf-8")
    merged_report = tmp_path / "merged.csv"
    run = playsms.cli("bulk", str(merged_source), "live cli merged", "--report", str(merged_report), batch=2)
    assert run.exit_code == 3
    outcomes = {r["recipient"]: r["outcome"] for r in csv.DictReader(merged_report.open(encoding="utf-8"))}
    assert outcomes == {numbers[0]: "unknown", numbers[1]: "rejected", numbers[2]: "accepted"}
    queued = "SELECT 1 FROM playsms_tblSMSOutgoing_queue_dst WHERE dst = %s"  # every destination the server took
    assert playsms.rows(queued, numbers[1][1:]) == []
    again = playsms.cli("bulk", str(merged_source), "live cli merged", "--report", str(merged_report))
    assert again.exit_code == 3 and numbers[0] in again.stderr  # the unknown one is listed, not resent
    latest = {r["recipient"]: r["outcome"] for r in csv.DictReader(merged_report.open(encoding="utf-8"))}
    assert latest[numbers[1]] == "accepted"
    assert len(playsms.rows(queued, numbers[1][1:])) == 1
    assert playsms.rows(queued, numbers[0][1:]) == []  # only inside the merged 211912000061211


def test_admin_list_and_operations(playsms: PlaySMS) -> None:
    listed = playsms.cli("admin", "--list", "--json", user="admin")
    operations = {op["name"]: op for op in json.loads(listed.stdout)["operations"]}
    assert "stoplist" in operations
    assert "datetime_timezone" not in {p["name"] for p in operations["accountconf"]["params"]}
    refused = playsms.cli("admin", "accountconf", "data_username=carol", "data_fwd_to_inbox=yes", user="admin")
    assert refused.exit_code == 2 and "would empty" in refused.stderr
    stop = playsms.cli("admin", "stoplist", "from=+211977000010")
    assert stop.exit_code == 0
    assert playsms.row("SELECT 1 AS x FROM playsms_featureStoplist WHERE mobile = '211977000010'") == {"x": 1}
    denied = playsms.cli("admin", "accountban", "data_username=bob")
    assert denied.exit_code == 1 and "600" in denied.stderr
