"""Notification-URL callbacks: the request ASPSMS makes, tags substituted, becomes a report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smsbridge.errors import UnreadableReplyError
from smsbridge.models import CallbackRequest, DeliveryStatus
from smsbridge.testing import fake_account

from .support import NUMBER, ok, url

UTC = dt.timezone.utc
ZURICH = ZoneInfo("Europe/Zurich")


def _account() -> object:
    return fake_account(url(), [ok()])


def test_recommended_template_delivered() -> None:
    account = _account()
    (report,) = account.parse_callback(  # type: ignore[attr-defined]
        {
            "TRN": "Order4242",
            "RCPNT": "+41791234567",
            "DST": "0",
            "RSN": "000",
            "SCTSUTC": "2030-07-01T08:30:02Z",
            "DSCTSUTC": "2030-07-01T08:30:09Z",
        }
    )
    assert report.message_id == "Order4242"
    assert report.recipient == NUMBER
    assert report.status is DeliveryStatus.DELIVERED
    assert report.provider_code == "0"
    assert report.provider_text == "delivered"
    assert report.reason is None  # a reason code means nothing once delivered
    assert report.submitted_at == dt.datetime(2030, 7, 1, 8, 30, 2, tzinfo=UTC)
    assert report.updated_at == dt.datetime(2030, 7, 1, 8, 30, 9, tzinfo=UTC)
    assert report.provider == "aspsms"
    assert account.ctx.http.sent == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("dst", "rsn", "status", "reason"),
    [
        ("1", "107", DeliveryStatus.SENT, "107 absent subscriber"),
        (
            "2",
            "108",
            DeliveryStatus.EXPIRED,
            "108 delivery fail (buffered: memory full; not delivered: validity expired)",
        ),
        ("2", "206", DeliveryStatus.FAILED, "206 invalid destination address"),
        ("2", "115", DeliveryStatus.FAILED, "115 network failure"),
        ("-1", ":", DeliveryStatus.QUEUED, None),
        ("-1", "207", DeliveryStatus.REJECTED, "207 duplicate message submit"),
        ("0", "107", DeliveryStatus.DELIVERED, None),
        ("5", "", DeliveryStatus.UNKNOWN, None),
        (None, None, DeliveryStatus.UNKNOWN, None),
    ],
)
def test_statuses_and_reasons(dst: str | None, rsn: str | None, status: DeliveryStatus, reason: str | None) -> None:
    query = {"TRN": "T1"}
    if dst is not None:
        query["DST"] = dst
    if rsn is not None:
        query["RSN"] = rsn
    (report,) = _account().parse_callback(query)  # type: ignore[attr-defined]
    assert report.status is status
    assert report.reason == reason


def test_form_post_and_lower_case_names() -> None:
    request = CallbackRequest(method="POST", form={"trn": "T9", "dst": "2", "rsn": "010", "rcpnt": "41791234567"})
    (report,) = _account().parse_callback(request)  # type: ignore[attr-defined]
    assert report.message_id == "T9"
    assert report.status is DeliveryStatus.FAILED
    assert report.recipient == NUMBER
    assert report.reason == "010 network time-out"


@pytest.mark.parametrize("rcpnt", ["41791234567", "0041791234567", "+41791234567", "+41 79 123 45 67"])
def test_recipient_forms(rcpnt: str) -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "RCPNT": rcpnt})  # type: ignore[attr-defined]
    assert report.recipient == NUMBER


def test_swiss_local_timestamps() -> None:
    (report,) = _account().parse_callback(  # type: ignore[attr-defined]
        {"TRN": "T1", "DST": "0", "SCTS": "01072030103002", "DSCTSCET": "2030-07-01T10:30:09"}
    )
    assert report.submitted_at == dt.datetime(2030, 7, 1, 10, 30, 2, tzinfo=ZURICH)
    assert report.submitted_at.astimezone(UTC).hour == 8
    assert report.updated_at == dt.datetime(2030, 7, 1, 10, 30, 9, tzinfo=ZURICH)


def test_cet_timestamp_with_offset_is_kept() -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "SCTSCET": "2030-01-01T10:00:00+01:00"})  # type: ignore[attr-defined]
    assert report.submitted_at == dt.datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def test_unreadable_timestamps_are_left_out() -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "SCTSUTC": "soon", "DSCTS": "99999999999999"})  # type: ignore[attr-defined]
    assert report.submitted_at is None and report.updated_at is None


@pytest.mark.parametrize(
    "query",
    [{}, {"DST": "0"}, {"TRN": ""}, {"TRN": "<TRN>", "DST": "<DST>"}, {"id": "1", "status": "delivered"}],
)
def test_not_an_aspsms_callback(query: dict[str, str]) -> None:
    with pytest.raises(UnreadableReplyError):
        _account().parse_callback(query)  # type: ignore[attr-defined]


def test_unsubstituted_tags_count_as_absent() -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "DST": "<DST>", "RCPNT": "<RCPNT>"})  # type: ignore[attr-defined]
    assert report.status is DeliveryStatus.UNKNOWN
    assert report.recipient is None


def test_server2sms_callback() -> None:
    account = fake_account(url("server2sms"), [ok()])
    (report,) = account.parse_callback({"TRN": "S1", "DST": "0"})
    assert report.provider == "server2sms"


@pytest.mark.parametrize("rsn", ["²²²", "٠٠٠", "1²3"])
def test_a_reason_code_of_other_digits_is_junk(rsn: str) -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "DST": "-1", "RSN": rsn})  # type: ignore[attr-defined]
    assert report.status is DeliveryStatus.QUEUED and report.reason is None


@pytest.mark.parametrize("rcpnt", ["²²²", "٤١٧٩١٢٣٤٥٦٧"])
def test_a_recipient_of_other_digits_is_not_made_a_number(rcpnt: str) -> None:
    (report,) = _account().parse_callback({"TRN": "T1", "RCPNT": rcpnt})  # type: ignore[attr-defined]
    assert report.recipient == rcpnt
