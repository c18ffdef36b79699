"""The conformance suite catches what it promises to catch (issue 13, point 21): a plugin that
reads a reply unguarded fails it, on every operation, with the exception named; a careful
plugin passes it."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import pytest

from smsbridge.config import credential
from smsbridge.errors import AuthenticationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminOperation,
    AdminResult,
    Balance,
    CallbackRequest,
    Capabilities,
    DeliveryReport,
    DeliveryStatus,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SendResult,
)
from smsbridge.replies import json_body, unreadable
from smsbridge.testing import reply
from smsbridge.testing.conformance import ProviderConformance, mutations


@attrs.define(kw_only=True)
class KeyConfig:
    key: str = credential("password")


def make_plugin(provider_id: str, *, careful: bool) -> Any:
    """A JSON provider whose parser is ``careful`` (typed errors) or not: it reads the body with
    ``json_body`` but then ``data["id"]`` unguarded, which the old suite let through."""
    spec = ProviderSpec(
        id=provider_id,
        config_class=KeyConfig,
        default_host=f"api.{provider_id}.example",
        secret_fields=("key",),
        capabilities=Capabilities(
            balance=True,
            delivery_status=True,
            callbacks=True,
            admin_operations=(AdminOperation("ping"),),
        ),
    )

    def read(ctx: Any, path: str) -> tuple[Any, Any]:
        raw = ctx.http.request("POST", ctx.url(path), json={"key": ctx.config.key})
        data = json_body(raw, ctx.provider)  # HTML, empty, truncated, not an object: typed either way
        if data.get("error") == "bad_key":
            raise AuthenticationError("refused", provider=ctx.provider, raw=raw)
        return data, raw

    def field(data: Any, name: str, raw: Any, ctx: Any) -> str:
        value = data.get(name) if careful else data[name]
        if careful and (not isinstance(value, (str, int)) or isinstance(value, bool) or value == ""):
            raise unreadable(raw, ctx.provider, f"no usable {name!r}")
        return str(value)

    class Plugin:
        @hookimpl
        def smsbridge_providers(self) -> list[ProviderSpec]:
            return [spec]

        @hookimpl
        def smsbridge_send(self, ctx: Any, message: Message) -> SendResult:
            data, raw = read(ctx, "/send")
            (recipient,) = message.recipients
            receipt = Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=field(data, "id", raw, ctx))
            return SendResult(provider=ctx.provider, receipts=(receipt,), raw=raw)

        @hookimpl
        def smsbridge_balance(self, ctx: Any) -> Balance:
            data, raw = read(ctx, "/balance")
            text = field(data, "credits", raw, ctx)
            try:
                amount = Decimal(text)
            except InvalidOperation:
                if not careful:
                    raise
                raise unreadable(raw, ctx.provider, "credits is not a number") from None
            if careful and not amount.is_finite():
                raise unreadable(raw, ctx.provider, "credits is not a finite number")
            return Balance(amount, provider=ctx.provider, raw=raw)

        @hookimpl
        def smsbridge_delivery_status(self, ctx: Any, message_ids: list[str]) -> list[DeliveryReport]:
            data, raw = read(ctx, "/status")
            return [DeliveryReport(field(data, "id", raw, ctx), DeliveryStatus.DELIVERED, provider=ctx.provider)]

        @hookimpl
        def smsbridge_parse_callback(self, ctx: Any, request: CallbackRequest) -> list[DeliveryReport]:
            value = request.query.get("id") if careful else request.query["id"]
            if not value:
                raise unreadable(reply(""), ctx.provider, "not a callback")
            return [DeliveryReport(value, DeliveryStatus.DELIVERED, provider=ctx.provider)]

        @hookimpl
        def smsbridge_admin(self, ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult:
            data, raw = read(ctx, "/ping")
            return AdminResult(operation, {"pong": field(data, "pong", raw, ctx)}, provider=ctx.provider)

    return Plugin()


def suite_for(provider_id: str) -> ProviderConformance:
    class Suite(ProviderConformance):
        pass

    Suite.provider_id = provider_id
    Suite.url = f"{provider_id}://:secret-key-1@default"
    Suite.secrets = ("secret-key-1",)
    Suite.number = "+41791234567"
    Suite.samples = {
        "send": [reply('{"id": "m-1"}', content_type="application/json")],
        "balance": [reply('{"credits": "12.5"}', content_type="application/json")],
        "delivery_status": [reply('{"id": "m-1", "state": "delivered"}', content_type="application/json")],
        "admin:ping": [reply('{"pong": "yes"}', content_type="application/json")],
    }
    Suite.callbacks = ({"id": "m-1"},)
    return Suite()


@pytest.fixture
def sloppy(registry: Any) -> ProviderConformance:
    registry.register(make_plugin("sloppy", careful=False), name="sloppy")
    return suite_for("sloppy")


@pytest.fixture
def careful(registry: Any) -> ProviderConformance:
    registry.register(make_plugin("careful", careful=True), name="careful")
    return suite_for("careful")


def test_the_samples_of_both_plugins_are_valid(sloppy: ProviderConformance, careful: ProviderConformance) -> None:
    sloppy.test_samples_cover_every_operation()
    sloppy.test_samples_are_read_as_valid()
    careful.test_samples_are_read_as_valid()


def test_an_unguarded_parser_fails_on_malformed_replies(sloppy: ProviderConformance) -> None:
    with pytest.raises(AssertionError, match="failure"):
        sloppy.test_malformed_replies_on_every_operation()
    text = "\n".join(sloppy.malformed_reply_failures())
    for expected in (
        "send / empty_object at request 1: KeyError: 'id'",
        "balance / empty_object at request 1: KeyError: 'credits'",
        "delivery_status / empty_object at request 1: KeyError",
        "admin:ping / empty_object at request 1: KeyError: 'pong'",
        "send / object_of_nulls at request 1: reported ACCEPTED",  # str(None) is no message id
        "balance / object_of_wrong_types at request 1: KeyError",
    ):
        assert expected in text, text


def test_an_unguarded_parser_fails_on_mutated_samples(sloppy: ProviderConformance) -> None:
    with pytest.raises(AssertionError, match="failure"):
        sloppy.test_mutated_samples_on_every_operation()
    text = "\n".join(sloppy.mutated_sample_failures())
    assert "balance / request 1 credits=superscript_digits: InvalidOperation" in text, text
    assert "send / request 1 drop id: KeyError: 'id'" in text, text
    with pytest.raises(AssertionError, match="KeyError: 'id'"):
        sloppy.test_malformed_callbacks()


def test_a_careful_parser_passes(careful: ProviderConformance) -> None:
    careful.test_malformed_replies_on_every_operation()
    careful.test_mutated_samples_on_every_operation()
    careful.test_malformed_callbacks()


def test_a_result_of_the_wrong_shape_fails(registry: Any) -> None:
    """A balance of infinity is no balance: the suite checks results, not only exceptions."""
    registry.register(make_plugin("lax", careful=False), name="lax")
    suite = suite_for("lax")
    _, result, problem = suite._run("balance", lambda a: a.balance(), [reply('{"credits": "Infinity"}')])
    assert isinstance(result, Balance) and problem == "balance amount Decimal('Infinity') is not a finite Decimal"


def test_mutations_cover_every_field_and_kind() -> None:
    sample = reply('{"status": "OK", "data": [{"id": "1", "n": 2}]}', content_type="application/json")
    found = dict(mutations(sample))
    for what in (
        "drop status",
        "status=null",
        "data=object",
        "data[0].id=huge_digits",
        "data[0].n=huge_int",
        "data[0].n=infinite",
        "data[0].id=superscript_digits",
        "truncated",
    ):
        assert what in found, sorted(found)
    assert found["data[0].n=huge_int"].body.count("9") == 5000
    assert json.loads(found["drop status"].body) == {"data": [{"id": "1", "n": 2}]}
    text = dict(mutations(reply("MsgID = 42861935")))
    assert text["number 0=superscript"].body == "MsgID = ²²²"
    assert "truncated to 1/2" in text
