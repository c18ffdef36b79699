"""A fake provider for the command-line tests.

``clifake://USER:PASSWORD@default`` is an in-process provider with credentials and every
optional operation, so the CLI's handling of secrets, costs, inbound messages, typed admin
parameters and interruptions can be tested without any real plugin.  Its behaviour is driven
through the ``FAKE`` object (reset for every test).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
from decimal import Decimal
from typing import Any

import attrs

from smsbridge import hookimpl
from smsbridge.config import credential
from smsbridge.errors import RejectedError
from smsbridge.models import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Balance,
    Capabilities,
    DeliveryReport,
    DeliveryStatus,
    Estimate,
    InboundMessage,
    Message,
    ProviderSpec,
    Receipt,
    ReceiptStatus,
    SenderRule,
    SendResult,
)
from smsbridge.text import analyze

SECRET_USER = "cli-user-4711"
SECRET_PASSWORD = "pa55-W0rd-s3cret"
FAKE_URL = f"clifake://{SECRET_USER}:{SECRET_PASSWORD}@default"

log = logging.getLogger("smsbridge.clifake")


@attrs.define
class FakeBehaviour:
    """What the fake provider does; tests set these fields."""

    sent: list[tuple[str, str]] = attrs.field(factory=list)  # (number, text) it took
    requests: int = 0
    sigint_at_request: int | None = None  # deliver SIGINT to this process during request N
    signal_at_request: tuple[int, int] | None = None  # (N, signal): deliver it during request N
    keyboard_interrupt_at_request: int | None = None  # raise KeyboardInterrupt in request N, after taking it
    leak_secret_in_error: bool = False  # a careless plugin putting the password in an error text
    bug_in_balance: bool = False  # a plugin bug: an exception outside the smsbridge error tree


FAKE = FakeBehaviour()


@attrs.define(kw_only=True)
class FakeConfig:
    user: str = credential("user")
    password: str = credential("password")


FAKE_SPEC = ProviderSpec(
    id="clifake",
    config_class=FakeConfig,
    default_host="api.clifake.example",
    description="Fake provider of the CLI tests.",
    secret_fields=("password",),
    capabilities=Capabilities(
        max_recipients=2,
        max_text_length=500,
        sender=SenderRule(min_length=3, max_length=11, numeric_allowed=False),
        bulk_send=True,
        balance=True,
        delivery_status=True,
        inbound=True,
        estimate=True,
        admin_operations=(
            AdminOperation(
                "topup",
                "Add credit.",
                (
                    AdminParam("amount", "decimal", required=True, description="how much"),
                    AdminParam("notify", "bool"),
                    AdminParam("tags", "list"),
                ),
            ),
        ),
    ),
)


class FakePlugin:
    """Hook implementations of ``clifake``."""

    @hookimpl
    def smsbridge_providers(self) -> list[ProviderSpec]:
        return [FAKE_SPEC]

    @hookimpl
    def smsbridge_check_recipient(self, ctx: Any, number: str) -> str | None:
        return "00" + number[1:]  # this provider wants 00-prefixed numbers

    @hookimpl
    def smsbridge_bulk_send(self, ctx: Any, message: Message) -> SendResult:
        FAKE.requests += 1
        log.debug("request %d with password %s", FAKE.requests, ctx.config.password)
        if FAKE.leak_secret_in_error:
            raise RejectedError(f"account {ctx.config.user} / {ctx.config.password} refused", provider="clifake")
        receipts = []
        for recipient in message.recipients:
            FAKE.sent.append((recipient.number, message.text_for(recipient)))
            receipts.append(
                Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=f"f-{len(FAKE.sent)}", provider="clifake")
            )
        if FAKE.sigint_at_request == FAKE.requests:
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C now
        if FAKE.signal_at_request is not None and FAKE.signal_at_request[0] == FAKE.requests:
            os.kill(os.getpid(), FAKE.signal_at_request[1])
        if FAKE.keyboard_interrupt_at_request == FAKE.requests:
            raise KeyboardInterrupt  # Ctrl-C before the reply was read: the messages were taken
        return SendResult(provider="clifake", receipts=tuple(receipts))

    @hookimpl
    def smsbridge_balance(self, ctx: Any) -> Balance:
        if FAKE.bug_in_balance:
            raise KeyError(f"no field for {ctx.config.password}")
        return Balance(amount=Decimal("12.50"), unit="CHF", provider="clifake")

    @hookimpl
    def smsbridge_delivery_status(self, ctx: Any, message_ids: list[str]) -> list[DeliveryReport]:
        return [
            DeliveryReport(
                message_id=mid,
                status=DeliveryStatus.DELIVERED,
                recipient="+41791234567",
                provider_code="0",
                provider_text="[bold]delivered[/bold]",
                updated_at=dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.timezone.utc),
                provider="clifake",
            )
            for mid in message_ids
        ]

    @hookimpl
    def smsbridge_inbound(self, ctx: Any, query: Any) -> list[InboundMessage]:
        messages = [
            InboundMessage(
                id="7", sender="+41791234567", text="", recipient="+41790000000", keyword="STOP", provider="clifake"
            ),
            InboundMessage(id="8", sender="+41791234568", text="Yes please", provider="clifake"),
        ]
        if query.since_id:
            messages = [m for m in messages if int(m.id) > int(query.since_id)]
        return messages[: query.limit] if query.limit else messages

    @hookimpl
    def smsbridge_estimate(self, ctx: Any, message: Message) -> Estimate:
        info = analyze(message.text)
        return Estimate(
            text=info,
            recipients=len(message.recipients),
            segments_total=info.segments * len(message.recipients),
            provider_cost=Decimal("0.07") * info.segments * len(message.recipients),
            cost_unit="CHF",
            provider_segments=info.segments,
        )

    @hookimpl
    def smsbridge_admin(self, ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult:
        return AdminResult(
            operation,
            {"types": {k: type(v).__name__ for k, v in params.items()}, "echo": {k: str(v) for k, v in params.items()}},
            provider="clifake",
        )


# ---------------------------------------------------------------------------- an HTTP provider


ACME_KEY = "acme-K3y-0123456789"
ACME_URL = f"acmecli://:{ACME_KEY}@default?sender=Shop"


@attrs.define(kw_only=True)
class AcmeConfig:
    api_key: str = credential("password")


ACME_SPEC = ProviderSpec(
    id="acmecli",
    config_class=AcmeConfig,
    default_host="api.acmecli.example",
    description="JSON-over-HTTPS provider of the CLI tests (replayed from cassettes).",
    secret_fields=("key",),
    capabilities=Capabilities(max_recipients=1, max_text_length=612, balance=True),
)


class AcmePlugin:
    """A real HTTP provider in miniature: requests go through the account's transport."""

    @hookimpl
    def smsbridge_providers(self) -> list[ProviderSpec]:
        return [ACME_SPEC]

    def _call(self, ctx: Any, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        from smsbridge.errors import AuthenticationError
        from smsbridge.replies import json_body

        reply = ctx.http.request("POST", ctx.url(path), json={"key": ctx.config.api_key, **payload})
        data: dict[str, Any] = json_body(reply, ctx.provider)
        if data.get("error") == "bad_key":
            raise AuthenticationError(
                f"the API key was refused: {reply.body}", provider=ctx.provider, code="bad_key", raw=reply
            )
        return data

    @hookimpl
    def smsbridge_send(self, ctx: Any, message: Message) -> SendResult:
        (recipient,) = message.recipients
        data = self._call(ctx, "/v1/send", {"to": recipient.number[1:], "text": message.text, "from": message.sender})
        receipt = Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=str(data["id"]), provider=ctx.provider)
        return SendResult(provider=ctx.provider, receipts=(receipt,))

    @hookimpl
    def smsbridge_balance(self, ctx: Any) -> Balance:
        data = self._call(ctx, "/v1/balance", {})
        return Balance(amount=Decimal(str(data["credits"])), unit="credits", provider=ctx.provider)
