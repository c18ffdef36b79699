"""The plugin API: everything a provider plugin imports, from this one module.

::

    from smsbridge.plugin import (
        Balance, Capabilities, ProviderContext, ProviderSpec, Refusal, SendResult,
        before_request, hookimpl, json_body, refusal_error,
    )

A plugin that imports only from here (and ``tests/core/test_plugin_imports.py`` checks that
the project's own do) keeps working when the core moves things between its own modules:
these names are the stable surface, documented in docs/writing-a-plugin.md.  (Not to be
confused with ``smsbridge.plugins``, the core's loader and registry.)

* hooks: ``hookimpl``; the specifications are in ``smsbridge.hookspecs``, and one
  ``typing.Protocol`` a hook (``SendHook``, ``BalanceHook``... see ``smsbridge.hooktypes``)
  lets mypy check a plugin module's implementations against them;
* declarations: ``ProviderSpec``, ``Capabilities``, ``SenderRule``, ``AdminOperation``,
  ``AdminParam``, ``CallbackSpec`` and its parts; the config helpers ``credential`` and
  ``AccountSettings``;
* what hooks receive: ``ProviderContext`` (``ctx``; ``ProviderContext[MyConfig]`` types
  ``ctx.config``), ``PublicContext``, ``Transport`` (``ctx.http``), ``Message``, ``Recipient``
  (``recipient.wire``: the number as the plugin's ``smsbridge_check_recipient`` returned it),
  ``InboundQuery``, ``CallbackRequest``, ``RawReply``;
* what hooks return: ``SendResult``, ``Receipt``, ``ReceiptStatus``, ``Balance``,
  ``DeliveryReport``, ``DeliveryStatus``, ``InboundMessage``, ``Estimate`` (built by
  ``provider_estimate`` from the provider's figures), ``AdminResult``;
* errors: every error class of ``smsbridge.errors`` and ``Outcome``.  Inside a hook an error
  need not name the provider (the core fills in the account's); ``before_request`` builds
  one for a refusal made before any request; ``Refusal``/``RefusalTable`` declare what the
  provider's codes mean and ``refusal_error`` builds the error for one;
* reading replies: ``Answer`` (what a plugin's ``call()`` returns); ``json_body``,
  ``xml_body``, ``expect_ok_status``, ``status_error``, ``is_success``, ``error_text``,
  ``looks_like_html``, ``unreadable``, ``MAX_ERROR_TEXT``, ``REDACTED`` (what a known secret
  reads as in a reply);
* values: ``text_of``, ``parse_bool`` (``YES``/``NO``), ``parse_decimal``, ``parse_int``,
  ``parse_offset``, ``parse_zone``, ``parse_time``;
* admin operations: ``find_operation`` finds the declared one; parameters arrive converted by
  ``AdminParam.type`` (``convert_admin_params``); ``wire_fields``/``wire_text`` write them as
  form fields, ``form_pairs`` reads a ``name=value&...`` parameter, ``admin_error`` builds the
  refusal of a parameter the plugin checks itself;
* data of any shape (``smsbridge.readers``): ``objects_of``, ``list_of``, ``records_of``,
  ``unxml`` and ``xml_root`` (lists however JSON or XML wraps them), ``phone_digits``,
  ``numbers_in``, ``first_text``, ``texts_of``, ``callback_items`` (a webhook's entries);
* options: ``check_options`` (unknown names refused), ``option_flag`` (a yes/no option),
  ``checked_by`` (an attrs validator of an account option that a parser reads);
* numbers and text: ``to_digits``, ``normalize``, ``analyze``, ``is_gsm7``, ``is_template``,
  ``render``, ``TextInfo``;
* emulator profiles for ``smsbridge dev``: ``EmulatorProfile``, ``EmulatorRequest``,
  ``EmulatorResponse``, ``EmulatorApi``, ``EmulatedMessage``, ``EmulatedRecipient``,
  ``EmulatorCallback``, ``EmulatorInbound``, ``WRONG_PASSWORD``.
"""

from __future__ import annotations

