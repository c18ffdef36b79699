"""Admin operations through the real plugins, and a third-party plugin's emulator profile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge import plugins
from smsbridge.errors import PermissionDeniedError
from smsbridge.plugin import EmulatedMessage, EmulatorApi, EmulatorProfile, EmulatorRequest, EmulatorResponse, hookimpl
from smsbridge.testing.devserver import start_dev_server


def test_jormall_token_operations(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("jormall") + "&sender=MyShop")
    token = account.admin("generate_token").data["token"]
    assert token.startswith("dev") and token not in str(smsbridge_dev.messages())


def test_aspsms_admin(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    assert account.admin("CheckOriginatorAuthorization", Originator="+41790000000").data is not None
    with pytest.raises(PermissionDeniedError):  # vouchers are not emulated: ASPSMS's "access denied"
        account.admin("CreateVoucher", NumberOfVouchers=1, AmountCreditsPerVoucher="5")


def test_playsms_account_management_needs_an_admin(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("junubsms"))
    with pytest.raises(PermissionDeniedError):
        account.admin("creditview", data_username="alice")


class EchoProfile(EmulatorProfile):
    """A third-party provider's API: ``POST /echo/send`` with ``to`` and ``text``."""

    id = "echo"
    name = "Echo"
    example_url = "echo://USER:PASS@{host}"

    def matches(self, request: EmulatorRequest) -> bool:
        return request.path == "/echo/send"

    def handle(self, request: EmulatorRequest, api: EmulatorApi) -> EmulatorResponse:
        data = request.json() or {}
        stored = api.store_message(
            EmulatedMessage(provider=self.id, account="echo-user", text=data["text"], recipients=[(data["to"], None)])
        )
        return EmulatorResponse.of_json({"id": stored[0].message_id})


class EchoPlugin:
    @hookimpl
    def smsbridge_emulator_profiles(self) -> list[EmulatorProfile]:
        return [EchoProfile()]


@pytest.fixture
def echo_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    registry = plugins.Registry(entry_points=True)
    registry.register(EchoPlugin(), name="echo")
    monkeypatch.setattr(plugins, "_registry", registry)
    yield


def test_a_third_party_profile_is_served(echo_registry: None) -> None:
    server, client = start_dev_server()
    try:
        assert "echo" in [p["id"] for p in client.providers()["providers"]]
        reply = requests.post(f"{client.base_url}/echo/send", json={"to": "+41790000001", "text": "hi"}, timeout=10)
        assert reply.status_code == 200
        (message,) = client.messages()
        assert message["provider"] == "echo" and message["recipients"][0]["message_id"] == reply.json()["id"]
        assert {"aspsms", "jormall"} <= {p["id"] for p in client.providers()["providers"]}  # the installed ones too
    finally:
        client.close()
        server.stop()
