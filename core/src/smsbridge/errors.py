"""Every error smsbridge raises, in one tree.

The tree answers the one question a caller of an SMS API must be able to answer after a
failure: *was the message taken or not?*  Every error carries an ``outcome``:
``Outcome.NOT_SENT`` (certainly not taken: safe to retry or fail over) or
``Outcome.UNKNOWN`` (it may have been taken: retrying may send it twice)::

    SmsBridgeError
    ├── ConfigurationError ............ bad URL, unknown option, unknown provider (NOT_SENT)
    │   ├── UnknownProviderError ...... no installed plugin offers the provider id
    │   └── ProviderUnavailableError .. its plugin is broken, disabled or claimed twice
    ├── LedgerError ................... the send ledger refused or failed (NOT_SENT unless said)
    │   ├── LedgerUnavailableError .... cannot open / reach / write the ledger database
    │   ├── JobNotFoundError .......... no job of that id
    │   ├── JobBusyError .............. another runner holds the job's lease
    │   └── JobMismatchError .......... an existing job differs (text, options, input)
    ├── TransportError
    │   ├── NotSentError .............. the request never left (NOT_SENT)
    │   │   ├── ConnectError .......... refused, DNS failure, connect timeout, TLS failure
    │   │   └── InvalidRequestError ... a header, URL or body HTTP cannot carry
    │   └── OutcomeUnknownError ....... the request left; no usable answer (UNKNOWN)
    │       ├── ReadTimeoutError ...... no answer within the read timeout
    │       │   └── DeadlineExceededError  the reply did not complete within the deadline
    │       └── ConnectionLostError ... reset or closed after the request left
    └── ProviderError ................. the provider answered (or would answer) "no"
        ├── AuthenticationError ....... credentials refused (NOT_SENT)
        ├── PermissionDeniedError ..... valid credentials, operation not allowed (NOT_SENT)
        ├── NotFoundError ............. no such message id, user, group, campaign (NOT_SENT)
        ├── InsufficientCreditError ... out of credit (NOT_SENT)
        ├── InvalidRecipientError ..... a number the provider cannot take (NOT_SENT)
        ├── InvalidSenderError ........ sender id / originator refused (NOT_SENT)
        ├── InvalidMessageError ....... empty / over-long text, bad schedule or option (NOT_SENT)
        ├── RejectedError ............. refused for another stated reason (NOT_SENT)
        ├── DuplicateError ............ the provider already has this client id (ALREADY_ACCEPTED)
        ├── RateLimitedError .......... throttled, nothing taken (NOT_SENT)
        ├── ServiceUnavailableError ... the provider says "temporary problem, try again" (NOT_SENT)
        ├── UnsupportedOperationError . the provider has no such operation (NOT_SENT)
        └── UnreadableReplyError ...... an answer we cannot read: HTML page, empty or
                                        truncated body, HTTP 5xx, malformed HTTP (UNKNOWN)

Errors raised *before* any request (validation) are the same provider error classes with
``before_request=True``: a caller handles "invalid recipient" one way whoever noticed it.

No error carries a credential: a raw reply kept on an error is a redacted copy, texts that
leave a provider hook are redacted, and an error that leaves the transport or a hook has no
exception chained behind it but smsbridge errors (a ``requests`` exception would hold the
request, its URL and its body).  See docs/security.md.

Every error pickles with its fields (the Celery integration ships errors between processes):
``SmsBridgeError.__reduce__`` rebuilds an error from its attributes, not by calling its
constructor again, so a constructor may take whatever arguments it needs.  Constructors take
only the keywords they name: a misspelled keyword is a ``TypeError`` naming it, never a field
silently kept aside.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smsbridge.models import RawReply

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "DuplicateError",
    "InsufficientCreditError",
    "InvalidMessageError",
    "InvalidRecipientError",
    "InvalidRequestError",
    "InvalidSenderError",
    "JobBusyError",
    "JobMismatchError",
    "JobNotFoundError",
    "LedgerError",
    "LedgerUnavailableError",
    "NotFoundError",
    "NotSentError",
    "Outcome",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitedError",
    "ReadTimeoutError",
    "RejectedError",
    "ServiceUnavailableError",
    "SmsBridgeError",
    "TransportError",
    "UnknownProviderError",
    "UnreadableReplyError",
    "UnsupportedOperationError",
]


class Outcome(str, enum.Enum):
    """What an error says about the message: the one fact retry and failover act on."""

    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"
    ALREADY_ACCEPTED = "already_accepted"


class SmsBridgeError(Exception):
    """Base of every smsbridge error.

    ``provider`` is the provider id (``None`` before one is known), ``hint`` tells the user what
    to do next.  Subclasses set ``outcome``.
    """

    outcome: Outcome = Outcome.NOT_SENT
    default_hint: str = ""

    def __init__(self, message: str, *, provider: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.hint = hint if hint is not None else self.default_hint

    @property
    def certainly_not_sent(self) -> bool:
        return self.outcome is Outcome.NOT_SENT

    def __str__(self) -> str:
        prefix = f"[{self.provider}] " if self.provider else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{prefix}{self.message}{hint}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls ``cls(*args)``: wrong for constructors that take other
        # arguments than the message.  Rebuild from the fields instead (the message is one).
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[SmsBridgeError], args: tuple[Any, ...], state: dict[str, Any]) -> SmsBridgeError:
    """An error of ``cls`` with ``state`` as its fields, built without its constructor (unpickling)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(SmsBridgeError):
    """The account cannot be built: a malformed URL, a missing part, an unknown option."""

    default_hint = "see `smsbridge providers` and the provider's docs for the URL form"


