"""smsbridge provider ``allmysms``: the AllMySMS HTTP API 9.0.

``allmysms://LOGIN:APIKEY@default`` -> ``https://api.allmysms.com/http/9.0/<method>/``.
This module declares the provider and wires the hooks to ``flow`` (what is sent), ``wire``
(the request and the reply mapper) and ``results`` (reply data -> models).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from smsbridge.errors import InvalidMessageError, UnreadableReplyError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    AdminResult,
    Balance,
    CallbackRequest,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    Estimate,
    InboundMessage,
    InboundQuery,
    Message,
    ProviderSpec,
    SenderRule,
    SendResult,
)
from smsbridge_allmysms import admin, callbacks, results
from smsbridge_allmysms.config import DEFAULT_BATCH_SIZE, AllMySmsConfig
from smsbridge_allmysms.flow import build_flow, encode_flow
from smsbridge_allmysms.wire import call, text_of

__all__ = ["CAMPAIGN_PREFIX", "SPEC"]

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


def _send(ctx: Any, message: Message) -> SendResult:
    flow = build_flow(ctx, message)
    sms_data = encode_flow(ctx, flow)
    reply, data = call(ctx, "sendSms", {"smsData": sms_data}, send_like=True, recipients=flow.numbers)
    return results.send_result(ctx, message, flow, reply, data)


@hookimpl
def smsbridge_send(ctx: Any, message: Message) -> SendResult:
    return _send(ctx, message)


@hookimpl
def smsbridge_bulk_send(ctx: Any, message: Message) -> SendResult:
    return _send(ctx, message)


@hookimpl
def smsbridge_estimate(ctx: Any, message: Message) -> Estimate:
    flow = build_flow(ctx, message)
    sms_data = encode_flow(ctx, flow)
    reply, data = call(ctx, "simulateCampaign", {"smsData": sms_data}, send_like=True, recipients=flow.numbers)
    return results.estimate(ctx, message, reply, data)


@hookimpl
def smsbridge_balance(ctx: Any) -> Balance:
    reply, data = call(ctx, "getInfo")
    return results.balance(ctx, reply, data)


@hookimpl
def smsbridge_delivery_status(ctx: Any, message_ids: Sequence[str]) -> list[DeliveryReport]:
    wanted = [str(i).strip() for i in message_ids]
    for ident in wanted:
        if not ident or ident == CAMPAIGN_PREFIX:
            raise InvalidMessageError(
                "an empty message id", provider=ctx.provider, before_request=True, hint="give smsIds from a send"
            )
    reports: list[DeliveryReport] = []
    for ident in wanted:
        if ident.startswith(CAMPAIGN_PREFIX):
            campaign = ident[len(CAMPAIGN_PREFIX) :].strip()
            reply, data = call(ctx, "getAcks", {"campId": campaign})
            reports.extend(results.delivery_reports(ctx, ident, reply, data, by_campaign=True))
        else:
            reply, data = call(ctx, "getAckBySmsId", {"smsId": ident})
            reports.extend(results.delivery_reports(ctx, ident, reply, data, by_campaign=False))
    return reports


@hookimpl
def smsbridge_inbound(ctx: Any, query: InboundQuery) -> list[InboundMessage]:
    """``getPulls``: the replies received since the last call (davaxi/AllMySMS ``InComing.php``).

    ``limit`` is AllMySMS's own parameter: the server holds back what is over it.  Nothing the
    server answered is dropped here, since it may not hand the same messages out again.
    """
    fields = {} if query.limit is None else {"limit": str(max(query.limit, 0))}
    reply, data = call(ctx, "getPulls", fields)
    return results.inbound_messages(ctx, reply, data)


def _callback_items(request: CallbackRequest) -> list[dict[str, Any]]:
    fields: dict[str, Any] = {**request.query, **request.form}
    body = request.body.decode("utf-8", "replace").strip() if isinstance(request.body, bytes) else ""
    if body.startswith(("{", "[")):
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return [{**fields, **parsed}]
        if isinstance(parsed, list):
            return [{**fields, **item} for item in parsed if isinstance(item, dict)]
    elif body and "=" in body and not request.form:
        fields.update(dict(parse_qsl(body, keep_blank_values=True)))
    return [fields]


@hookimpl
def smsbridge_parse_callback(ctx: Any, request: CallbackRequest) -> list[DeliveryReport]:
    """Delivery webhooks: ``smsId, phoneNumber, status, statusText, receptionDate, campaignId``."""
    items = _callback_items(request)
    reports = []
    for item in items:
        sms_id = text_of(item.get("smsId"))
        if not sms_id or not sms_id.strip():
            raise UnreadableReplyError("not an AllMySMS delivery callback: no smsId", provider=ctx.provider)
        reports.append(results.delivery_report(ctx, item, sms_id.strip(), None))
    if not reports:
        raise UnreadableReplyError("not an AllMySMS delivery callback: no report in the body", provider=ctx.provider)
    return reports


@hookimpl
def smsbridge_callback_spec(ctx: Any) -> CallbackSpec:
    return callbacks.callback_spec(ctx)


@hookimpl
def smsbridge_emulator_profiles() -> list[Any]:
    from smsbridge_allmysms import emulator  # only `smsbridge dev` needs it

    return emulator.profiles()


@hookimpl
def smsbridge_admin(ctx: Any, operation: str, params: dict[str, Any]) -> AdminResult:
    return admin.run(ctx, operation, params)