from smsbridge.admin_params import (
    admin_error,
    convert_admin_params,
    find_operation,
    form_pairs,
    wire_fields,
    wire_text,
)
from smsbridge.answers import Answer
from smsbridge.config import AccountSettings, credential
from smsbridge.context import ProviderContext, PublicContext
from smsbridge.devserver.profiles import (
    WRONG_PASSWORD,
    EmulatedMessage,
    EmulatedRecipient,
    EmulatorApi,
    EmulatorCallback,
    EmulatorInbound,
    EmulatorProfile,
    EmulatorRequest,
    EmulatorResponse,
)
from smsbridge.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DeadlineExceededError,
    DuplicateError,
    InsufficientCreditError,
    InvalidMessageError,
    InvalidRecipientError,
    InvalidRequestError,
    InvalidSenderError,
    NotFoundError,
    NotSentError,
    Outcome,
    OutcomeUnknownError,
    PermissionDeniedError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
    ReadTimeoutError,
    RejectedError,
    ServiceUnavailableError,
    SmsBridgeError,
    TransportError,
    UnknownProviderError,
    UnreadableReplyError,
    UnsupportedOperationError,
)
from smsbridge.estimates import provider_estimate
from smsbridge.hookspecs import hookimpl
from smsbridge.hooktypes import (
    AdjustCapabilitiesHook,
    AdminHook,
    BalanceHook,
    BulkSendHook,
    CallbackSpecHook,
    CheckRecipientHook,
    DeliveryStatusHook,
    EmulatorProfilesHook,
    EstimateHook,
    InboundHook,
    ParseCallbackHook,
    ParseInboundCallbackHook,
    ProvidersHook,
    SendHook,
)
from smsbridge.models import (
    AdminOperation,
    AdminParam,
    AdminResult,
    Balance,
    CallbackKind,
    CallbackReply,
    CallbackRequest,
    CallbackSetup,
    CallbackSpec,
    Capabilities,
    DeliveryReport,
    DeliveryStatus,
    Estimate,
    InboundMessage,
    InboundQuery,
    Message,
    ProviderSpec,
    RawReply,
    Receipt,
    ReceiptStatus,
    Recipient,
    SenderRule,
    SendResult,
    TextInfo,
)
from smsbridge.numbers import normalize, to_digits
from smsbridge.options import check_options, checked_by, option_flag
from smsbridge.readers import (
    callback_items,
    first_text,
    list_of,
    numbers_in,
    objects_of,
    phone_digits,
    records_of,
    texts_of,
    unxml,
    xml_root,
)
from smsbridge.refusals import Refusal, RefusalTable, before_request, refusal_error
from smsbridge.replies import (
    MAX_ERROR_TEXT,
    error_text,
    expect_ok_status,
    is_success,
    json_body,
    looks_like_html,
    status_error,
    unreadable,
    xml_body,
)
from smsbridge.text import analyze, is_gsm7, is_template, render
from smsbridge.transport import REDACTED, Transport
from smsbridge.values import (
    NO,
    YES,
    parse_bool,
    parse_decimal,
    parse_int,
    parse_offset,
    parse_time,
    parse_zone,
    text_of,
)

__all__ = [
    "MAX_ERROR_TEXT",
    "NO",
    "REDACTED",
    "WRONG_PASSWORD",
    "YES",
    "AccountSettings",
    "AdjustCapabilitiesHook",
    "AdminHook",
    "AdminOperation",
    "AdminParam",
    "AdminResult",
    "Answer",
    "AuthenticationError",
    "Balance",
    "BalanceHook",
    "BulkSendHook",
    "CallbackKind",
    "CallbackReply",
    "CallbackRequest",
    "CallbackSetup",
    "CallbackSpec",
    "CallbackSpecHook",
    "Capabilities",
    "CheckRecipientHook",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "DeliveryReport",
    "DeliveryStatus",
    "DeliveryStatusHook",
    "DuplicateError",
    "EmulatedMessage",
    "EmulatedRecipient",
    "EmulatorApi",
    "EmulatorCallback",
    "EmulatorInbound",
    "EmulatorProfile",
    "EmulatorProfilesHook",
    "EmulatorRequest",
    "EmulatorResponse",
    "Estimate",
    "EstimateHook",
    "InboundHook",
    "InboundMessage",
    "InboundQuery",
    "InsufficientCreditError",
    "InvalidMessageError",
    "InvalidRecipientError",
    "InvalidRequestError",
    "InvalidSenderError",
    "Message",
    "NotFoundError",
    "NotSentError",
    "Outcome",
    "OutcomeUnknownError",
    "ParseCallbackHook",
    "ParseInboundCallbackHook",
    "PermissionDeniedError",
    "ProviderContext",
    "ProviderError",
    "ProviderSpec",
    "ProviderUnavailableError",
    "ProvidersHook",
    "PublicContext",
    "RateLimitedError",
    "RawReply",
    "ReadTimeoutError",
    "Receipt",
    "ReceiptStatus",
    "Recipient",
    "Refusal",
    "RefusalTable",
    "RejectedError",
    "SendHook",
    "SendResult",
    "SenderRule",
    "ServiceUnavailableError",
    "SmsBridgeError",
    "TextInfo",
    "Transport",
    "TransportError",
    "UnknownProviderError",
    "UnreadableReplyError",
    "UnsupportedOperationError",
    "admin_error",
    "analyze",
    "before_request",
    "callback_items",
    "check_options",
    "checked_by",
    "convert_admin_params",
    "credential",
    "error_text",
    "expect_ok_status",
    "find_operation",
    "first_text",
    "form_pairs",
    "hookimpl",
    "is_gsm7",
    "is_success",
    "is_template",
    "json_body",
    "list_of",
    "looks_like_html",
    "normalize",
    "numbers_in",
    "objects_of",
    "option_flag",
    "parse_bool",
    "parse_decimal",
    "parse_int",
    "parse_offset",
    "parse_time",
    "parse_zone",
    "phone_digits",
    "provider_estimate",
    "records_of",
    "refusal_error",
    "render",
    "status_error",
    "text_of",
    "texts_of",
    "to_digits",
    "unreadable",
    "unxml",
    "wire_fields",
    "wire_text",
    "xml_body",
    "xml_root",
]
