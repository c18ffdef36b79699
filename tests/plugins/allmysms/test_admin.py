"""Account operations through cassettes: campaigns, blacklist, sub-accounts, prices."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from smsbridge.connection import connect
from smsbridge.errors import AuthenticationError, RejectedError

from .support import SUB_PASSWORD, URL


def form(cassette: object) -> dict[str, str]:
    (request,) = [r for r, _ in cassette.data]  # type: ignore[attr-defined]
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    return {k: v[0] for k, v in parse_qs(body).items()}


@pytest.mark.vcr
def test_delete_campaign(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("deleteCampaign", campaignId="api-campaign-1")
    assert result.data["status"] == "OK"
    assert form(vcr)["campaignId"] == "api-campaign-1"
    assert vcr.data[0][0].uri == "https://api.allmysms.com/http/9.0/deleteCampaign/"  # type: ignore[attr-defined]


@pytest.mark.vcr
def test_delete_campaign_bad_credentials() -> None:
    with connect(URL) as account, pytest.raises(AuthenticationError):
        account.admin("deleteCampaign", campaignId="api-campaign-1")


@pytest.mark.vcr
def test_get_blacklist() -> None:
    with connect(URL) as account:
        result = account.admin("getBlacklist")
    assert result.data["blacklist"][0]["phoneNumber"] == "33611111111"


@pytest.mark.vcr
def test_create_sub_account(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("createSubAccount", fields={"subLogin": "shop-lyon", "subPassword": SUB_PASSWORD})
    assert result.data["status"] == "1"
    sent = form(vcr)
    assert sent["subLogin"] == "shop-lyon"
    assert sent["subPassword"] == "FILTERED"  # a password-like field never lands in a cassette


@pytest.mark.vcr
def test_create_sub_account_refused() -> None:
    with connect(URL) as account, pytest.raises(RejectedError) as info:
        account.admin("createSubAccount", fields="subLogin=shop-lyon")
    assert info.value.code == "0" and info.value.text == "This login already exists"


@pytest.mark.vcr
def test_update_sub_account() -> None:
    with connect(URL) as account:
        assert account.admin("updateSubAccount", fields="subLogin=shop-lyon&email=lyon%40example.com").data


@pytest.mark.vcr
def test_get_sub_accounts() -> None:
    with connect(URL) as account:
        result = account.admin("getSubAccounts")
    assert result.data["items"][0]["login"] == "shop-lyon"


@pytest.mark.vcr
def test_manage_sub_account_credits(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("manageSubAccountCredits", fields={"subLogin": "shop-lyon", "credits": 100})
    assert result.data["status"] == "1"
    assert form(vcr)["credits"] == "100"


@pytest.mark.vcr
def test_delete_sub_account() -> None:
    with connect(URL) as account:
        assert account.admin("deleteSubAccount", fields={"subLogin": "shop-lyon"}).data["status"] == "1"


@pytest.mark.vcr
def test_credits_by_country(vcr: object) -> None:
    with connect(URL) as account:
        result = account.admin("getCreditsByCountryIsoCode", isoCode="fr")
    assert result.data["credits"] == Decimal("15")
    assert result.data["isoCode"] == "FR"
    assert form(vcr)["isoCode"] == "FR"
