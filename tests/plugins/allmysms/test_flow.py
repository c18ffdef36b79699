"""What goes into smsData: templating, escaping, dates, options, batch size."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import xmltodict
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smsbridge.errors import InvalidMessageError
from smsbridge.models import Recipient
from smsbridge.testing import fake_account, reply
from smsbridge_allmysms import localtime

from .support import FR, FR2, URL, XML_URL

OK = reply('{"status":100,"smsIds":[]}', content_type="application/json")


def data_of(account: Any, index: int = 0) -> dict[str, Any]:
    raw = account.ctx.http.sent[index].data["smsData"]
    if raw.startswith("<"):
        return dict(xmltodict.parse(raw)["DATA"])
    return dict(json.loads(raw)["DATA"])


def send(url: str, to: Any, text: str, **kwargs: Any) -> dict[str, Any]:
    account = fake_account(url, [OK])
    account.send(to, text, **kwargs)
    return data_of(account)


def test_plain_text_has_no_dynamic() -> None:
    data = send(URL, FR, "Hello")
    assert data == {"MESSAGE": "Hello", "SMS": [{"MOBILEPHONE": "33612345678"}]}


def test_fields_in_order_of_first_appearance() -> None:
    data = send(URL, {"to": FR, "b": "B", "a": "A"}, "{b}{a}{b} {a}")
    assert data["MESSAGE"] == "#param_1##param_2##param_1# #param_2#"
    assert data["SMS"][0] == {"MOBILEPHONE": "33612345678", "PARAM_1": "B", "PARAM_2": "A"}


def test_format_specs_are_applied_per_recipient() -> None:
    data = send(URL, {"to": FR, "n": "7"}, "n={n:>3} raw={n}")
    assert data["MESSAGE"] == "n=#param_1# raw=#param_2#"
    assert data["SMS"][0]["PARAM_1"] == "  7" and data["SMS"][0]["PARAM_2"] == "7"


def test_escaped_braces_in_a_template_become_literal() -> None:
    data = send(URL, {"to": FR, "name": "Zoé"}, "{name}: JSON {{ok}}")
    assert data["MESSAGE"] == "#param_1#: JSON {ok}"


@pytest.mark.parametrize("text", ["JSON {{ok}}", "Hi {}", "Hi {name", "a } b"])
def test_a_text_without_fields_goes_as_written(text: str) -> None:
    data = send(URL, FR, text)
    assert data["MESSAGE"] == text and "DYNAMIC" not in data


def test_literal_param_marker_travels_as_its_own_parameter() -> None:
    data = send(URL, FR, "Type #PARAM_1# literally")
    assert data["MESSAGE"] == "Type #param_1# literally"
    assert data["DYNAMIC"] == "1" and data["SMS"][0]["PARAM_1"] == "#PARAM_1#"


def test_literal_marker_next_to_real_fields() -> None:
    data = send(URL, {"to": FR, "name": "Zoé"}, "#param_1# {name} #param_1#")
    assert data["MESSAGE"] == "#param_1# #param_2# #param_1#"
    assert data["SMS"][0] == {"MOBILEPHONE": "33612345678", "PARAM_1": "#param_1#", "PARAM_2": "Zoé"}


def test_recipients_without_params_in_a_templated_send_are_refused() -> None:
    account = fake_account(URL, [OK])
    with pytest.raises(InvalidMessageError) as info:
        account.send([Recipient(FR, params={"name": "A"}), Recipient(FR2)], "Hi {name}")
    assert info.value.before_request and account.ctx.http.sent == []


def test_xml_flow_survives_every_character() -> None:
    text = "a]]>b <c> & d\r\ne \"q\" 'r' é€😀"
    data = send(XML_URL, FR, text)
    assert data["MESSAGE"] == text


def test_xml_flow_refuses_characters_xml_cannot_carry() -> None:
    account = fake_account(XML_URL, [OK])
    with pytest.raises(InvalidMessageError) as info:
        account.send(FR, "page\x0cbreak")
    assert "flow=json" in str(info.value) and account.ctx.http.sent == []
    assert "\x0c" in send(URL, FR, "page\x0cbreak")["MESSAGE"]  # the JSON flow carries it


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2035, 1, 15, 8, 0, tzinfo=dt.timezone.utc), "2035-01-15 09:00:00"),
        (dt.datetime(2035, 7, 15, 8, 0, tzinfo=dt.timezone.utc), "2035-07-15 10:00:00"),
        (dt.datetime(2035, 7, 15, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2035-07-15 15:00:00"),
    ],
)
def test_date_is_paris_wall_clock(moment: dt.datetime, expected: str) -> None:
    assert send(URL, FR, "x", schedule=moment)["DATE"] == expected


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=st.just(dt.timezone.utc)
    )
)
@example(dt.datetime(2000, 10, 29, tzinfo=dt.timezone.utc))  # 02:00 in Paris, the first of the hour that repeats
def test_paris_time_round_trips_through_zoneinfo(moment: dt.datetime) -> None:
    """DATE is Paris wall-clock time (zoneinfo: the hand-written EU summer-time rule is gone),
    and a Paris time read back names the same moment (outside the autumn hour that repeats)."""
    from zoneinfo import ZoneInfo

    text = localtime.to_paris_text(moment)
    assert text == moment.astimezone(ZoneInfo("Europe/Paris")).strftime(localtime.FORMAT)
    parsed = localtime.parse_paris(text)
    assert parsed is not None and parsed.strftime(localtime.FORMAT) == text
    if parsed.utcoffset() == moment.astimezone(ZoneInfo("Europe/Paris")).utcoffset():
        # compared in UTC: an ambiguous wall time never equals another zone's time (PEP 495)
        assert parsed.astimezone(dt.timezone.utc) == moment.replace(microsecond=0)


def test_options_from_url_and_message() -> None:
    data = send(URL + "?campaign=Base&mail_notif=no", FR, "x", options={"campaign": "Override"})
    assert data["CAMPAIGN_NAME"] == "Override" and data["MAIL_NOTIF"] == "0"
    assert send(URL + "?campaign=Base", FR, "x", options={"mail_notif": True})["MAIL_NOTIF"] == "1"
    assert "CAMPAIGN_NAME" not in send(URL, FR, "x")


def test_batch_size_sets_the_flow_size() -> None:
    account = fake_account(URL + "?batch_size=2", [OK])
    assert account.capabilities.max_recipients == 2
    summary = account.bulk_send([FR, FR2, FR, FR2, FR], "x", allow_repeats=True)
    assert summary.requests == 3 and summary.total == 5
    assert [len(data_of(account, i)["SMS"]) for i in range(3)] == [2, 2, 1]


def test_default_flow_size() -> None:
    assert fake_account(URL, [OK]).capabilities.max_recipients == 1000


def test_national_french_numbers_are_accepted() -> None:
    assert send(URL, "06 12 34 56 78", "x")["SMS"] == [{"MOBILEPHONE": "33612345678"}]
