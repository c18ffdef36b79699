"""The examples of docs/dev-server.md run as written (the ``smsbridge_dev`` fixture section)."""

from __future__ import annotations

from typing import Any

import pytest

import smsbridge
import smsbridge.errors


def test_a_provider_outage(smsbridge_dev: Any) -> None:
    smsbridge_dev.add_fault("http500", provider="aspsms", operation="send", remaining=1)
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    with pytest.raises(smsbridge.errors.SmsBridgeError):  # what your app must handle
        account.send("+41791234567", "Your code is 4242")
    assert account.send("+41791234567", "Your code is 4242").accepted  # the rule fired once
    assert [m["fault"] for m in smsbridge_dev.messages()] == [None, "http500"]  # newest first


def test_the_magic_number_is_delivered(smsbridge_dev: Any) -> None:
    account = smsbridge.connect(smsbridge_dev.account_url("aspsms"))
    account.send("+61491570156", "Your code is 4242")  # magic: delivered at once
    (message,) = smsbridge_dev.wait_for_messages(1)
    assert "code" in message["text"]
    smsbridge_dev.wait_for_status(message["id"], "delivered")
