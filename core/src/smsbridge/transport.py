"""HTTP for provider plugins: one ``requests.Session`` per account, with every guard built in.

Why a wrapper and not a bare session: every call must have connect and read timeouts, an
overall deadline, TLS verification on, a bounded reply size, a rate limit, and, above all,
failures sorted into "certainly not sent" and "outcome unknown".  Replies come back as
``RawReply`` whatever the HTTP status, exactly as the provider sent them (the plugin's parser
decides what a status means: several providers answer errors with 200); whatever keeps a reply
keeps its redacted copy (``RawReply.redacted``).

Every failure of ``Transport.request`` is one of these (httpx style: one table, below, from
what requests, urllib3, http.client and the socket raise to the error a caller handles)::

    InvalidRequestError ..... a header, URL or body HTTP cannot carry; nothing was sent
    ConnectError ............ refused, DNS, connect timeout, proxy, TLS before the request
                              was written; nothing was sent
    ReadTimeoutError ........ no answer within the read timeout            (outcome unknown)
    DeadlineExceededError ... the exchange outlived ``deadline=``          (outcome unknown)
    ConnectionLostError ..... reset or closed after the request was written (outcome unknown)
    UnreadableReplyError .... a malformed HTTP reply (two Content-Length values, bad status
                              line, undecodable body), or a reply over ``max_reply_bytes``
    OutcomeUnknownError ..... anything else once the request was written   (outcome unknown)

No other exception leaves ``request``, and the errors are raised outside the ``except``
block that caught the cause: nothing chained behind them holds the request (its URL, body
and headers carry the credentials).  Whether the request started to be written is tracked
per connection (``smsbridge.deadline``), so "nothing was sent" is a fact, not a guess.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from smsbridge.deadline import DeadlinePassed, Exchange, tracking_adapter
from smsbridge.errors import (
    ConnectError,
    ConnectionLostError,
    DeadlineExceededError,
    InvalidRequestError,
    NotSentError,
    OutcomeUnknownError,
    ReadTimeoutError,
    SmsBridgeError,
    UnreadableReplyError,
)
from smsbridge.models import RawReply
from smsbridge.redaction import REDACTED, Redactor, install_log_redaction, refresh_log_redaction

__all__ = [
    "DEFAULT_DEADLINE",
    "REDACTED",
    "RateLimiter",
    "Redactor",
    "Transport",
    "default_deadline",
    "is_foreign",
    "user_agent",
]

log = logging.getLogger("smsbridge.http")

#: seconds one exchange may take at most, reply included, unless ``deadline=`` says otherwise
DEFAULT_DEADLINE = 60.0


def default_deadline(connect_timeout: float, read_timeout: float) -> float:
    """The deadline of an account without ``deadline=``: 60 s, or connect + read timeout if longer."""
    return max(DEFAULT_DEADLINE, connect_timeout + read_timeout)


def preparatory_failure(exc: OutcomeUnknownError, provider: str | None) -> NotSentError:
    """A lost answer to a request that sends no message (a token fetch): certainly not sent."""
    return NotSentError(
        f"{exc.message}; this was a preparatory request, so no message was sent",
        provider=exc.provider or provider,
        url=exc.url,
        hint="safe to retry",
    )


class RateLimiter:
    """At most ``rate`` acquisitions a second, shared by every thread of an account."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, in all

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        if not self._interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        wait = start - now
        if wait > 0:
            time.sleep(wait)
            with self._lock:
                self.waited += wait
        return max(wait, 0.0)


def user_agent() -> str:
    from smsbridge import __version__

    return f"smsbridge/{__version__} (+https://pypi.org/project/smsbridge/)"


class _Unsendable(Exception):
    """The prepared request holds something HTTP cannot carry (checked before anything leaves)."""


