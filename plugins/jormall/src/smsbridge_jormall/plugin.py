"""The JorMall provider: its declaration and the smsbridge hooks (thin; the work is in ``wire``).

Entry point of the ``smsbridge-jormall`` distribution.  Cheap to import: xmltodict is only
imported when a reply or a ``msgs`` document needs it.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.plugin import (
    AdminOperation,
    AdminResult,
    Answer,
    Balance,
    Capabilities,
    EmulatorProfile,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidSenderError,
    Message,
    ProviderContext,
    ProviderSpec,
    RawReply,
    Receipt,
    ReceiptStatus,
    Recipient,
    SenderRule,
    SendResult,
    UnsupportedOperationError,
    before_request,
    check_options,
    hookimpl,
)
from smsbridge_jormall import routes, tokens
from smsbridge_jormall.config import GATEWAYS, JorMallConfig
from smsbridge_jormall.wire import bulk_fields, interpret, msgs_document, msgs_fields, parse_balance, single_fields

__all__ = [
    "MESSAGE_OPTIONS",
    "SPEC",
    "smsbridge_adjust_capabilities",
    "smsbridge_admin",
    "smsbridge_balance",
    "smsbridge_bulk_send",
    "smsbridge_check_recipient",
    "smsbridge_emulator_profiles",
    "smsbridge_providers",
    "smsbridge_send",
]

Ctx = ProviderContext[JorMallConfig]

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
def smsbridge_adjust_capabilities(config: JorMallConfig, caps: Capabilities) -> Capabilities:
    """The password routes have no per-recipient ``msgs`` form and no documented ``id``.

    They still receive an ``id`` (harmless if ignored), but smsbridge does not rely on it
    to retry after an unknown outcome.
    """
    return caps if config.uses_token else attrs.evolve(caps, templating=False, deduplicates=False)


@hookimpl
def smsbridge_check_recipient(ctx: Ctx, number: str) -> str | None:
    """Jordanian mobiles only: ``+9627[789]XXXXXXX``, sent as ``9627...``."""
    if isinstance(number, str) and _JO_MOBILE.fullmatch(number):
        return number[1:]
    raise before_request(
        InvalidRecipientError,
        f"{number}: JorMall takes Jordanian mobile numbers only (+9627[789] and 7 digits)",
        recipient=number,
        hint="write it as +9627XXXXXXXX, 009627XXXXXXXX or 07XXXXXXXX",
    )


# ---------------------------------------------------------------------------- sending


@hookimpl
def smsbridge_send(ctx: Ctx, message: Message) -> SendResult:
    if len(message.recipients) != 1:
        raise InvalidMessageError("a single send takes exactly one recipient")
    recipient = message.recipients[0]
    gateway, sender = _gateway(ctx, message.options), _sender(message.sender)
    text = _checked_text(message.text_for(recipient))
    number = _wire(ctx, recipient)
    client_ref = message.client_ref or uuid.uuid4().hex[:20]
    config = ctx.config
    url = ctx.url(routes.single_path(config.auth, config.api_kind, gateway))

    read = functools.partial(interpret, provider=ctx.provider, expect="msgid", recipient=recipient.number)
    fields = single_fields(number=number, text=text, sender=sender, client_ref=client_ref, login=_login(config))
    answer = _exchange(ctx, config.api_kind == "asmx", url, fields, read)
    route = f"{config.api_kind}-token" if config.uses_token else "rest-password"
    receipt = Receipt(recipient.number, ReceiptStatus.ACCEPTED, message_id=answer.data)
    details = {"route": route, "gateway": gateway}
    return SendResult(
        provider=ctx.provider, receipts=(receipt,), raw=answer.raw, client_ref=client_ref, details=details
    )


@hookimpl
def smsbridge_bulk_send(ctx: Ctx, message: Message) -> SendResult:
    """One request for 1..120 recipients: SendBulkMessages3 for one shared text, ``msgs`` otherwise.

    Neither reply names recipients: every recipient of an accepted request carries the one
    ``MsgID`` as its message id.
    """
    gateway, sender, config = _gateway(ctx, message.options), _sender(message.sender), ctx.config
    numbers = [_wire(ctx, r) for r in message.recipients]
    texts = [_checked_text(_bulk_text(ctx, message, r)) for r in message.recipients]

    read = functools.partial(interpret, provider=ctx.provider, expect="msgid", bulk=True)
    if len(set(texts)) <= 1:
        text = texts[0] if texts else message.text
        fields = bulk_fields(numbers=numbers, text=text, sender=sender, login=_login(config))
        url = ctx.url(routes.BULK_TOKEN if config.uses_token else routes.BULK_PASSWORD)
        answer = _exchange(ctx, False, url, fields, read)
        route = "bulk-token" if config.uses_token else "bulk-password"
    else:
        if not config.uses_token:  # the core groups by text for these accounts (templating=False)
            raise before_request(InvalidMessageError, "per-recipient texts need auth=token (the msgs form)")
        document = msgs_document(list(zip(numbers, texts, strict=True)))
        fields = msgs_fields(numbers=numbers, sender=sender, document=document)
        answer = _exchange(ctx, True, ctx.url(routes.single_path("token", "asmx", gateway)), fields, read)
        route = "msgs-token"
    receipts = tuple(Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=answer.data) for r in message.recipients)
    details = {"route": route, "gateway": gateway, "requests": 1}
    return ctx.result(receipts, raw=answer.raw, details=details)


def _login(config: JorMallConfig) -> tuple[str, str] | None:
    """The account name and password the older password routes take in every request."""
    return None if config.uses_token else (config.accname, config.accpass)


def _exchange(ctx: Ctx, post: bool, url: str, fields: list[tuple[str, str]], read: Callable[[RawReply], str]) -> Answer:
    """One request and its value: with the account's bearer token (renewed once if refused),
    POSTed (ASMX) or as a GET query (REST and .cfm); the password routes are GET only."""
    if not ctx.config.uses_token:
        reply = ctx.http.request("GET", url, params=fields)
        return Answer(read(reply), reply)

    def call(token: str) -> RawReply:
        if post:
            return ctx.http.request("POST", url, data=fields, headers=tokens.headers(token))
        return ctx.http.request("GET", url, params=fields, headers=tokens.headers(token))

    return tokens.authorised(ctx, call, read)


# ---------------------------------------------------------------------------- checks before a request


def _gateway(ctx: Ctx, options: Mapping[str, Any]) -> str:
    check_options(options, MESSAGE_OPTIONS, provider="JorMall")
    gateway = options.get("gateway", ctx.config.gateway)
    if gateway not in GATEWAYS:
        raise before_request(
            InvalidMessageError, f"message option gateway={gateway!r}: use one of {', '.join(GATEWAYS)}"
        )
    return str(gateway)


def _sender(sender: str | None) -> str:
    # the core has checked the rule (required, 1-11 characters) before any hook runs
    if not sender:
        raise before_request(InvalidSenderError, "JorMall needs a sender id on every message")
    return sender


def _checked_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise before_request(InvalidMessageError, "the text holds a lone surrogate, which cannot be sent") from None
    return text


def _bulk_text(ctx: Ctx, message: Message, recipient: Recipient) -> str:
    """A recipient's text, by the core's rule (``Message.text_for``), so templating here
    changes nothing for the user.  Accounts without ``templating`` (``auth=password``) get
    texts the core already rendered.
    """
    if not (ctx.capabilities or ctx.spec.capabilities).templating:
        return message.text
    try:
        return message.text_for(recipient)
    except (KeyError, ValueError, IndexError) as exc:
        raise before_request(
            InvalidMessageError,
            f"the text is not a valid template for {recipient.number} ({type(exc).__name__}: {exc})",
        ) from None


def _wire(ctx: Ctx, recipient: Recipient) -> str:
    """The number as ``smsbridge_check_recipient`` made it when the core validated it."""
    return recipient.wire or str(smsbridge_check_recipient(ctx, recipient.number))


# ---------------------------------------------------------------------------- other operations


@hookimpl
def smsbridge_balance(ctx: Ctx) -> Balance:
    """GetBalance answers an integer in double quotes (``"9994"``); its unit is not documented."""
    params = [("AccName", ctx.config.accname), ("AccPass", ctx.config.accpass)]
    reply = ctx.http.request("GET", ctx.url(routes.BALANCE), params=params)
    value = interpret(reply, provider=ctx.provider, expect="balance")
    return Balance(amount=parse_balance(value), unit="credits", raw=reply)


@hookimpl
def smsbridge_emulator_profiles() -> list[EmulatorProfile]:
    from smsbridge_jormall import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


@hookimpl
def smsbridge_admin(ctx: Ctx, operation: str, params: dict[str, Any]) -> AdminResult:
    paths = {"generate_token": routes.GENERATE_TOKEN, "get_token": routes.GET_TOKEN}
    if operation not in paths:
        raise UnsupportedOperationError(f"JorMall has no operation {operation!r}")
    token, reply = tokens.fetch(ctx, paths[operation])
    return AdminResult(operation, {"token": token}, raw=reply)


if TYPE_CHECKING:  # mypy checks every hook implementation of this module against its specification
    import smsbridge.plugin as api
    import smsbridge_jormall.plugin as this

    _hooks: tuple[api.ProvidersHook, api.AdjustCapabilitiesHook, api.CheckRecipientHook, api.SendHook]
    _hooks = (this, this, this, this)
    _more: tuple[api.BulkSendHook, api.BalanceHook, api.AdminHook, api.EmulatorProfilesHook]
    _more = (this, this, this, this)
