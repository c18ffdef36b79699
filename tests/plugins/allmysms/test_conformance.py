"""The core's conformance suite, for provider id ``allmysms``.

The samples are replies from this plugin's cassettes (each cassette names its source); the
suite feeds every operation malformed replies and every mutation of these samples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smsbridge.models import CallbackRequest
from smsbridge.testing import cassette_replies, reply
from smsbridge.testing.conformance import ProviderConformance

from .callback_samples import SAMPLES as CALLBACK_SAMPLES
from .support import API_KEY, FR, FR2, URL

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "allmysms"


def recorded(name: str) -> list[Any]:
    return cassette_replies(CASSETTES / f"{name}.yaml")


# the documented sendSms reply (REFERENCE.md, AllMySMS) for the two recipients of the bulk request
BULK = reply(
    json.dumps(
        {
            "status": 100,
            "statusText": "Your messages have been sent",
            "invalidNumbers": "",
            "campaignId": "api-campaign-1",
            "credits": "340",
            "creditsUsed": "30",
            "nbContacts": "2",
            "nbSms": "2",
            "smsIds": [
                {"phoneNumber": FR[1:], "smsId": "330792bd-8e0b-11e5-bf51-0025907cd72e"},
                {"phoneNumber": FR2[1:], "smsId": "330792be-8e0b-11e5-bf51-0025907cd72e"},
            ],
        }
    ),
    content_type="application/json; charset=utf-8",
)


class TestAllMySmsConformance(ProviderConformance):
    provider_id = "allmysms"
    url = URL + "?sender=Shop"
    secrets = (API_KEY,)
    number = FR
    other_number = FR2
    message_id = "330792bd-8e0b-11e5-bf51-0025907cd72e"
    samples = {
        "send": recorded("test_send/test_send_json_flow"),
        "bulk_send": [BULK],
        "balance": recorded("test_operations/test_balance"),
        "delivery_status": recorded("test_operations/test_delivery_status_by_sms_id"),
        "inbound": recorded("test_operations/test_inbound"),
        "estimate": recorded("test_operations/test_estimate"),
        "admin:deleteCampaign": recorded("test_admin/test_delete_campaign"),
        "admin:getBlacklist": recorded("test_admin/test_get_blacklist"),
        "admin:createSubAccount": recorded("test_admin/test_create_sub_account"),
        "admin:updateSubAccount": recorded("test_admin/test_update_sub_account"),
        "admin:getSubAccounts": recorded("test_admin/test_get_sub_accounts"),
        "admin:manageSubAccountCredits": recorded("test_admin/test_manage_sub_account_credits"),
        "admin:deleteSubAccount": recorded("test_admin/test_delete_sub_account"),
        "admin:getCreditsByCountryIsoCode": recorded("test_admin/test_credits_by_country"),
    }
    admin_params = {  # davaxi/AllMySMS's parameter names
        "deleteCampaign": {"campId": "api-campaign-1"},
        "createSubAccount": {"accountData": {"LOGIN": "shop-lyon", "PASSWORD": "sub-password-1"}},
        "updateSubAccount": {"subAccount": "shop-lyon", "accountData": {"EMAIL": "lyon@example.com"}},
        "manageSubAccountCredits": {"subAccount": "shop-lyon", "credits": 100},
        "deleteSubAccount": {"loginToDelete": "shop-lyon"},
        "getCreditsByCountryIsoCode": {"countryIsoCode": "fr"},
    }
    callbacks = (
        {
            "smsId": "330792bd",
            "phoneNumber": FR[1:],
            "status": "1",
            "statusText": "Delivered",
            "receptionDate": "2024-07-01 10:00:00",
            "campaignId": "c1",
        },
        CallbackRequest(
            method="POST",
            body=json.dumps([{"smsId": "a", "status": 4, "receptionDate": "2024-07-01 10:00:00"}]).encode(),
            headers={"Content-Type": "application/json"},
        ),
    )
    callback_samples = CALLBACK_SAMPLES