class UnknownProviderError(ConfigurationError):
    """No installed plugin offers this provider id."""

    def __init__(self, provider_id: str, installed: list[str], package: str | None = None) -> None:
        listed = ", ".join(sorted(installed)) or "none"
        hint = (
            # not on the package index yet: the command that works is the repository's
            f"install it from a checkout of the smsbridge repository: `pip install ./plugins/"
            f"{package.removeprefix('smsbridge-')}` (`pip install {package}` once it is published)"
            if package
            else "install the plugin that offers it, or check the spelling"
        )
        super().__init__(
            f"no installed provider is called {provider_id!r}; installed providers: {listed}",
            hint=hint,
        )
        self.provider_id = provider_id
        self.installed = sorted(installed)
        self.package = package


class ProviderUnavailableError(ConfigurationError):
    """A plugin offers the provider id but cannot be used: it failed to load, it is disabled,
    or another plugin claims the same id (then neither is used).

    ``reason`` is ``"broken"``, ``"disabled"`` or ``"conflict"``; ``plugins`` names the plugins
    concerned (``distribution (entry point)``).
    """

    def __init__(self, message: str, *, provider_id: str, reason: str, plugins: list[str], hint: str) -> None:
        super().__init__(message, hint=hint)
        self.provider_id = provider_id
        self.reason = reason
        self.plugins = plugins


class LedgerError(SmsBridgeError):
    """The send ledger (``smsbridge.ledger``) refused an operation or could not do it.

    Raised before any request of the operation left, so nothing was sent, unless
    ``outcome`` says otherwise (a ledger that fails while recording an outcome).
    """

    default_hint = "see docs/ledger.md"

    def __init__(
        self, message: str, *, provider: str | None = None, hint: str | None = None, outcome: Outcome | None = None
    ) -> None:
        super().__init__(message, provider=provider, hint=hint)
        if outcome is not None:
            self.outcome = outcome


class LedgerUnavailableError(LedgerError):
    """The ledger database cannot be opened, reached or written."""

    default_hint = (
        "check the ledger URL (--ledger / SMSBRIDGE_LEDGER), the file's folder and permissions, or the server"
    )


class JobNotFoundError(LedgerError):
    default_hint = "`smsbridge jobs` lists the jobs of this ledger"


class JobBusyError(LedgerError):
    """Another runner holds the job's lease: two runs of one job never send at the same time."""

    default_hint = "wait for the other run to finish, or pass --wait to wait for it"

    def __init__(
        self,
        message: str,
        *,
        holder: str | None = None,
        provider: str | None = None,
        hint: str | None = None,
        outcome: Outcome | None = None,
    ) -> None:
        super().__init__(message, provider=provider, hint=hint, outcome=outcome)
        self.holder = holder


class JobMismatchError(LedgerError):
    """A job of this id exists with another text, other options or another input."""

    default_hint = "use a new job name for a different send, or the same text, options and input to resume"


