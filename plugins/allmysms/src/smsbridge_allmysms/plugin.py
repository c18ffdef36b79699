"""smsbridge provider ``allmysms``: the AllMySMS HTTP API 9.0.

``allmysms://LOGIN:APIKEY@default`` -> ``https://api.allmysms.com/http/9.0/<method>/``.
This module declares the provider and wires the hooks to ``flow`` (what is sent), ``wire``
(the request and the reply mapper) and ``results`` (reply data -> models).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from smsbridge.plugin import (
    Balance,
    CallbackRequest,
    Capabilities,
    DeliveryReport,
    EmulatorProfile,
    Estimate,
    InboundMessage,
    InboundQuery,
    InvalidMessageError,
    Message,
    ProviderSpec,
    SenderRule,
    SendResult,
    UnreadableReplyError,
    before_request,
    callback_items,
    hookimpl,
    text_of,
)
from smsbridge_allmysms import admin, callbacks, results
from smsbridge_allmysms.config import DEFAULT_BATCH_SIZE, AllMySmsConfig, Ctx
from smsbridge_allmysms.flow import build_flow, encode_flow
from smsbridge_allmysms.wire import call

__all__ = [
    "CAMPAIGN_PREFIX",
    "SPEC",
    "smsbridge_adjust_capabilities",
    "smsbridge_admin",
    "smsbridge_balance",
    "smsbridge_bulk_send",
    "smsbridge_callback_spec",
    "smsbridge_delivery_status",
    "smsbridge_emulator_profiles",
    "smsbridge_estimate",
    "smsbridge_inbound",
    "smsbridge_parse_callback",
    "smsbridge_providers",
    "smsbridge_send",
]

# delivery_status("campaign:<campaignId>") asks getAcks for a whole campaign.
CAMPAIGN_PREFIX = "campaign:"

SENDER_RULE = SenderRule(
    min_length=3,
    max_length=11,
    pattern=r"[A-Za-z][A-Za-z0-9 ]{2,10}",
    numeric_allowed=False,
    description=(
        "3-11 characters of A-Z, a-z, 0-9 and space, starting with a letter; without a sender "
        "AllMySMS sends from its short number 36180 (French operators replace alphanumeric "
        "senders for replies and STOP handling)"
    ),
)

SPEC = ProviderSpec(
    id="allmysms",
    config_class=AllMySmsConfig,
    default_host="api.allmysms.com",
    known_hosts=("allmysms.com", "msinnovations.com"),  # msinnovations: the API's older host (allmysms.txt)
    default_path="/http/9.0",
    description="AllMySMS HTTP API 9.0 (France): JSON or XML flows, per-recipient fields, scheduling",
    default_region="FR",
    secret_fields=("apiKey", "apikey", "password"),
    capabilities=Capabilities(
        max_recipients=DEFAULT_BATCH_SIZE,
        max_text_length=640,
        sender=SENDER_RULE,
        bulk_send=True,
        balance=True,
        delivery_status=True,
        inbound=True,
        callbacks=True,
        estimate=True,
        scheduling=True,
        flash=True,
        templating=True,
        admin_operations=admin.OPERATIONS,
    ),
)


@hookimpl
def smsbridge_providers() -> list[ProviderSpec]:
    return [SPEC]


@hookimpl
def smsbridge_adjust_capabilities(config: AllMySmsConfig, caps: Capabilities) -> Capabilities:
    """One ``sendSms`` request carries at most ``batch_size`` recipients."""
    return attrs.evolve(caps, max_recipients=config.batch_size)


@hookimpl
def smsbridge_send(ctx: Ctx, message: Message) -> SendResult:
    flow = build_flow(ctx, message)
    sms_data = encode_flow(ctx, flow)
    answer = call(ctx, "sendSms", {"smsData": sms_data}, send_like=True, recipients=flow.numbers)
    return results.send_result(ctx, message, flow, answer)


smsbridge_bulk_send = smsbridge_send


@hookimpl
def smsbridge_estimate(ctx: Ctx, message: Message) -> Estimate:
    flow = build_flow(ctx, message)
    sms_data = encode_flow(ctx, flow)
    answer = call(ctx, "simulateCampaign", {"smsData": sms_data}, send_like=True, recipients=flow.numbers)
    return results.estimate(ctx, message, answer)


@hookimpl
def smsbridge_balance(ctx: Ctx) -> Balance:
    return results.balance(ctx, call(ctx, "getInfo"))


@hookimpl
def smsbridge_delivery_status(ctx: Ctx, message_ids: Sequence[str]) -> list[DeliveryReport]:
    wanted = [str(i).strip() for i in message_ids]
    for ident in wanted:
        if not ident or ident == CAMPAIGN_PREFIX:
            raise before_request(InvalidMessageError, "an empty message id", hint="give smsIds from a send")
    reports: list[DeliveryReport] = []
    for ident in wanted:
        by_campaign = ident.startswith(CAMPAIGN_PREFIX)
        if by_campaign:
            answer = call(ctx, "getAcks", {"campId": ident[len(CAMPAIGN_PREFIX) :].strip()})
        else:
            answer = call(ctx, "getAckBySmsId", {"smsId": ident})
        reports.extend(results.delivery_reports(ctx, ident, answer, by_campaign=by_campaign))
    return reports


@hookimpl
def smsbridge_inbound(ctx: Ctx, query: InboundQuery) -> list[InboundMessage]:
    """``getPulls``: the replies received since the last call (davaxi/AllMySMS ``InComing.php``).

    ``limit`` is AllMySMS's own parameter: the server holds back what is over it.  Nothing the
    server answered is dropped here, since it may not hand the same messages out again.
    """
    fields = {} if query.limit is None else {"limit": str(max(query.limit, 0))}
    return results.inbound_messages(ctx, call(ctx, "getPulls", fields))


@hookimpl
def smsbridge_parse_callback(ctx: Ctx, request: CallbackRequest) -> list[DeliveryReport]:
    """Delivery webhooks: ``smsId, phoneNumber, status, statusText, receptionDate, campaignId``."""
    items = callback_items(request)
    reports = []
    for item in items:
        sms_id = text_of(item.get("smsId"))
        if not sms_id:
            raise UnreadableReplyError("not an AllMySMS delivery callback: no smsId")
        reports.append(results.delivery_report(ctx, item, sms_id, None))
    if not reports:
        raise UnreadableReplyError("not an AllMySMS delivery callback: no report in the body")
    return reports


# the hooks whose work is all in one function of another module
smsbridge_callback_spec = hookimpl(callbacks.callback_spec)
smsbridge_admin = hookimpl(admin.run)


@hookimpl
def smsbridge_emulator_profiles() -> list[EmulatorProfile]:
    from smsbridge_allmysms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


if TYPE_CHECKING:  # mypy checks every hook implementation of this module against its specification
    import smsbridge.plugin as api
    import smsbridge_allmysms.plugin as this

    _hooks: tuple[api.ProvidersHook, api.AdjustCapabilitiesHook, api.SendHook, api.BulkSendHook, api.EstimateHook]
    _hooks = (this, this, this, this, this)
    _more: tuple[api.BalanceHook, api.DeliveryStatusHook, api.InboundHook, api.ParseCallbackHook]
    _more = (this, this, this, this)
    _rest: tuple[api.CallbackSpecHook, api.AdminHook, api.EmulatorProfilesHook] = (this, this, this)
