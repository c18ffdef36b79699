"""Hook specifications: what a provider plugin (or a cross-cutting plugin) implements.

A provider plugin is a module (or object) registered under the entry-point group ``smsbridge``
that implements ``smsbridge_providers`` and the operation hooks its provider has.  The core
calls an operation hook of an account **only on the plugin that declared the account's
provider**, with the full :class:`smsbridge.context.ProviderContext` (the plugin's config
object with the credentials, the core settings, the account's HTTP transport and a cache):
no other provider plugin ever sees the call, the message or the credentials.

Operation hooks are ``firstresult``: the provider's implementation answers; returning ``None``
means "not implemented here".

A cross-cutting plugin declares no provider.  It wraps operations of every provider with
``@hookimpl(wrapper=True)`` (logging, metrics) and rewrites outgoing messages with
``smsbridge_rewrite_message`` (number rewriting, an opt-out footer).  It never answers an
operation hook (registering one that does is refused), and what it receives as ``ctx`` is a
:class:`smsbridge.context.PublicContext`: provider, settings and capabilities, no credentials
and no transport.

``smsbridge_report_received`` and ``smsbridge_inbound_received`` are events for host
applications (``smsbridge.receiver``, the polling backstop): every implementation is called,
the account's provider plugin and the cross-cutting plugins, never another provider's.

Errors are raised as :mod:`smsbridge.errors` classes; any other exception escaping a hook is a
plugin bug.  What a hook raises or returns without a provider id gets the account's from the
core (:mod:`smsbridge.provenance`).  ``smsbridge.hooktypes`` has these hooks as protocols, for
mypy to check a plugin's implementations against.

The conformance suite (:mod:`smsbridge.testing.conformance`) looks for plugin bugs: it feeds
every operation a plugin declares malformed replies (an empty object, wrong types, ``null``,
HTML, an empty, truncated or non-UTF-8 body, a huge number) and every mutation of
the plugin's own valid samples (each field dropped, nulled, mistyped), and fails on anything
but a result of the right shape or a typed error.  It cannot prove a parser right: it finds
the exceptions those replies provoke.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from smsbridge.context import ProviderContext, PublicContext
    from smsbridge.devserver.profiles import EmulatorProfile
    from smsbridge.models import (
        AdminResult,
        Balance,
        CallbackRequest,
        CallbackSpec,
        Capabilities,
        DeliveryReport,
        Estimate,
        InboundEvent,
        InboundMessage,
        InboundQuery,
        Message,
        ProviderSpec,
        ReportEvent,
        SendResult,
    )

PROJECT = "smsbridge"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]


@hookspec
def smsbridge_providers() -> list[ProviderSpec]:
    """Declare the providers this plugin offers.

    :return: one :class:`~smsbridge.models.ProviderSpec` per provider id (a plugin may offer
        several, e.g. ``aspsms`` and ``server2sms``), with its config class, capabilities and
        limits, default host and the wire fields that carry secrets.  A cross-cutting plugin
        does not implement this hook.

    Called once per plugin when the plugin is loaded; keep it cheap (no I/O, no heavy imports).
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def smsbridge_adjust_capabilities(config: Any, caps: Capabilities) -> Capabilities | None:
    """Adjust the declared capabilities to one account's options (a batch size, a mode).

    :param config: the account's config object (the provider's ``config_class``).
    :param caps: the capabilities the provider's spec declares.
    :return: the account's capabilities (``attrs.evolve(caps, max_recipients=config.batch)``),
        or ``None`` to keep ``caps``.

    Called once when an account is built, on the account's provider plugin only; no I/O.
    The core validates, chunks and groups with what it returns.
    """


@hookspec(firstresult=True)
def smsbridge_check_recipient(ctx: ProviderContext[Any], number: str) -> str | None:
    """Validate one recipient for this provider and return it as the provider will receive it.

    :param ctx: the account.
    :param number: an E.164 number (``+9627...``) already checked by ``phonenumbers``, or an
        ``@user``/``#group`` target when the provider declares ``targets``.
    :return: the number in the provider's wire form (``9627...``), or ``None`` to accept the
        core's default (E.164 digits without ``+``).
    :raises InvalidRecipientError: with ``before_request=True`` when the provider cannot take
        it.  In a bulk send that recipient is reported rejected and the rest still go out.
    """


