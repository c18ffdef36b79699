"""Account operations through cassettes: campaigns, blacklist, sub-accounts, prices."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from smsbridge.client import connect
from smsbridge.errors import AuthenticationError, RejectedError

from .support import SUB_PASSWORD, URL


def form(cassette: object) -> dict[str, str]:
    (request,) = [r for r, _ in cassette.data]  # type: ignore[attr-defined]
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    return {k: v[0] for k, v in parse_qs(body).items()}


SUB_ACCOUNT = {"LOGIN": "shop-lyon", "PASSWORD": SUB_PASSWORD, "FIRSTNAME": "Lyon", "LASTNAME": "Shop"}


@pytest.mark.vcr
def test_delete_campaign(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("deleteCampaign", campId="api-campaign-1")
    assert result.data["status"] == "OK"
    assert form(vcr)["campId"] == "api-campaign-1"
    assert vcr.data[0][0].uri == "https://api.allmysms.com/http/9.0/deleteCampaign/"  # type: ignore[attr-defined]


@pytest.mark.vcr
def test_delete_campaign_bad_credentials() -> None:
    with connect(URL) as account, pytest.raises(AuthenticationError):
        account.admin("deleteCampaign", campId="api-campaign-1")


@pytest.mark.vcr
def test_get_blacklist() -> None:
    with connect(URL) as account:
        result = account.admin("getBlacklist")
    assert result.data["blacklist"][0] == {
        "phoneNumber": "33611111111",
        "comment": "stop",
        "receptionDate": "2024-01-10 08:00:00",
    }


@pytest.mark.vcr
def test_create_sub_account(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("createSubAccount", accountData={**SUB_ACCOUNT, "EMAIL": "lyon@example.com"})
    assert result.data["status"] == "1"
    sent = json.loads(form(vcr)["accountData"])["DATA"]
    assert sent["LOGIN"] == "shop-lyon" and sent["EMAIL"] == "lyon@example.com"
    assert sent["PASSWORD"] == "FILTERED"  # a password never lands in a cassette


@pytest.mark.vcr
def test_create_sub_account_refused() -> None:
    with connect(URL) as account, pytest.raises(RejectedError) as info:
        # the CLI form: one text of name=value pairs
        account.admin(
            "createSubAccount",
            accountData=f"LOGIN=shop-lyon&PASSWORD={SUB_PASSWORD}&FIRSTNAME=Lyon&LASTNAME=Shop&EMAIL=lyon%40example.com",
        )
    assert info.value.code == "0" and info.value.text == "This login already exists"
    assert SUB_PASSWORD not in str(info.value)


@pytest.mark.vcr
def test_update_sub_account(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("updateSubAccount", subAccount="shop-lyon", accountData='{"EMAIL": "lyon@example.com"}')
    assert result.data["text"] == "Sub-account successfully updated"
    assert form(vcr)["subAccount"] == "shop-lyon"


@pytest.mark.vcr
def test_get_sub_accounts() -> None:
    with connect(URL) as account:
        result = account.admin("getSubAccounts")
    assert result.data["total"] == 1
    assert result.data["subAccounts"][0]["Login"] == "shop-lyon"


@pytest.mark.vcr
def test_manage_sub_account_credits(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("manageSubAccountCredits", subAccount="shop-lyon", credits=100)
    assert result.data["subAccount"] == [{"Login": "shop-lyon", "Credits": "200"}]
    assert form(vcr) == {
        "login": "FILTERED",
        "apiKey": "FILTERED",
        "subAccount": "shop-lyon",
        "credits": "100",
        "returnformat": "json",
    }


@pytest.mark.vcr
def test_delete_sub_account(vcr: object) -> None:
    with connect(URL) as account:
        assert (
            account.admin("deleteSubAccount", loginToDelete="shop-lyon").data["subAccount"][0]["Login"] == "shop-lyon"
        )
    assert form(vcr)["loginToDelete"] == "shop-lyon"


@pytest.mark.vcr
def test_credits_by_country(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("getCreditsByCountryIsoCode", countryIsoCode="fr")
    assert result.data["credits"] == Decimal("15")
    assert result.data["isoCode"] == "FR"
    assert form(vcr)["countryIsoCode"] == "FR"
