"""The JorMall provider: its declaration and the smsbridge hooks (thin; the work is in ``wire``).

Entry point of the ``smsbridge-jormall`` distribution.  Cheap to import: xmltodict is only
imported when a reply or a ``msgs`` document needs it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from smsbridge import hookimpl
from smsbridge.errors import InvalidMessageError, InvalidRecipientError, InvalidSenderError, UnsupportedOperationError
from smsbridge.models import (
    AdminOperation,
    AdminResult,
    Balance,
    Capabilities,
    Message,
    ProviderSpec,
    RawReply,
    Receipt,
    ReceiptStatus,
    Recipient,
    SenderRule,
    SendResult,
)
from smsbridge_jormall import routes, tokens
from smsbridge_jormall.config import GATEWAYS, JorMallConfig
from smsbridge_jormall.wire import (
    bulk_fields,
    interpret,
    msgs_document,
    msgs_fields,
    parse_balance,
    single_fields,
)

__all__ = ["MESSAGE_OPTIONS", "SPEC"]

#: per-message options (``send(..., options={...})``) and what they do
MESSAGE_OPTIONS = {"gateway": "otp or general: overrides the account's gateway for this message"}

#: the sender limit of the document: "can't be more than 11 characters including spaces"
MAX_SENDER = 11

_JO_MOBILE = re.compile(r"\+9627[789][0-9]{7}")

SPEC = ProviderSpec(
    id="jormall",
    config_class=JorMallConfig,
    default_host="www.josms.net",
    known_hosts=("josms.net", "josmsservice.com"),  # the same service on both (REFERENCE.md)
    description="JorMall (josms.net), Jordan: OTP and General gateways, bulk up to 120 numbers",
    default_region="JO",
    # accname is not a secret value, but re-recorded cassettes should not publish it either
    secret_fields=("accpass", "accname", "authorization"),
    capabilities=Capabilities(
        max_recipients=120,
        max_text_length=800,  # the cap one public client applies (REFERENCE.md); JorMall states none
        sender=SenderRule(
            min_length=1,
            max_length=MAX_SENDER,
            numeric_max_length=MAX_SENDER,
            required=True,
            description="registered with JorMall; 11 characters at most, spaces included",
        ),
        send=True,
        bulk_send=True,
        balance=True,
        delivery_status=False,  # JorMall documents no delivery-status operation
        unicode=True,
        templating=True,  # the msgs form carries a text per recipient (token accounts only)
        deduplicates=True,  # SendSMS ignores a repeated id (token accounts only)
        admin_operations=(
            AdminOperation("generate_token", "Generate a new bearer token (GenerateToken) and use it from now on."),
            AdminOperation("get_token", "Read the account's bearer token (GetToken) and use it from now on."),
        ),
    ),
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


@hookimpl
def smsbridge_check_recipient(ctx: Any, number: str) -> str | None:
    """Jordanian mobiles only: ``+9627[789]XXXXXXX``, sent as ``9627...``."""
    if isinstance(number, str) and _JO_MOBILE.fullmatch(number):
        return number[1:]
    raise InvalidRecipientError(
        f"{number}: JorMall takes Jordanian mobile numbers only (+9627[789] and 7 digits)",
        recipient=number,
        provider=ctx.provider,
        before_request=True,
        hint="write it as +9627XXXXXXXX, 009627XXXXXXXX or 07XXXXXXXX",
    )


# ---------------------------------------------------------------------------- sending


@hookimpl
def smsbridge_send(ctx: Any, message: Message) -> SendResult:
    if len(message.recipients) != 1:
        raise InvalidMessageError("a single send takes exactly one recipient", provider=ctx.provider)
    recipient = message.recipients[0]
    gateway = _gateway(ctx, message.options)
    sender = _sender(ctx, message.sender)
    text = _checked_text(ctx, message.text_for(recipient))
    number = _wire(ctx, recipient.number)
    client_ref = message.client_ref or uuid.uuid4().hex[:20]
    config: JorMallConfig = ctx.config
    url = ctx.url(routes.single_path(config.auth, config.api_kind, gateway))

    def read(reply: RawReply) -> str:
        return interpret(reply, provider=ctx.provider, expect="msgid", recipient=recipient.number)

    if config.uses_token:
        fields = single_fields(number=number, text=text, sender=sender, client_ref=client_ref, password_route=False)
        msg_id, reply = tokens.authorised(ctx, _caller(ctx, config.api_kind == "asmx", url, fields), read)
        route = f"{config.api_kind}-token"
    else:
        fields = single_fields(
            number=number,
            text=text,
            sender=sender,
            client_ref=client_ref,
            password_route=True,
            accname=config.accname,
            accpass=config.accpass,
        )
        reply = ctx.http.request("GET", url, params=fields)
        msg_id = read(reply)
        route = "rest-password"
    receipt = Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=msg_id, provider=ctx.provider)
    return SendResult(
        provider=ctx.provider,
        receipts=(receipt,),
        raw=reply,
        client_ref=client_ref,
        details={"route": route, "gateway": gateway},
    )


@hookimpl
def smsbridge_bulk_send(ctx: Any, message: Message) -> SendResult:
    """One request for 1..120 recipients: SendBulkMessages3 for one shared text, ``msgs`` otherwise.

    Neither reply names recipients: every recipient of an accepted request carries the one
    ``MsgID`` as its message id.
    """
    gateway = _gateway(ctx, message.options)
    sender = _sender(ctx, message.sender)
    config: JorMallConfig = ctx.config
    numbers = [_wire(ctx, r.number) for r in message.recipients]
    texts = [_checked_text(ctx, _bulk_text(ctx, message, r)) for r in message.recipients]

    def read(reply: RawReply) -> str:
        return interpret(reply, provider=ctx.provider, expect="msgid", bulk=True)

    if len(set(texts)) <= 1:
        text = texts[0] if texts else message.text
        if config.uses_token:
            fields = bulk_fields(numbers=numbers, text=text, sender=sender, password_route=False)
            msg_id, reply = tokens.authorised(ctx, _caller(ctx, False, ctx.url(routes.BULK_TOKEN), fields), read)
            route = "bulk-token"
        else:
            fields = bulk_fields(
                numbers=numbers,
                text=text,
                sender=sender,
                password_route=True,
                accname=config.accname,
                accpass=config.accpass,
            )
            reply = ctx.http.request("GET", ctx.url(routes.BULK_PASSWORD), params=fields)
            msg_id = read(reply)
            route = "bulk-password"
    else:
        if not config.uses_token:  # the core groups by text for these accounts (templating=False)
            raise InvalidMessageError(
                "per-recipient texts need auth=token (the msgs form)", provider=ctx.provider, before_request=True
            )
        document = msgs_document(list(zip(numbers, texts, strict=True)), provider=ctx.provider)
        fields = msgs_fields(numbers=numbers, sender=sender, document=document)
        url = ctx.url(routes.single_path("token", "asmx", gateway))
        msg_id, reply = tokens.authorised(ctx, _caller(ctx, True, url, fields), read)
        route = "msgs-token"
    receipts = tuple(
        Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=msg_id, provider=ctx.provider) for r in message.recipients
    )
    return SendResult(
        provider=ctx.provider,
        receipts=receipts,
        raw=reply,
        details={"route": route, "gateway": gateway, "requests": 1},
    )


def _caller(ctx: Any, post: bool, url: str, fields: list[tuple[str, str]]) -> Callable[[str], RawReply]:
    """A request with a given token: POSTed form (ASMX) or GET query (REST and .cfm)."""

    def call(token: str) -> RawReply:
        if post:
            reply: RawReply = ctx.http.request("POST", url, data=fields, headers=tokens.headers(token))
        else:
            reply = ctx.http.request("GET", url, params=fields, headers=tokens.headers(token))
        return reply

    return call


# ---------------------------------------------------------------------------- checks before a request


def _gateway(ctx: Any, options: Mapping[str, Any]) -> str:
    unknown = sorted(set(options) - set(MESSAGE_OPTIONS))
    if unknown:
        raise InvalidMessageError(
            f"unknown message option(s) {', '.join(map(str, unknown))}; JorMall takes: {', '.join(MESSAGE_OPTIONS)}",
            provider=ctx.provider,
            before_request=True,
        )
    gateway = options.get("gateway", ctx.config.gateway)
    if gateway not in GATEWAYS:
        raise InvalidMessageError(
            f"message option gateway={gateway!r}: use one of {', '.join(GATEWAYS)}",
            provider=ctx.provider,
            before_request=True,
        )
    return str(gateway)


def _sender(ctx: Any, sender: str | None) -> str:
    # the core has checked the rule (required, 1-11 characters) before any hook runs
    if not sender:
        raise InvalidSenderError(
            "JorMall needs a sender id on every message", provider=ctx.provider, before_request=True
        )
    return sender


def _checked_text(ctx: Any, text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessageError(
            "the text holds a lone surrogate, which cannot be sent", provider=ctx.provider, before_request=True
        ) from None
    return text


def _bulk_text(ctx: Any, message: Message, recipient: Recipient) -> str:
    """A recipient's text, by the core's rule (``Message.text_for``), so templating here
    changes nothing for the user.  Accounts without ``templating`` (``auth=password``) get
    texts the core already rendered.
    """
    templating = ctx.capabilities.templating if ctx.capabilities is not None else ctx.spec.capabilities.templating
    if not templating:
        return message.text
    try:
        return message.text_for(recipient)
    except (KeyError, ValueError, IndexError) as exc:
        raise InvalidMessageError(
            f"the text is not a valid template for {recipient.number} ({type(exc).__name__}: {exc})",
            provider=ctx.provider,
            before_request=True,
        ) from None


def _wire(ctx: Any, number: str) -> str:
    wire = smsbridge_check_recipient(ctx, number)
    assert wire is not None
    return wire


# ---------------------------------------------------------------------------- other operations


@hookimpl
def smsbridge_balance(ctx: Any) -> Balance:
    """GetBalance answers an integer in double quotes (``"9994"``); its unit is not documented."""
    config: JorMallConfig = ctx.config
    reply = ctx.http.request(
        "GET", ctx.url(routes.BALANCE), params=[("AccName", config.accname), ("AccPass", config.accpass)]
    )
    value = interpret(reply, provider=ctx.provider, expect="balance")
    return Balance(amount=parse_balance(value), unit="credits", provider=ctx.provider, raw=reply)


@hookimpl
def smsbridge_emulator_profiles() -> list[Any]:
    from smsbridge_jormall import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


@hookimpl
def smsbridge_admin(ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult:
    paths = {"generate_token": routes.GENERATE_TOKEN, "get_token": routes.GET_TOKEN}
    if operation not in paths:
        raise UnsupportedOperationError(f"JorMall has no operation {operation!r}", provider=ctx.provider)
    token, reply = tokens.fetch(ctx, paths[operation])
    return AdminResult(operation, {"token": token}, provider=ctx.provider, raw=reply)