@hookspec(firstresult=True)
def smsbridge_send(ctx: ProviderContext[Any], message: Message) -> SendResult | None:
    """Send one message to exactly one recipient through the provider's single-send route.

    :param message: validated: one recipient in E.164 (or a target), non-empty text within
        the provider's limits, sender checked against the provider's rule, schedule aware.
    :return: a :class:`~smsbridge.models.SendResult` with exactly one receipt.
    :raises ProviderError: a typed subclass when the provider refuses; ``UnreadableReplyError``
        when the reply cannot be read; transport errors pass through from ``ctx.http``.
    """


@hookspec(firstresult=True)
def smsbridge_bulk_send(ctx: ProviderContext[Any], message: Message) -> SendResult | None:
    """Send one request's worth of a bulk send: ``message`` to 1..``max_recipients`` recipients.

    The core chunks any iterable by ``capabilities.max_recipients`` and calls this hook once a
    chunk.  When the provider lacks ``templating``, every recipient of a chunk shares one text.

    :return: a ``SendResult`` with one receipt a recipient, in order.  A recipient the reply
        says nothing about must be ``UNKNOWN``, never ``ACCEPTED``; the core checks the count.
        A recipient certainly not taken for a reason of the request rather than its own (the
        server dropped it from the batch) is ``REJECTED`` with ``retryable=True``: resuming the
        job sends it again, while a plain rejection is final.
        Return ``None`` (do not implement) to let the core call ``smsbridge_send`` once per
        recipient.
    :raises ProviderError: when the whole request was refused.
    """


@hookspec(firstresult=True)
def smsbridge_balance(ctx: ProviderContext[Any]) -> Balance | None:
    """Return the account's balance (``Decimal`` amount and its unit) as a ``Balance``.

    Return ``None`` only if the plugin has no balance operation (declare ``balance=False``).
    """


@hookspec(firstresult=True)
def smsbridge_delivery_status(ctx: ProviderContext[Any], message_ids: Sequence[str]) -> list[DeliveryReport] | None:
    """Return delivery reports for ``message_ids`` this provider returned (TRNs for ASPSMS).

    :return: one :class:`~smsbridge.models.DeliveryReport` per id the provider knows; an id
        with no report yet has status ``QUEUED`` or ``UNKNOWN``, not an error.
    :raises UnsupportedOperationError: when the provider has no delivery status at all.
    """


@hookspec(firstresult=True)
def smsbridge_inbound(ctx: ProviderContext[Any], query: InboundQuery) -> list[InboundMessage] | None:
    """Return inbound (received) messages matching ``query``; an empty list when there are none.

    :param query: :class:`~smsbridge.models.InboundQuery`: a folder (provider-specific, e.g.
        ``in``/``inbox``/``sandbox``), ``since_id`` for paging, ``limit``, extra options.
    """


@hookspec(firstresult=True)
def smsbridge_parse_callback(ctx: ProviderContext[Any], request: CallbackRequest) -> list[DeliveryReport] | None:
    """Turn ``request``, an HTTP request the provider made to the user's callback URL, into delivery reports.

    No network access: this only reads ``request``.
    :return: one :class:`~smsbridge.models.DeliveryReport` per message the request reports on.
    :raises UnreadableReplyError: when the request is not a callback of this provider.
    """


@hookspec(firstresult=True)
def smsbridge_callback_spec(ctx: ProviderContext[Any]) -> CallbackSpec | None:
    """Declare how the provider calls the receiver back (``smsbridge.receiver``), for this account.

    :return: a :class:`~smsbridge.models.CallbackSpec`: the kinds of callback the provider
        makes (delivery reports, received messages) and how it is told the URL (query tags,
        account options, a setting in its web interface); ``verify``, the provider's signature
        check, when it signs its callbacks; ``reply``, the status and body it expects back so
        that it does not retry (or, like playSMS, send the body to the sender as an SMS).
    :raises ConfigurationError: when the signature check needs a secret the account lacks or
        has empty: an empty secret is a configuration error, never "no check".

    Implement it when ``capabilities.callbacks`` or ``inbound_callbacks`` is set.  No network
    access; called once when a receiver is built.
    """


