"""A test kit for provider plugin authors (and host applications).

* ``FakeTransport`` / ``fake_account``: drive a plugin with hand-made replies, no network.
* ``credential``: test credentials from environment variables with dummy fallbacks, so a
  maintainer with real credentials can re-record cassettes with ``--record-mode=rewrite``.
* ``scrub_request`` / ``scrub_response`` / ``vcr_config_for``: vcrpy filters that take every
  secret out of headers, query, form fields and JSON/XML bodies, by the field names each
  provider declares in ``ProviderSpec.secret_fields``.
* ``smsbridge.testing.pytest_plugin``: fixtures (``vcr_config``, ``vcr_cassette_dir``,
  ``sms_outbox``) and the check that every replayed cassette was fully played.
* ``smsbridge.testing.conformance.ProviderConformance``: the suite every provider runs;
  ``cassette_replies`` turns a recorded cassette into the valid samples it mutates.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from smsbridge.models import RawReply
from smsbridge.redaction import Redactor
from smsbridge.transport import Transport

__all__ = [
    "FILTERED",
    "FakeTransport",
    "SentRequest",
    "cassette_replies",
    "credential",
    "fake_account",
    "reply",
    "scrub_request",
    "scrub_response",
    "scrub_text",
    "vcr_config_for",
]

FILTERED = "FILTERED"


def credential(env: str, dummy: str) -> str:
    """A test credential: ``$env`` when set (re-recording), else the dummy used in cassettes."""
    return os.environ.get(env) or dummy


# ---------------------------------------------------------------------------- fake transport


@attrs.frozen
class SentRequest:
    method: str
    url: str
    params: Any = None
    data: Any = None
    json: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)


def reply(body: str | bytes = "", status: int = 200, content_type: str = "text/plain; charset=utf-8") -> RawReply:
    """A ``RawReply`` for ``FakeTransport``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return RawReply(status=status, body=text, content_type=content_type, url="https://fake.invalid/")


Responder = Callable[[SentRequest], "RawReply | BaseException"]


class FakeTransport(Transport):
    """A transport that answers from a list or a function and records every request.

    ``replies``: ``RawReply`` objects (or exceptions to raise) served in order, the last one
    repeated; or a callable receiving the ``SentRequest``.  Replies carry the account's
    redactor as real ones do, so secret-leak tests see what real errors and results keep.
    """

    def __init__(self, base: Transport, replies: Iterable[RawReply | BaseException] | Responder) -> None:
        super().__init__(
            base.provider,
            connect_timeout=base.timeout[0],
            read_timeout=base.timeout[1],
            deadline=base.deadline,
            redactor=base.redact,
            max_reply_bytes=base.max_reply_bytes,
        )
        self.sent: list[SentRequest] = []
        self._responder = replies if callable(replies) else None
        self._queue = [] if callable(replies) else list(replies)
        self._qlock = threading.Lock()

    def request(self, method: str, url: str, **kwargs: Any) -> RawReply:  # type: ignore[override]
        if kwargs.pop("preparatory", False):
            from smsbridge.errors import OutcomeUnknownError
            from smsbridge.transport import preparatory_failure

            try:
                return self.request(method, url, **kwargs)
            except OutcomeUnknownError as exc:
                lost = preparatory_failure(exc, self.provider)
            raise lost
        self._refuse_what_http_cannot_carry(method, url, kwargs)
        sent = SentRequest(
            method=method,
            url=url,
            params=kwargs.get("params"),
            data=kwargs.get("data"),
            json=kwargs.get("json"),
            headers=dict(kwargs.get("headers") or {}),
        )
        with self._qlock:
            self.sent.append(sent)
            self.requests_made += 1
            if self._responder is not None:
                answer = self._responder(sent)
            else:
                if not self._queue:
                    raise AssertionError("FakeTransport has no reply queued")
                answer = self._queue.pop(0) if len(self._queue) > 1 else self._queue[0]
        if isinstance(answer, BaseException):
            raise answer
        # as the real transport: the reply as it came, with the account's redactor attached
        result = attrs.evolve(answer, url=url, redactor=self.redact)
        if len(answer.body.encode("utf-8")) > self.max_reply_bytes:
            from smsbridge.errors import UnreadableReplyError

            raise UnreadableReplyError(
                f"the reply is larger than {self.max_reply_bytes} bytes (max_reply_bytes); it was not read",
                provider=self.provider,
                http_status=answer.status,
                raw=attrs.evolve(result, body=result.body[: self.max_reply_bytes], truncated=True),
            )
        return result

    def _refuse_what_http_cannot_carry(self, method: str, url: str, parts: dict[str, Any]) -> None:
        """As the real transport: a header, URL or body HTTP cannot carry is refused, not sent."""
        import requests

        failure: Exception | None = None
        try:
            self._checked(requests.Request(method, url, **parts).prepare())
        except Exception as exc:
            failure = exc
        if failure is not None:
            raise self._unsendable(failure, url)


