"""sendSms through cassettes: JSON and XML flows, templating, scheduling, partial results, refusals.

Each cassette names its source in its first line.  Requests are matched on their scrubbed
form body, so these tests also pin what goes on the wire.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import xmltodict

from smsbridge.client import connect
from smsbridge.errors import (
    AuthenticationError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    NotFoundError,
    Outcome,
    ProviderError,
    UnreadableReplyError,
)
from smsbridge.models import ReceiptStatus, Recipient

from .support import FR, FR2, FR3, URL, XML_URL

SCHEDULE = dt.datetime(2035, 6, 1, 10, 0, tzinfo=dt.timezone.utc)  # 12:00 in Paris (summer time)
TRICKY = "Promo ]]> <b>-20%</b> & café à Noël"


def sms_data(cassette: object) -> str:
    """The smsData field of the cassette's only request, as the plugin sent it."""
    (request,) = [r for r, _ in cassette.data]  # type: ignore[attr-defined]
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    return parse_qs(body)["smsData"][0]


@pytest.mark.vcr
def test_send_json_flow(vcr: object) -> None:
    with connect(URL + "?sender=Shop") as account:
        result = account.send(FR, "Your code is 1234")
    assert result.ok
    (receipt,) = result.receipts
    assert receipt.recipient == FR
    assert receipt.message_id == "330792bd-8e0b-11e5-bf51-0025907cd72e"
    assert result.scheduled is False
    assert result.cost == Decimal("15")
    assert result.details["campaignId"] == "api-campaign-1"
    flow = json.loads(sms_data(vcr))
    assert flow == {"DATA": {"MESSAGE": "Your code is 1234", "TPOA": "Shop", "SMS": [{"MOBILEPHONE": "33612345678"}]}}


@pytest.mark.vcr
def test_send_xml_flow_escapes_the_text(vcr: object) -> None:
    with connect(XML_URL) as account:
        result = account.send(FR, TRICKY, sender="Cafe Paris")
    assert result.ok
    sent = sms_data(vcr)
    assert "<![CDATA[" not in sent and "]]&gt;" in sent
    assert xmltodict.parse(sent)["DATA"]["MESSAGE"] == TRICKY
    assert xmltodict.parse(sent)["DATA"]["TPOA"] == "Cafe Paris"


@pytest.mark.vcr
def test_send_xml_flow_refused(vcr: object) -> None:
    with connect(XML_URL) as account, pytest.raises(InvalidMessageError) as info:
        account.send(FR, "Hello")
    assert info.value.code == "106"
    assert sms_data(vcr) == "<DATA><MESSAGE>Hello</MESSAGE><SMS><MOBILEPHONE>33612345678</MOBILEPHONE></SMS></DATA>"


@pytest.mark.vcr
def test_bulk_send_templated_partial(vcr: object) -> None:
    """Status 113: two numbers sent, one listed in invalidNumbers; fields become PARAM_n."""
    recipients = [
        Recipient(FR, params={"name": "Zoé", "code": "A1"}),
        Recipient(FR2, params={"name": "Léo", "code": "B2"}),
        Recipient(FR3, params={"name": "Ana", "code": "C3"}),
    ]
    with connect(URL) as account:
        summary = account.bulk_send(recipients, "Hi {name}, code {code}. {name}!")
    assert (summary.total, summary.accepted, summary.rejected, summary.unknown) == (3, 2, 1, 0)
    assert summary.requests == 1
    by_number = {r.recipient: r for r in summary.receipts or ()}
    assert by_number[FR].message_id == "3b0ba1c2-8e0b-11e5-bf51-0025907cd72e"
    assert by_number[FR3].message_id == "3b0ba1c4-8e0b-11e5-bf51-0025907cd72e"
    assert by_number[FR2].status is ReceiptStatus.REJECTED
    assert by_number[FR2].code == "113"
    data = json.loads(sms_data(vcr))["DATA"]
    assert data["MESSAGE"] == "Hi #param_1#, code #param_2#. #param_1#!"
    assert data["DYNAMIC"] == "2"
    assert data["SMS"][1] == {"MOBILEPHONE": "33698765432", "PARAM_1": "Léo", "PARAM_2": "B2"}


