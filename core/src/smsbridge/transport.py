"""HTTP for provider plugins: one ``requests.Session`` per account, redacted everywhere.

Why a wrapper and not a bare session: every call must have connect and read timeouts, TLS
verification on, a bounded reply size, a rate limit, and, above all, failures sorted into
"certainly not sent" (``ConnectError``) and "outcome unknown" (``ReadTimeoutError``,
``ConnectionLostError``).  Replies come back as ``RawReply`` whatever the HTTP status; the
plugin's parser decides what a status means (several providers answer errors with 200).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from smsbridge.errors import (
    ConnectError,
    ConnectionLostError,
    NotSentError,
    OutcomeUnknownError,
    ReadTimeoutError,
    UnreadableReplyError,
)
from smsbridge.models import RawReply

__all__ = ["RateLimiter", "Redactor", "Transport", "user_agent"]

log = logging.getLogger("smsbridge.http")

REDACTED = "***"


class Redactor:
    """Replaces every known secret (and its URL-encoded forms) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._needles: list[str] = []
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret, safe="/")}
        with self._lock:
            for form in forms:
                if form not in self._needles:
                    self._needles.append(form)
            self._needles.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._needles)} secrets)"


def preparatory_failure(exc: OutcomeUnknownError, provider: str | None) -> NotSentError:
    """A lost answer to a request that sends no message (a token fetch): certainly not sent."""
    return NotSentError(
        f"{exc.message}; this was a preparatory request, so no message was sent",
        provider=exc.provider or provider,
        url=exc.url,
        hint="safe to retry",
    )


class _ThirdPartyLogFilter(logging.Filter):
    """Redacts every live account's secrets from urllib3's own debug lines.

    urllib3 logs each request line, query string included, at DEBUG: a host application that
    turns on debug logging would otherwise see credentials that travel in a query (JorMall).
    """

    def __init__(self) -> None:
        super().__init__()
        self.redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for redactor in list(self.redactors):
            redacted = redactor(redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_third_party_filter = _ThirdPartyLogFilter()
logging.getLogger("urllib3.connectionpool").addFilter(_third_party_filter)


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


_SENSITIVE_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}


class Transport:
    """The HTTP side of one account.  Thread-safe; create with the account's secrets."""

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
    ) -> None:
        self.provider = provider
        self.timeout = (connect_timeout, read_timeout)
        self.redact = redactor
        _third_party_filter.redactors.add(redactor)
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
                    self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __repr__(self) -> str:
        return f"Transport(provider={self.provider!r}, timeout={self.timeout})"

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
        if preparatory:
            try:
                return self.request(method, url, params=params, data=data, json=json, headers=headers)
            except OutcomeUnknownError as exc:
                raise preparatory_failure(exc, self.provider) from None
        import requests
        from requests import exceptions as rexc

        self.limiter.acquire()
        started = time.perf_counter()
        shown_url = url
        try:
            prepared = self.session.prepare_request(
                requests.Request(method, url, params=params, data=data, json=json, headers=headers)
            )
            shown_url = self.redact(prepared.url or url)
            if log.isEnabledFor(logging.DEBUG):
                body = prepared.body
                text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
                log.debug("%s %s body=%s", method, shown_url, self.redact(text)[:2000])
            with self._lock:
                self.requests_made += 1
            response = self.session.send(
                prepared,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
                proxies=self._proxies_for(prepared),
            )
        except rexc.ConnectTimeout:
            raise ConnectError(
                f"could not connect to {_host(shown_url)} within {self.timeout[0]}s: nothing was sent",
                provider=self.provider,
                url=shown_url,
            ) from None
        except rexc.ReadTimeout:
            raise ReadTimeoutError(
                f"no answer from {_host(shown_url)} within {self.timeout[1]}s after the request was sent",
                provider=self.provider,
                url=shown_url,
            ) from None
        except rexc.SSLError as exc:
            raise ConnectError(
                f"TLS verification failed for {_host(shown_url)}: nothing was sent ({self.redact(_short(exc))})",
                provider=self.provider,
                url=shown_url,
                hint="fix the certificate chain or give a CA bundle with ca_bundle=PATH "
                "(verification is never turned off)",
            ) from None
        except rexc.ConnectionError as exc:
            if _is_connect_failure(exc):
                raise ConnectError(
                    f"could not connect to {_host(shown_url)} ({self.redact(_reason(exc))}): nothing was sent",
                    provider=self.provider,
                    url=shown_url,
                ) from None
            raise ConnectionLostError(
                f"the connection to {_host(shown_url)} was lost after the request was sent "
                f"({self.redact(_short(exc))})",
                provider=self.provider,
                url=shown_url,
            ) from None
        except (rexc.InvalidURL, rexc.MissingSchema, rexc.InvalidSchema) as exc:
            raise ConnectError(
                f"invalid request URL {shown_url!r}: {self.redact(_short(exc))}", provider=self.provider, url=shown_url
            ) from None
        try:
            content, truncated = self._read(response)
        except (rexc.ConnectionError, rexc.ChunkedEncodingError, rexc.ContentDecodingError) as exc:
            raise ConnectionLostError(
                f"the reply from {_host(shown_url)} broke off ({self.redact(_short(exc))})",
                provider=self.provider,
                url=shown_url,
            ) from None
        except rexc.ReadTimeout:
            raise ReadTimeoutError(
                f"the reply from {_host(shown_url)} stalled for over {self.timeout[1]}s",
                provider=self.provider,
                url=shown_url,
            ) from None
        finally:
            response.close()
        content_type = response.headers.get("Content-Type", "")
        body = self.redact(_decode(content, content_type))
        headers = {
            k: (REDACTED if k.lower() in _SENSITIVE_HEADERS else self.redact(v)) for k, v in response.headers.items()
        }
        reply = RawReply(
            status=response.status_code,
            body=body,
            content_type=content_type,
            url=shown_url,
            headers=headers,
            truncated=truncated,
        )
        log.debug(
            "%s %s -> %s %s (%d bytes, %.3fs)",
            method,
            shown_url,
            reply.status,
            content_type,
            len(content),
            time.perf_counter() - started,
        )
        if truncated:
            raise UnreadableReplyError(
                f"the reply is larger than {self.max_reply_bytes} bytes (max_reply_bytes); it was not read",
                provider=self.provider,
                http_status=reply.status,
                raw=reply,
            )
        return reply

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
        return urlsplit(url).netloc or url
    except ValueError:
        return "the provider"


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception behind it (causes, contexts, urllib3 reasons)."""
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


def _reason(exc: BaseException) -> str:
    """A short human reason for a connect failure, without urllib3's wrapping."""
    from urllib3.exceptions import NameResolutionError

    for current in _chain(exc):
        if isinstance(current, ConnectionRefusedError) or "Connection refused" in str(current):
            return "connection refused"
        if isinstance(current, NameResolutionError) or "Name or service not known" in str(current):
            return "the host name could not be resolved"
        if "Network is unreachable" in str(current):
            return "network unreachable"
    return _short(exc)


def _is_connect_failure(exc: BaseException) -> bool:
    """True when the failure happened before any byte of the request left."""
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    return any(
        isinstance(current, (NewConnectionError, NameResolutionError, ConnectionRefusedError))
        for current in _chain(exc)
    )