class Transport:
    """The HTTP side of one account.  Thread-safe; create with the account's redactor."""

    def __init__(
        self,
        provider: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        redactor: Redactor,
        rate: float | None = None,
        max_reply_bytes: int = 1_048_576,
        ca_bundle: str | None = None,
        deadline: float | None = None,
    ) -> None:
        self.provider = provider
        self.timeout = (connect_timeout, read_timeout)
        self.deadline = deadline if deadline is not None else default_deadline(connect_timeout, read_timeout)
        self.redact = redactor
        install_log_redaction(redactor)
        self.limiter = RateLimiter(rate)
        self.max_reply_bytes = max_reply_bytes
        self.verify: str | bool = ca_bundle or True
        self._session: Any = None
        self._lock = threading.Lock()
        self._proxies: dict[str, dict[str, str]] = {}
        self.requests_made = 0

    @property
    def session(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import requests

                    session = requests.Session()
                    session.headers["User-Agent"] = user_agent()
                    session.trust_env = True
                    for prefix in ("https://", "http://"):
                        session.mount(prefix, tracking_adapter())
                    self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __repr__(self) -> str:
        return f"Transport(provider={self.provider!r}, timeout={self.timeout}, deadline={self.deadline})"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        data: Mapping[str, Any] | list[tuple[str, Any]] | bytes | str | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        preparatory: bool = False,
    ) -> RawReply:
        """Send one request; return its reply or raise a transport error.  Never retries.

        ``preparatory=True`` marks a request that sends no message (fetching a token before a
        send): losing its answer leaves the message certainly unsent, so the unknown-outcome
        errors become ``NotSentError`` and failover may move on.
        """
        parts: dict[str, Any] = {"params": params, "data": data, "json": json, "headers": headers}
        if preparatory:
            try:
                return self._request(method, url, parts)
            except OutcomeUnknownError as exc:
                lost = preparatory_failure(exc, self.provider)
            raise lost  # outside the except block: no context chained
        return self._request(method, url, parts)

    def _request(self, method: str, url: str, parts: dict[str, Any]) -> RawReply:
        refresh_log_redaction()
        self.limiter.acquire()
        started = time.perf_counter()
        attempt = _Attempt(Exchange(self.deadline))
        failure = self._exchange(attempt, method, url, parts)
        if failure is not None or attempt.exchange.interrupted:
            error = self._error(failure, attempt, url)
            del failure
            raise error  # outside the except block that caught the cause: nothing chained
        reply = self._reply(attempt, url)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s %s (%d bytes, %.3fs)",
                method,
                self.redact(reply.url),
                reply.status,
                reply.content_type,
                len(attempt.content),
                time.perf_counter() - started,
            )
        if attempt.truncated:
            raise UnreadableReplyError(
                f"the reply is larger than {self.max_reply_bytes} bytes (max_reply_bytes); it was not read",
                provider=self.provider,
                http_status=reply.status,
                raw=reply,
            )
        return reply

    def _exchange(self, attempt: _Attempt, method: str, url: str, parts: dict[str, Any]) -> BaseException | None:
        """Build, send and read, recording the stage reached; the failure is returned, not raised."""
        try:
            attempt.prepared = self._prepare(method, url, **parts)
            attempt.stage = "send"
            with self._lock:
                self.requests_made += 1
            with attempt.exchange:
                response = self.session.send(
                    attempt.prepared,
                    timeout=self.timeout,
                    verify=self.verify,
                    allow_redirects=False,
                    stream=True,
                    proxies=self._proxies_for(attempt.prepared),
                )
                attempt.response = response
                attempt.stage = "read"
                try:
                    attempt.content, attempt.truncated = self._read(response)
                finally:
                    response.close()
        except Exception as exc:  # mapped by the caller, outside this block: nothing chained to the error
            if _row(exc) is None and not isinstance(exc, DeadlinePassed):
                _mark_foreign(exc)
                raise  # not the HTTP stack's: a time limit or another signal of the caller's own
            return exc
        return None

    def _reply(self, attempt: _Attempt, url: str) -> RawReply:
        response = attempt.response
        assert response is not None
        content_type = response.headers.get("Content-Type", "")
        return RawReply(
            status=response.status_code,
            body=_decode(attempt.content, content_type),
            content_type=content_type,
            url=attempt.prepared.url or url,
            headers=dict(response.headers),
            truncated=attempt.truncated,
            redactor=self.redact,
        )

    # ------------------------------------------------------------------ before anything leaves

    def _prepare(self, method: str, url: str, **parts: Any) -> Any:
        """The prepared request, checked byte by byte against what HTTP can carry."""
        import requests

        return self._checked(self.session.prepare_request(requests.Request(method, url, **parts)))

    def _checked(self, prepared: Any) -> Any:
        """``prepared`` once its credentials are known secrets and it holds nothing HTTP refuses."""
        method, url = prepared.method, prepared.url
        for name in ("Authorization", "Proxy-Authorization"):
            value = prepared.headers.get(name)
            if isinstance(value, str) and value:  # a credential in a header is a secret from now on
                self.redact.add(value.partition(" ")[2] or value)
        _check_wire(prepared)
        if log.isEnabledFor(logging.DEBUG):
            body = prepared.body
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
            log.debug("%s %s body=%s", method, self.redact(url or ""), self.redact(text)[:2000])
        return prepared

    def _proxies_for(self, prepared: Any) -> dict[str, str]:
        """Proxy settings for the request's scheme and host, read from the environment once.

        requests reads ``*_PROXY``/``NO_PROXY`` on every call (about 0.2 ms); an account talks to
        one host, so the answer is kept per scheme and host for the account's lifetime.
        """
        from urllib.parse import urlsplit

        from requests.utils import resolve_proxies

        parts = urlsplit(prepared.url or "")
        key = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies.get(key)
        if found is None:
            found = resolve_proxies(prepared, self.session.proxies, self.session.trust_env)
            with self._lock:
                self._proxies[key] = found
        return found

    def _read(self, response: Any) -> tuple[bytes, bool]:
        limit = self.max_reply_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
        return b"".join(chunks), False

    # ------------------------------------------------------------------ failures to errors

    def _error(self, failure: BaseException | None, attempt: _Attempt, url: str) -> SmsBridgeError:
        """The typed error for ``failure`` at the stage ``attempt`` reached (build, send or read)."""
        if attempt.stage == "build":
            return self._unsendable(failure, url)
        shown = self.redact(url)
        host = _host(shown)
        exchange = attempt.exchange
        if exchange.interrupted or isinstance(failure, DeadlinePassed):
            return self._deadline_error(exchange, host, shown)
        assert failure is not None
        row = _row(failure)
        factory = row[1] if row is not None else _other
        # nothing was written: known when the connection is tracked; without tracking, a TLS
        # failure can only be the handshake's
        tls = factory is _tls
        written = attempt.stage == "read" or (exchange.writing if exchange.tracked else not tls)
        return factory(_Failed(self, failure, attempt.stage, written, host, shown, self._why(failure)))

    def _unsendable(self, failure: BaseException | None, url: str) -> SmsBridgeError:
        """The error for a request that failed while being built: nothing left."""
        shown = self.redact(url)
        return InvalidRequestError(
            f"the request to {_host(shown)} cannot be sent ({self._why(failure)}): nothing was sent",
            provider=self.provider,
            url=shown,
        )

    def _deadline_error(self, exchange: Exchange, host: str, shown: str) -> SmsBridgeError:
        if exchange.tracked and not exchange.writing:
            return ConnectError(
                f"no connection to {host} within the deadline of {self.deadline:g}s: nothing was sent",
                provider=self.provider,
                url=shown,
            )
        return DeadlineExceededError(
            f"the exchange with {host} did not complete within the deadline of {self.deadline:g}s "
            "(deadline=); the request was sent",
            provider=self.provider,
            url=shown,
        )

    def _why(self, failure: BaseException | None) -> str:
        return self.redact(_reason(failure)) if failure is not None else "unknown"


