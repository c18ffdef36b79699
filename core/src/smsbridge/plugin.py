"""Everything a provider plugin imports, from one module.

::

    from smsbridge.plugin import (
        Balance, Capabilities, ProviderSpec, Receipt, ReceiptStatus, SendResult, SenderRule,
        AuthenticationError, credential, hookimpl, json_body, to_digits, unreadable,
    )

A plugin that imports only from here keeps working when the core moves things between its
own modules: these names are the plugin API, documented in docs/writing-a-plugin.md.  (Not
to be confused with ``smsbridge.plugins``, the core's loader and registry.)

* hooks: ``hookimpl`` (the hooks themselves are specified in ``smsbridge.hookspecs``);
* declarations: ``ProviderSpec``, ``Capabilities``, ``SenderRule``, ``AdminOperation``,
  ``AdminParam``; the config helpers ``credential`` and ``AccountSettings``;
* what hooks receive: ``ProviderContext`` (``ctx``), ``Transport`` (``ctx.http``),
  ``Message``, ``Recipient``, ``InboundQuery``, ``CallbackRequest``, ``RawReply``;
* what hooks return: ``SendResult``, ``Receipt``, ``ReceiptStatus``, ``Balance``,
  ``DeliveryReport``, ``DeliveryStatus``, ``InboundMessage``, ``Estimate``, ``AdminResult``;
* reading replies: ``json_body``, ``xml_body``, ``expect_ok_status``, ``looks_like_html``,
  ``unreadable``;
* numbers and text: ``to_digits``, ``normalize``, ``analyze``, ``is_gsm7``, ``is_template``,
  ``render``, ``TextInfo``;
* every error class of ``smsbridge.errors`` and ``Outcome``;
* emulator profiles for ``smsbridge dev``: ``EmulatorProfile``, ``EmulatorRequest``,
  ``EmulatorResponse``, ``EmulatorApi``, ``EmulatedMessage``, ``EmulatedRecipient``,
  ``EmulatorCallback``, ``EmulatorInbound``, ``WRONG_PASSWORD``.
"""

from __future__ import annotations

from smsbridge.config import AccountSettings, credential
from smsbridge.context import ProviderContext
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
from smsbridge.hookspecs import hookimpl
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
from smsbridge.text import analyze, is_gsm7, is_template, render
from smsbridge.transport import Transport
from smsbridge.wire import expect_ok_status, json_body, looks_like_html, status_error, unreadable, xml_body

__all__ = [
    # the emulator profiles of `smsbridge dev` (smsbridge_emulator_profiles)
    "WRONG_PASSWORD",
    "AccountSettings",
    "AdminOperation",
    "AdminParam",
    "AdminResult",
    "AuthenticationError",
    "Balance",
    "CallbackKind",
    "CallbackReply",
    "CallbackRequest",
    "CallbackSetup",
    "CallbackSpec",
    "Capabilities",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "DeliveryReport",
    "DeliveryStatus",
    "DuplicateError",
    "EmulatedMessage",
    "EmulatedRecipient",
    "EmulatorApi",
    "EmulatorCallback",
    "EmulatorInbound",
    "EmulatorProfile",
    "EmulatorRequest",
    "EmulatorResponse",
    "Estimate",
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
    "PermissionDeniedError",
    "ProviderContext",
    "ProviderError",
    "ProviderSpec",
    "ProviderUnavailableError",
    "RateLimitedError",
    "RawReply",
    "ReadTimeoutError",
    "Receipt",
    "ReceiptStatus",
    "Recipient",
    "RejectedError",
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
    "analyze",
    "credential",
    "expect_ok_status",
    "hookimpl",
    "is_gsm7",
    "is_template",
    "json_body",
    "looks_like_html",
    "normalize",
    "render",
    "status_error",
    "to_digits",
    "unreadable",
    "xml_body",
]