@hookspec(firstresult=True)
def smsbridge_parse_inbound_callback(
    ctx: ProviderContext[Any], request: CallbackRequest
) -> list[InboundMessage] | None:
    """Turn ``request``, a received-message callback the provider made, into inbound messages.

    No network access: this only reads ``request`` (already authenticated and, where the
    provider signs, verified).
    :return: one :class:`~smsbridge.models.InboundMessage` per message; its ``id`` is the
        provider's, or a stable digest of the message when the provider gives none, so that a
        repeated callback is recognised as a duplicate.
    :raises UnreadableReplyError: when the request is not such a callback of this provider.
    """


@hookspec
def smsbridge_report_received(event: ReportEvent) -> None:
    """Host applications: a delivery report was just stored in the ledger.

    :param event: a :class:`~smsbridge.models.ReportEvent`: the receiver account, the report,
        what the ledger did with it (``final``, ``noted``, ``orphan``) and the job row it
        joined, if any.  Called once per new report, after it was committed, from a callback
        or from the polling backstop; never for a duplicate.
    :return: nothing.  An exception is logged and does not undo the report (the ledger is the
        durable record); do slow work elsewhere (a task queue).
    """


@hookspec
def smsbridge_inbound_received(event: InboundEvent) -> None:
    """Host applications: a received message was just stored in the ledger.

    :param event: an :class:`~smsbridge.models.InboundEvent` with the receiver account and
        the message.  Called once per new message, after it was committed; never for a
        repeated callback.
    :return: nothing.  An exception is logged; the message stays stored.
    """


@hookspec(firstresult=True)
def smsbridge_estimate(ctx: ProviderContext[Any], message: Message) -> Estimate | None:
    """Ask the provider what sending ``message`` would cost, without sending it; return an Estimate.

    Only for providers that have such an operation (``capabilities.estimate``); the core
    always adds its own encoding and segment count.  Return ``None`` otherwise.
    """


@hookspec(firstresult=True)
def smsbridge_admin(ctx: ProviderContext[Any], operation: str, params: dict[str, Any]) -> AdminResult | None:
    """Run a named operation the provider declares in ``capabilities.admin_operations``.

    :param operation: the operation name as declared (e.g. ``generate_token``, ``VerifyToken``).
    :param params: keyword parameters, already checked against the declaration (required
        parameters present, no unknown ones).
    :return: an :class:`~smsbridge.models.AdminResult` with the parsed data.
    :raises UnsupportedOperationError: for an operation the plugin does not know.
    """


@hookspec(firstresult=True)
def smsbridge_rewrite_message(ctx: PublicContext, message: Message) -> Message | None:
    """Cross-cutting: rewrite an outgoing message before it is validated and sent.

    Called through pluggy once per message, with the account's
    :class:`~smsbridge.context.PublicContext` (no credentials), for the cross-cutting plugins
    and the account's own provider plugin.  Take only the arguments you need.

    Write a rewrite as a wrapper, so that several rewriters compose, each receiving what the
    inner ones made of the message::

        @hookimpl(wrapper=True)
        def smsbridge_rewrite_message(message):
            rewritten = yield
            return attrs.evolve(rewritten, text=rewritten.text + "\nSTOP 36180")

    A plain implementation returns a replacement :class:`~smsbridge.models.Message` (or ``None``
    to leave it): the first one that returns a message wins, as for any ``firstresult`` hook.
    The core's innermost implementation returns the message unchanged.  The result is
    validated like any message (length, sender, schedule).
    """


@hookspec
def smsbridge_emulator_profiles() -> list[EmulatorProfile]:
    """Offer ``smsbridge dev`` (the local provider emulator) a profile per provider of this plugin.

    :return: :class:`~smsbridge.plugin.EmulatorProfile` objects: each answers its provider's
        real wire API (the paths, the request and reply formats, the refusals) from plain
        request objects, keeping what it receives through the emulator API it is handed, and
        builds the provider's own delivery-report (and received-message) callback requests.
        A profile must not import a web framework; ship it in its own module (``emulator.py``)
        and import it inside this hook, so that loading the plugin stays cheap.

    Called once when ``smsbridge dev`` starts (or a test starts the emulator); not called
    otherwise.  A profile whose id another plugin already offered is left out.
    """
    raise NotImplementedError