class _Attempt:
    """How far one exchange got, and what it read."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.stage = "build"  # then "send" once the request is built, "read" once the headers came
        self.prepared: Any = None
        self.response: Any = None
        self.content = b""
        self.truncated = False


@dataclass(frozen=True)
class _Failed:
    """What an error factory of the table needs to know about one failure."""

    transport: Transport
    failure: BaseException
    stage: str  # "send" or "read"
    written: bool  # whether the request started to be written
    host: str
    url: str  # redacted
    why: str  # redacted

    @property
    def common(self) -> dict[str, Any]:
        return {"provider": self.transport.provider, "url": self.url}


# ---------------------------------------------------------------------------- the one table


def _not_connected(f: _Failed) -> SmsBridgeError:
    if _is_connect_timeout(f.failure):
        return ConnectError(
            f"could not connect to {f.host} within {f.transport.timeout[0]:g}s: nothing was sent", **f.common
        )
    return ConnectError(f"could not connect to {f.host} ({f.why}): nothing was sent", **f.common)


def _lost(f: _Failed) -> SmsBridgeError:
    if not f.written:
        return _not_connected(f)
    if f.stage == "read":
        return ConnectionLostError(f"the reply from {f.host} broke off ({f.why})", **f.common)
    return ConnectionLostError(f"the connection to {f.host} was lost after the request was sent ({f.why})", **f.common)


def _connect(f: _Failed) -> SmsBridgeError:
    return _not_connected(f) if f.stage == "send" else _lost(f)


def _tls(f: _Failed) -> SmsBridgeError:
    if f.written:
        return _lost(f)
    return ConnectError(
        f"TLS with {f.host} failed: nothing was sent ({f.why})",
        hint="fix the certificate chain or give a CA bundle with ca_bundle=PATH (verification is never turned off)",
        **f.common,
    )


def _timeout(f: _Failed) -> SmsBridgeError:
    if not f.written:
        return _not_connected(f)
    if f.stage == "read":
        return ReadTimeoutError(f"the reply from {f.host} stalled for over {f.transport.timeout[1]:g}s", **f.common)
    return ReadTimeoutError(
        f"no answer from {f.host} within {f.transport.timeout[1]:g}s after the request was sent", **f.common
    )


def _malformed_reply(f: _Failed) -> SmsBridgeError:
    return UnreadableReplyError(
        f"unreadable reply: the HTTP reply from {f.host} is malformed ({f.why})", provider=f.transport.provider
    )


def _unencodable(f: _Failed) -> SmsBridgeError:
    if f.written:
        return _other(f)
    return InvalidRequestError(f"the request to {f.host} cannot be sent ({f.why}): nothing was sent", **f.common)


def _other(f: _Failed) -> SmsBridgeError:
    return OutcomeUnknownError(
        f"the exchange with {f.host} failed after the request was sent ({type(f.failure).__name__}: {f.why})",
        **f.common,
    )


_Factory = Callable[[_Failed], SmsBridgeError]


def _exception_table() -> tuple[tuple[tuple[type[BaseException], ...], _Factory], ...]:
    """What each exception means, most specific first: (exception classes, error factory).

    The whole chain of a failure is matched (``_row``); a factory also weighs the stage and
    whether the request started to be written (a timeout before a byte left is "not sent").
    """
    import http.client
    import socket
    import ssl

    from requests import exceptions as r
    from urllib3 import exceptions as u

    return (
        (
            (
                r.ConnectTimeout,
                r.ProxyError,
                u.ConnectTimeoutError,  # NewConnectionError and NameResolutionError too
                u.ProxyError,
                u.ProxySchemeUnknown,
                u.ClosedPoolError,
                u.EmptyPoolError,
                u.HostChangedError,
                ConnectionRefusedError,
                socket.gaierror,
            ),
            _connect,
        ),
        ((r.SSLError, u.SSLError, ssl.SSLError, ssl.CertificateError), _tls),
        ((r.ReadTimeout, r.Timeout, u.ReadTimeoutError, u.TimeoutError, TimeoutError), _timeout),
        (
            (
                http.client.IncompleteRead,  # urllib3's IncompleteRead and InvalidChunkLength too
                http.client.RemoteDisconnected,
            ),
            _lost,
        ),
        (
            (
                r.InvalidHeader,
                u.InvalidHeader,
                u.HeaderParsingError,
                r.ContentDecodingError,
                u.DecodeError,
                r.TooManyRedirects,
                r.RetryError,
                u.ResponseError,
                u.ResponseNotChunked,
                u.BodyNotHttplibCompatible,
                http.client.HTTPException,
                UnicodeDecodeError,
            ),
            _malformed_reply,
        ),
        ((r.ChunkedEncodingError, u.ProtocolError, ConnectionError), _lost),
        (
            (
                r.InvalidURL,
                r.MissingSchema,
                r.InvalidSchema,
                r.URLRequired,
                r.InvalidJSONError,
                r.UnrewindableBodyError,
                r.StreamConsumedError,
                u.UnrewindableBodyError,
                u.LocationValueError,
                u.ProxySchemeUnsupported,
                UnicodeEncodeError,
                _Unsendable,
                ValueError,
                TypeError,
            ),
            _unencodable,
        ),
        ((r.ConnectionError, r.RequestException, u.HTTPError, OSError), _lost),
    )


_table_cache: list[tuple[tuple[type[BaseException], ...], _Factory]] = []

_FOREIGN = "_smsbridge_foreign"


def _mark_foreign(exc: BaseException) -> None:
    try:
        setattr(exc, _FOREIGN, True)
    except AttributeError:  # an exception class with __slots__: it still propagates
        pass


def is_foreign(exc: BaseException) -> bool:
    """Whether ``exc`` interrupted a request from outside the HTTP stack (a task queue's time
    limit raised by a signal handler, say): the caller's own, never a provider's failure, so it
    propagates unchanged through the core; the request it cut may have left."""
    return bool(getattr(exc, _FOREIGN, False))


def _row(failure: BaseException) -> tuple[tuple[type[BaseException], ...], _Factory] | None:
    """The first table row any exception of ``failure``'s chain matches (``None``: not the HTTP stack's)."""
    if not _table_cache:
        _table_cache.extend(_exception_table())
    chain = _chain(failure)
    for row in _table_cache:
        if any(isinstance(e, row[0]) for e in chain):
            return row
    return None


# ---------------------------------------------------------------------------- helpers


def _check_wire(prepared: Any) -> None:
    """Refuse what http.client would fail on halfway: every check here runs before a byte leaves."""
    if not isinstance(prepared.method, str) or not re.fullmatch(r"[A-Z]+", prepared.method or ""):
        raise _Unsendable("the HTTP method is malformed")
    target = prepared.url or ""
    if not target.isascii() or re.search(r"[\x00-\x20\x7f]", target):
        raise _Unsendable("the URL holds characters HTTP cannot carry")
    for name, value in prepared.headers.items():
        if not isinstance(name, str) or not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
            raise _Unsendable("a header name is malformed")
        if isinstance(value, str):
            try:
                value.encode("latin-1")
            except UnicodeEncodeError as exc:
                raise _Unsendable(
                    f"header {name} holds a character HTTP headers cannot carry (position {exc.start})"
                ) from None
            if re.search(r"[\r\n\x00]", value):
                raise _Unsendable(f"header {name} holds a line break or NUL")
    if isinstance(prepared.body, str):
        try:
            prepared.body.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise _Unsendable(f"the body holds a character that cannot be encoded (position {exc.start})") from None


def _is_connect_timeout(failure: BaseException) -> bool:
    from requests.exceptions import ConnectTimeout
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    return any(
        isinstance(e, ConnectTimeout) or (isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError))
        for e in _chain(failure)
    )


def _decode(content: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"'")
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).netloc.rpartition("@")[2] or "the provider"
    except ValueError:
        return "the provider"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception behind it (causes, contexts, urllib3 reasons, wrapped args)."""
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.append(current.__cause__)
        stack.append(current.__context__)
    return seen