def cassette_replies(path: str | os.PathLike[str]) -> list[RawReply]:
    """The responses recorded in a vcrpy cassette, in order, as ``RawReply`` objects.

    For ``FakeTransport`` and the conformance suite's samples: a reply as the provider really
    answered (the cassette names its source), without replaying the requests.
    """
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    replies = []
    for interaction in data.get("interactions", []):
        response = interaction["response"]
        body = response.get("body", {}).get("string", "")
        headers = {k: v[0] if isinstance(v, list) and v else str(v) for k, v in (response.get("headers") or {}).items()}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        replies.append(reply(body or "", status=int(response["status"]["code"]), content_type=content_type))
    return replies


def fake_account(source: str | Mapping[str, Any], replies: Iterable[RawReply | BaseException] | Responder) -> Any:
    """``smsbridge.connect(source)`` with a ``FakeTransport`` injected as its transport."""
    from smsbridge.client import connect

    return connect(source, transport=lambda built: FakeTransport(built, replies))


# ---------------------------------------------------------------------------- cassette scrubbing


def scrub_text(text: str, fields: Iterable[str], values: Iterable[str] = ()) -> str:
    """Replace secret fields' values (JSON, XML, form) and known secret values with FILTERED.

    Values are found in every encoding they take on the wire (percent, JSON and XML escapes,
    PHP's ``\\/``), as the account's own redactor finds them: see ``smsbridge.redaction``.
    """
    return Redactor(values, fields=fields, replacement=FILTERED)(text)


def _scrub_pairs(pairs: list[tuple[str, str]], lowered: set[str], redact: Redactor) -> list[tuple[str, str]]:
    return [(k, FILTERED if k.lower() in lowered else redact(v)) for k, v in pairs]


def scrub_request(fields: Iterable[str], values: Iterable[str] = ()) -> Callable[[Any], Any]:
    """A vcrpy ``before_record_request`` that filters secrets from every part of a request."""
    fields = tuple(fields)
    lowered = {f.lower() for f in fields}
    redact = Redactor(values, fields=fields, replacement=FILTERED)
    values_only = Redactor(values, replacement=FILTERED)

    def before_record_request(request: Any) -> Any:
        parts = urlsplit(request.uri)
        if parts.query:
            query = urlencode(_scrub_pairs(parse_qsl(parts.query, keep_blank_values=True), lowered, values_only))
            request.uri = urlunsplit(parts._replace(query=query))
        for name in list(request.headers):
            if name.lower() in ("authorization", "cookie", "proxy-authorization") or name.lower() in lowered:
                request.headers[name] = FILTERED
            elif isinstance(request.headers[name], str):
                request.headers[name] = values_only(request.headers[name])
        body = request.body
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
            content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
            if "x-www-form-urlencoded" in content_type:
                new = urlencode(_scrub_pairs(parse_qsl(text, keep_blank_values=True), lowered, values_only))
            elif "json" in content_type:
                new = _scrub_json(text, lowered, redact, values_only)
            else:
                new = redact(text)
            request.body = new.encode("utf-8")
        return request

    return before_record_request


def _scrub_json(text: str, lowered: set[str], redact: Redactor, values_only: Redactor) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return redact(text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (FILTERED if k.lower() in lowered else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return values_only(node)
        return node

    return json.dumps(walk(data), ensure_ascii=False, separators=(",", ":"))


def scrub_response(fields: Iterable[str], values: Iterable[str] = ()) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A vcrpy ``before_record_response`` that filters secrets a provider echoes back."""
    redact = Redactor(values, fields=tuple(fields), replacement=FILTERED)

    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string")
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            scrubbed = redact(text)
            response["body"]["string"] = scrubbed.encode("utf-8") if isinstance(body, bytes) else scrubbed
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in ("set-cookie",):
                headers[name] = [FILTERED]
            else:
                headers[name] = [redact(v) if isinstance(v, str) else v for v in headers[name]]
        return response

    return before_record_response


def vcr_config_for(fields: Iterable[str], values: Iterable[str] = ()) -> dict[str, Any]:
    """The vcrpy configuration smsbridge tests use.  No record mode here, on purpose:
    ``--record-mode`` (default ``none``) decides, so ``--record-mode=rewrite`` re-records."""
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "before_record_request": scrub_request(fields, values),
        "before_record_response": scrub_response(fields, values),
        "decode_compressed_response": True,
    }