@pytest.mark.vcr
def test_bulk_send_xml_flow_with_params(vcr: object) -> None:
    with connect(XML_URL + "&campaign=Soldes") as account:
        result = account.send(
            [{"to": FR, "name": "<Zoé & co>"}, {"to": FR2, "name": "]]>"}],
            "Bonjour {name}",
            sender="Boutique",
        )
    assert result.ok and len(result.receipts) == 2
    data = xmltodict.parse(sms_data(vcr))["DATA"]
    assert data["MESSAGE"] == "Bonjour #param_1#"
    assert data["DYNAMIC"] == "1"
    assert data["CAMPAIGN_NAME"] == "Soldes"
    assert [s["PARAM_1"] for s in data["SMS"]] == ["<Zoé & co>", "]]>"]


@pytest.mark.vcr
def test_send_scheduled_with_every_option(vcr: object) -> None:
    with connect(URL + "?mail_notif=yes&masteraccount=MASTER1") as account:
        result = account.send(
            FR,
            "Rendez-vous demain",
            sender="Clinique",
            schedule=SCHEDULE,
            flash=True,
            client_ref="order-42",
            options={"campaign": "Rappels"},
        )
    assert result.ok and result.scheduled
    assert result.client_ref == "order-42"
    assert result.receipts[0].code == "101"
    assert json.loads(sms_data(vcr))["DATA"] == {
        "MESSAGE": "Rendez-vous demain",
        "TPOA": "Clinique",
        "FLASH": "1",
        "CAMPAIGN_NAME": "Rappels",
        "DATE": "2035-06-01 12:00:00",
        "MAIL_NOTIF": "1",
        "CLIMSGID": "order-42",
        "MASTERACCOUNT": "MASTER1",
        "SMS": [{"MOBILEPHONE": "33612345678"}],
    }


@pytest.mark.vcr
def test_send_invalid_numbers_as_a_list(vcr: object) -> None:
    """invalidNumbers as a JSON list (the doc example shows a string): both are read."""
    with connect(URL) as account:
        result = account.send([FR, FR2], "Hello")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED]


@pytest.mark.vcr
def test_send_reply_silent_about_a_recipient(vcr: object) -> None:
    """A recipient in neither smsIds nor invalidNumbers is UNKNOWN, never assumed sent."""
    with connect(URL) as account:
        result = account.send([FR, FR2], "Hello")
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED, ReceiptStatus.UNKNOWN]


REFUSALS = [
    ("102-bad-credentials", AuthenticationError),
    ("103-no-credit", InsufficientCreditError),
    ("104-not-enough-credit", InsufficientCreditError),
    ("105-empty-flow", InvalidMessageError),
    ("106-invalid-flow", InvalidMessageError),
    ("108-bad-client-code", AuthenticationError),
    ("110-empty-message", InvalidMessageError),
    ("111-too-long", InvalidMessageError),
    ("114-no-valid-number", InvalidRecipientError),
    ("115-bad-date", InvalidMessageError),
    ("117-long-link", InvalidMessageError),
    ("118-unknown-master-account", NotFoundError),
]


@pytest.mark.vcr
@pytest.mark.parametrize(("case", "error"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_send_refused(case: str, error: type[ProviderError]) -> None:
    code = case.split("-")[0]
    with connect(URL) as account, pytest.raises(error) as info:
        account.send(FR, "Hello")
    assert type(info.value) is error
    assert info.value.code == code
    assert info.value.outcome is Outcome.NOT_SENT
    assert info.value.text  # the provider's own wording is kept
    assert info.value.raw is not None and info.value.before_request is False
    if error is InvalidRecipientError:
        assert info.value.recipient == "33612345678"  # type: ignore[attr-defined]


@pytest.mark.vcr
def test_send_refused_undocumented() -> None:
    """116 is in no table: it may be a refusal or not, so the outcome is unknown (no failover)."""
    with connect(URL) as account, pytest.raises(UnreadableReplyError) as info:
        account.send(FR, "Hello")
    assert info.value.outcome is Outcome.UNKNOWN
    assert info.value.code == "116" and info.value.text == "Unknown error."
    assert "Unknown error." in str(info.value)