_NOISE = re.compile(r"\S+://\S+|with url: \S+|<[^>]*object at 0x[0-9a-f]+>:?\s*|\w+Pool\([^)]*\):\s*")


def _reason(exc: BaseException) -> str:
    """A short human reason for a failure: never a URL, never a requests object's repr."""
    import http.client
    import ssl

    from urllib3.exceptions import DecodeError, NameResolutionError

    chain = _chain(exc)
    for current in chain:
        if isinstance(current, ConnectionRefusedError) or "Connection refused" in str(current):
            return "connection refused"
        if isinstance(current, NameResolutionError) or "Name or service not known" in str(current):
            return "the host name could not be resolved"
        if "Network is unreachable" in str(current):
            return "network unreachable"
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"certificate verification failed: {current.verify_message}"
        if isinstance(current, http.client.RemoteDisconnected):
            return "the server closed the connection without an answer"
        if isinstance(current, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(current, http.client.IncompleteRead):
            return "the body ended before its announced length"
        if isinstance(current, DecodeError):
            return "the body could not be decoded as its Content-Encoding says"
        if isinstance(current, _Unsendable):
            return str(current)
    deepest = chain[-1] if chain else exc
    text = _NOISE.sub("", str(deepest)).strip(" :()'\"") or type(deepest).__name__
    return text if len(text) < 200 else text[:197] + "..."