class TransportError(SmsBridgeError):
    """The HTTP exchange failed before a reply could be read."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, hint=hint)
        self.url = url  # already redacted by the transport


class NotSentError(TransportError):
    """The request certainly never reached the provider."""

    outcome = Outcome.NOT_SENT


class ConnectError(NotSentError):
    """Connection refused, DNS failure or connect timeout: nothing was sent."""

    default_hint = "check the host, the network and the provider's status; it is safe to retry"


class InvalidRequestError(NotSentError):
    """The request could not be put on the wire: a header value HTTP cannot encode, a
    malformed URL, a body that cannot be encoded.  Nothing was sent."""

    default_hint = "a value the request carries cannot be sent over HTTP: check the account options and the text"


class OutcomeUnknownError(TransportError):
    """The request left but no usable answer came back: the provider may have taken it."""

    outcome = Outcome.UNKNOWN
    default_hint = "the message may have been sent: check delivery status before sending again"


class ReadTimeoutError(OutcomeUnknownError):
    """No answer within the read timeout."""


class DeadlineExceededError(ReadTimeoutError):
    """The exchange did not complete within the account's overall deadline (``deadline=``),
    e.g. a server trickling its reply byte by byte."""


class ConnectionLostError(OutcomeUnknownError):
    """The connection was reset or closed after the request left."""


class ProviderError(SmsBridgeError):
    """The provider answered with a refusal (or the plugin knows it would, before sending).

    Attributes: ``http_status``, ``code`` and ``text`` (the provider's own code and wording),
    ``raw`` (a redacted copy of the raw reply, ``None`` before a request), ``before_request``.
    """

    outcome = Outcome.NOT_SENT

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
        text: str | None = None,
        raw: RawReply | None = None,
        hint: str | None = None,
        before_request: bool = False,
    ) -> None:
        super().__init__(message, provider=provider, hint=hint)
        self.http_status = http_status
        self.code = code
        self.text = text
        self.raw = raw.redacted() if raw is not None else None  # what an error keeps is shown
        self.before_request = before_request

    def __str__(self) -> str:
        base = super().__str__()
        details = []
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.http_status is not None and self.http_status != 200:
            details.append(f"HTTP {self.http_status}")
        return f"{base} [{', '.join(details)}]" if details else base


class AuthenticationError(ProviderError):
    default_hint = "check the credentials in the account URL"


class PermissionDeniedError(ProviderError):
    """The credentials are valid but this operation is not allowed for them.

    E.g. a non-admin token on an admin operation, an originator the account may not use, a
    request from an address the account does not allow.  Nothing was done.
    """

    default_hint = "the account may not do this: check its rights, its allowed addresses or its sender ids"


class NotFoundError(ProviderError):
    """The thing the operation names does not exist: a message id, user, group or campaign."""

    default_hint = "check the id or name; it may have been deleted or belong to another account"


class InsufficientCreditError(ProviderError):
    default_hint = "top up the account's credit"


class InvalidRecipientError(ProviderError):
    """A number the provider cannot take.  ``recipient`` names it."""

    default_hint = "use an international number (E.164, e.g. +41791234567) the provider serves"

    def __init__(
        self,
        message: str,
        *,
        recipient: str | None = None,
        provider: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
        text: str | None = None,
        raw: RawReply | None = None,
        hint: str | None = None,
        before_request: bool = False,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            http_status=http_status,
            code=code,
            text=text,
            raw=raw,
            hint=hint,
            before_request=before_request,
        )
        self.recipient = recipient


class InvalidSenderError(ProviderError):
    default_hint = "use a sender id registered with the provider and within its length rules"


class InvalidMessageError(ProviderError):
    default_hint = "check the text (not empty, within the length limit) and the options"


class RejectedError(ProviderError):
    pass


class DuplicateError(ProviderError):
    """The provider already holds a message with this client id.

    After a retry with the same id this means the first attempt was accepted.
    """

    outcome = Outcome.ALREADY_ACCEPTED
    default_hint = "a message with this client id was already accepted; it was not sent again"


class RateLimitedError(ProviderError):
    default_hint = "slow down (see the `rate` URL option) and try again later"


class ServiceUnavailableError(ProviderError):
    default_hint = "the provider reports a temporary problem; it is safe to try again later"


class UnsupportedOperationError(ProviderError):
    default_hint = "see `smsbridge providers` for what this provider supports"


class UnreadableReplyError(ProviderError):
    """The reply cannot be read (HTML page, empty or truncated body, HTTP 5xx).

    The message may or may not have been taken: the outcome is unknown.
    """

    outcome = Outcome.UNKNOWN
    default_hint = (
        "the provider's answer was not understood; the raw reply is kept on the error. "
        "Check delivery status before sending again"
    )
