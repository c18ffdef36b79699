"""The conformance suite every provider plugin runs.

Subclass it in the plugin's tests and fill in the class attributes::

    from smsbridge.testing import cassette_replies
    from smsbridge.testing.conformance import ProviderConformance

    class TestConformance(ProviderConformance):
        provider_id = "aspsms"
        url = "aspsms://test-userkey:test-password@default?sender=Shop"
        secrets = ("test-userkey", "test-password")
        number = "+41791234567"
        samples = {  # one valid exchange per operation, as the provider really answers
            "send": [reply('{"StatusCode":"1","StatusInfo":"OK"}', content_type="application/json")],
            "balance": cassette_replies("cassettes/aspsms/test_balance/test_balance_whole_credits.yaml"),
            "admin:VersionInfo": [...],
        }

It checks, without network: discovery through the real entry point; declared capabilities
match the implemented hooks; reprs and error texts hold no secret; and that **no reply,
however malformed, gets anything but a result or a typed smsbridge error out of any
operation**.  Every operation the provider declares (send, a bulk request, balance, delivery
status, inbound, estimate, each admin operation, callbacks) is fed:

* ``MALFORMED_REPLIES``: replies no provider answers with (an empty object, a list, ``null``,
  a bare string or number, a huge number, an HTML page, an empty or truncated body, bytes
  that are not UTF-8), at every position of the exchange (a token request first, then the
  operation's own request);
* every mutation of the plugin's own valid sample (``mutations``): each field dropped, made
  ``null``, given the wrong type (text, number, list, object, boolean), a huge number,
  superscript digits (``str.isdigit()`` but not ``int()``), replacement characters; a text
  or XML body truncated and its numbers replaced.

A ``KeyError``, ``ValueError``, ``TypeError``, ``OverflowError``, ``decimal.InvalidOperation``
or any other exception escaping an operation fails the suite, and so does a result of the
wrong shape (a non-finite balance, a naive datetime), or a send reported accepted on a reply
that says nothing.

A provider with callbacks (``capabilities.callbacks`` / ``inbound_callbacks``) also gives
``callback_samples``: real callback requests (:class:`CallbackSample`, each naming its
source).  Each goes through the real receiver (WSGI, a SQLite ledger) and must be answered
exactly what ``smsbridge_callback_spec`` declares and stored once (a replay is a duplicate);
junk is a 400 with nothing stored.  A provider that signs its callbacks (``verify``) also
gives ``sign_sample`` and ``callback_empty_secret_url``: a tampered body, query or path, or
a missing signature, is a 403 with nothing stored, and an empty secret is a
``ConfigurationError``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from smsbridge.errors import ConfigurationError, SmsBridgeError, UnreadableReplyError
from smsbridge.models import (
    AdminOperation,
    AdminResult,
    Balance,
    CallbackKind,
    CallbackRequest,
    DeliveryReport,
    DeliveryStatus,
    Estimate,
    InboundMessage,
    RawReply,
    ReceiptStatus,
    SendResult,
)
from smsbridge.testing import fake_account, reply

__all__ = ["JUNK_REPLIES", "MALFORMED_REPLIES", "CallbackSample", "ProviderConformance", "mutations"]


@attrs.frozen
class CallbackSample:
    """A callback as the provider really makes it (``source`` says where that is known from).

    ``query`` is the raw query string the provider appends to the receiver URL; ``body`` and
    ``content_type`` what it posts.
    """

    kind: CallbackKind
    source: str
    method: str = "GET"
    query: str = ""
    body: bytes = b""
    content_type: str = ""
    headers: Mapping[str, str] = attrs.field(factory=dict)


_JSON = "application/json; charset=utf-8"
_HUGE = "9" * 5000  # more digits than int() reads (4300) and than any field holds

#: Unreadable replies: each must give ``UnreadableReplyError`` (or another smsbridge error) on a send.
JUNK_REPLIES: dict[str, RawReply] = {
    "html_error_page": reply(
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
        status=200,
        content_type="text/html",
    ),
    "empty_body": reply("", status=200),
    "truncated_json": reply('{"StatusCode":"1","StatusInfo":"O', content_type="application/json"),
    "truncated_xml": reply('<?xml version="1.0"?><response><item><status>OK', content_type="text/xml"),
    "http_500_empty": reply("", status=500),
    "http_503_html": reply("<html><body>Service Unavailable</body></html>", status=503, content_type="text/html"),
    "wrong_content_type_binary": reply("\x00\x01\x02PNG", content_type="image/png"),
    "json_null": reply("null", content_type="application/json"),
    "json_list": reply("[1, 2, 3]", content_type="application/json"),
}

#: Replies no provider answers with, fed to every operation (with the junk above).
MALFORMED_REPLIES: dict[str, RawReply] = {
    **JUNK_REPLIES,
    "empty_object": reply("{}", content_type=_JSON),
    "empty_list": reply("[]", content_type=_JSON),
    "json_string": reply('"OK"', content_type=_JSON),
    "json_number": reply("1", content_type=_JSON),
    "json_true": reply("true", content_type=_JSON),
    "huge_number": reply(_HUGE, content_type=_JSON),
    "huge_float": reply("1e999", content_type=_JSON),
    "object_of_nulls": reply('{"status": null, "data": null, "error": null, "id": null}', content_type=_JSON),
    "object_of_wrong_types": reply('{"status": [], "data": "x", "error": {}, "id": 1.5}', content_type=_JSON),
    "whitespace": reply(" \r\n\t", content_type="text/plain"),
    "plain_ok": reply("OK", content_type="text/plain"),
    "not_utf8": reply(b'{"status":"\xff\xfe","data":"\x80\x81"}', content_type=_JSON),
    "xml_empty_root": reply('<?xml version="1.0" encoding="utf-8"?><response/>', content_type="text/xml"),
    "xml_string_empty": reply(
        '<?xml version="1.0"?><string xmlns="http://tempuri.org/"></string>', content_type="text/xml"
    ),
}

_CAPABILITY_HOOKS = {
    "balance": "smsbridge_balance",
    "delivery_status": "smsbridge_delivery_status",
    "inbound": "smsbridge_inbound",
    "callbacks": "smsbridge_parse_callback",
    "inbound_callbacks": "smsbridge_parse_inbound_callback",
    "estimate": "smsbridge_estimate",
}

# what a field of a valid reply is replaced with; "__huge_int__" becomes a 5000-digit literal
_REPLACEMENTS: dict[str, Any] = {
    "null": None,
    "empty_text": "",
    "text": "x",
    "superscript_digits": "²²²",
    "replacement_chars": "\ufffd\ufffd",
    "huge_digits": _HUGE,
    "huge_int": "__huge_int__",
    "infinite": "__infinity__",
    "negative": -1,
    "fraction": 1.5,
    "true": True,
    "list": [],
    "object": {},
}
_LITERALS = {'"__huge_int__"': _HUGE, '"__infinity__"': "1e999"}
_MAX_NODES = 48  # fields mutated per reply: enough for every field of a real reply, bounded for CI


def mutations(sample: RawReply) -> Iterator[tuple[str, RawReply]]:
    """Malformed variants of a valid reply: ``(what was changed, the reply)``.

    JSON: each field (up to ``_MAX_NODES``) dropped or replaced (``_REPLACEMENTS``), and the
    body truncated.  Any other body (text, XML): truncated at a quarter, half and three
    quarters, each number replaced by a huge one, superscript digits or nothing, each XML
    element's text emptied.
    """
    body = sample.body
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, (dict, list)):
        for path in list(_paths(data))[:_MAX_NODES]:
            if isinstance(_locate(data, path)[0], dict):
                yield f"drop {_shown(path)}", _with_body(sample, json.dumps(_without(data, path)))
            for name, value in _REPLACEMENTS.items():
                text = json.dumps(_replaced(data, path, value))
                for placeholder, literal in _LITERALS.items():
                    text = text.replace(placeholder, literal)
                yield f"{_shown(path)}={name}", _with_body(sample, text)
        yield "truncated", _with_body(sample, body[: len(body) // 2])
        return
    for fraction in (4, 2):
        yield f"truncated to 1/{fraction}", _with_body(sample, body[: len(body) // fraction])
    yield "truncated to 3/4", _with_body(sample, body[: len(body) * 3 // 4])
    for index, match in enumerate(list(re.finditer(r"\d+", body))[:_MAX_NODES]):
        for name, value in (("huge", _HUGE), ("superscript", "²²²"), ("none", ""), ("negative", "-1")):
            yield f"number {index}={name}", _with_body(sample, body[: match.start()] + value + body[match.end() :])
    for index, match in enumerate(list(re.finditer(r">([^<>]+)<", body))[:_MAX_NODES]):
        yield f"element text {index} emptied", _with_body(sample, body[: match.start(1)] + body[match.end(1) :])


def _with_body(sample: RawReply, body: str) -> RawReply:
    return attrs.evolve(sample, body=body)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):  # the first items show every shape a list holds
            yield from _paths(value, (*path, index))


def _locate(data: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def _copy(data: Any) -> Any:
    return json.loads(json.dumps(data))


def _without(data: Any, path: tuple[Any, ...]) -> Any:
    copy = _copy(data)
    parent, key = _locate(copy, path)
    del parent[key]
    return copy


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = _copy(data)
    parent, key = _locate(copy, path)
    parent[key] = value
    return copy


def _shown(path: tuple[Any, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".")


_CALLBACK_VALUES = {
    "empty": "",
    "superscript": "²²²",
    "huge": _HUGE,
    "text": "x",
    "replacement": "\ufffd",
    "negative": "-1",
    "infinite": "1e999",
    "null": "null",
    "json_list": "[]",
}


def _callback_mutations(sample: CallbackRequest) -> Iterator[tuple[str, CallbackRequest]]:
    """Malformed variants of a valid callback: each query and form field dropped or replaced, the body mutated."""
    for part in ("query", "form"):
        values: Mapping[str, str] = getattr(sample, part)

        def changed(new: dict[str, str], part: str = part) -> CallbackRequest:
            return attrs.evolve(sample, query=new) if part == "query" else attrs.evolve(sample, form=new)

        for key in list(values)[:_MAX_NODES]:
            yield f"{part} drop {key}", changed({k: v for k, v in values.items() if k != key})
            for name, value in _CALLBACK_VALUES.items():
                yield f"{part} {key}={name}", changed({**values, key: value})
    if sample.body:
        as_reply = RawReply(status=200, body=sample.body.decode("utf-8", "replace"))
        for what, mutated in mutations(as_reply):
            yield f"body {what}", attrs.evolve(sample, body=mutated.body.encode("utf-8"))


#: Requests that are no callback of any provider.
MALFORMED_CALLBACKS: dict[str, CallbackRequest] = {
    "empty": CallbackRequest(),
    "unknown_fields": CallbackRequest(query={"foo": "bar"}),
    "post_empty_form": CallbackRequest(method="POST"),
    "json_body_empty_object": CallbackRequest(method="POST", body=b"{}", headers={"Content-Type": "application/json"}),
    "json_body_list": CallbackRequest(method="POST", body=b"[1]", headers={"Content-Type": "application/json"}),
    "truncated_json_body": CallbackRequest(method="POST", body=b'{"a":', headers={"Content-Type": "application/json"}),
    "not_utf8_body": CallbackRequest(method="POST", body=b"\xff\xfe\x80", headers={"Content-Type": "text/plain"}),
    "huge_values": CallbackRequest(query={"id": _HUGE, "status": _HUGE, "TRN": _HUGE, "DST": _HUGE}),
}


def _aware(*values: dt.datetime | None) -> bool:
    return all(v is None or v.utcoffset() is not None for v in values)


def _result_problem(kind: str, result: Any) -> str | None:
    """What is wrong with an operation's result, or ``None``; the models' promises, checked."""
    if kind in ("send", "bulk_send"):
        if not isinstance(result, SendResult):
            return f"returned {type(result).__name__}, not SendResult"
        for receipt in result.receipts:
            if not isinstance(receipt.status, ReceiptStatus):
                return f"a receipt status {receipt.status!r} is not a ReceiptStatus"
            if receipt.message_id is not None and not isinstance(receipt.message_id, str):
                return f"message_id {receipt.message_id!r} is not a string"
        return None
    if kind == "balance":
        if not isinstance(result, Balance):
            return f"returned {type(result).__name__}, not Balance"
        if not isinstance(result.amount, Decimal) or not result.amount.is_finite():
            return f"balance amount {result.amount!r} is not a finite Decimal"
        return None
    if kind in ("delivery_status", "callback"):
        if not isinstance(result, list) or not all(isinstance(r, DeliveryReport) for r in result):
            return "did not return a list of DeliveryReport"
        for report in result:
            if not isinstance(report.message_id, str) or not isinstance(report.status, DeliveryStatus):
                return f"report {report!r} has a non-string id or a status that is not a DeliveryStatus"
            if not _aware(report.submitted_at, report.updated_at):
                return f"report {report.message_id!r} has a naive datetime"
        return None
    if kind == "inbound":
        if not isinstance(result, list) or not all(isinstance(m, InboundMessage) for m in result):
            return "did not return a list of InboundMessage"
        for message in result:
            if not all(isinstance(v, str) for v in (message.id, message.sender, message.text)):
                return f"inbound message {message!r} has a non-string id, sender or text"
            if not _aware(message.received_at):
                return f"inbound message {message.id!r} has a naive datetime"
        return None
    if kind == "estimate":
        if not isinstance(result, Estimate):
            return f"returned {type(result).__name__}, not Estimate"
        if result.provider_cost is not None and not (
            isinstance(result.provider_cost, Decimal) and result.provider_cost.is_finite()
        ):
            return f"provider_cost {result.provider_cost!r} is not a finite Decimal"
        return None
    if kind == "admin" and not isinstance(result, AdminResult):
        return f"returned {type(result).__name__}, not AdminResult"
    return None


_DEFAULT_ADMIN_VALUES: dict[str, Any] = {
    "str": "test",
    "int": 1,
    "bool": True,
    "decimal": Decimal("1"),
    "list": ["test"],
}


class ProviderConformance:
    provider_id: ClassVar[str]
    url: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]]
    number: ClassVar[str]
    other_number: ClassVar[str | None] = None  # a second recipient for the bulk request (default: derived)
    text: ClassVar[str] = "conformance test"
    message_id: ClassVar[str] = "1"  # the id asked for in delivery_status
    #: one valid exchange per operation ("send", "bulk_send", "balance", "delivery_status",
    #: "inbound", "estimate", "admin:<name>"): the replies, in the order the requests go
    samples: ClassVar[Mapping[str, Sequence[RawReply]]] = {}
    #: keyword arguments for admin operations (default: a plain value for each required parameter)
    admin_params: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: valid delivery-report callbacks (a CallbackRequest, or its query as a dict), for providers with callbacks
    callbacks: ClassVar[Sequence[CallbackRequest | Mapping[str, str]]] = ()
    #: real callback requests, by name (required when the provider has callbacks)
    callback_samples: ClassVar[Mapping[str, CallbackSample]] = {}
    #: an account URL whose callback-signing secret is empty (required when it signs)
    callback_empty_secret_url: ClassVar[str | None] = None

    def account(self, replies: Any = ()) -> Any:
        return fake_account(self.url, list(replies) or [reply("")])

    # -------------------------------------------------------------- discovery

    def test_discovered_through_entry_point(self) -> None:
        from smsbridge.plugins import Registry

        eps = list(entry_points(group="smsbridge"))
        registry = Registry()
        registry.load_all()
        assert self.provider_id in {spec.id for spec, _ in registry.providers()}, (
            f"{self.provider_id} not declared by any entry point; broken: {registry.broken}"
        )
        _, info = next(pair for pair in registry.providers() if pair[0].id == self.provider_id)
        assert info.distribution, "the provider must come from an installed distribution"
        assert any(ep.name == info.name for ep in eps)

    def test_spec_is_complete(self) -> None:
        spec = self.account().spec
        assert spec.id == self.provider_id
        assert spec.default_host and "/" not in spec.default_host
        assert spec.secret_fields, "declare the wire fields that carry credentials"
        assert spec.capabilities.max_recipients >= 1

    def test_capabilities_match_hooks(self) -> None:
        account = self.account()
        caps = account.capabilities
        for capability, hook in _CAPABILITY_HOOKS.items():
            assert getattr(caps, capability) == account.hooks.implements(hook), (
                f"capability {capability}={getattr(caps, capability)} but hook {hook} "
                f"{'is' if account.hooks.implements(hook) else 'is not'} implemented"
            )
        assert account.hooks.implements("smsbridge_send") or account.hooks.implements("smsbridge_bulk_send")
        if caps.bulk_send:
            assert account.hooks.implements("smsbridge_bulk_send")
        assert bool(caps.admin_operations) == account.hooks.implements("smsbridge_admin")

    # -------------------------------------------------------------- secrets

    def test_reprs_hold_no_secret(self) -> None:
        account = self.account()
        shown = " ".join([repr(account), str(account.url), repr(account.ctx), repr(account.ctx.config)])
        for secret in self.secrets:
            assert secret not in shown

    # -------------------------------------------------------------- unreadable replies

    @pytest.mark.parametrize("junk", sorted(JUNK_REPLIES))
    def test_unreadable_reply_on_send(self, junk: str) -> None:
        account = self.account([JUNK_REPLIES[junk]])
        with pytest.raises(SmsBridgeError) as info:
            account.send(self.number, self.text)
        error = info.value
        if junk in ("html_error_page", "empty_body", "truncated_json", "truncated_xml", "http_500_empty"):
            assert isinstance(error, UnreadableReplyError), f"{junk}: got {type(error).__name__}: {error}"
            assert error.raw is not None, "the raw reply must be kept"
        for secret in self.secrets:
            assert secret not in str(error) and secret not in repr(error)
            raw = getattr(error, "raw", None)
            if raw is not None:
                assert secret not in raw.body

    def test_bulk_reports_every_recipient_under_junk(self) -> None:
        account = self.account([JUNK_REPLIES["truncated_json"]])
        summary = account.bulk_send([self.number, self.number, "not-a-number"], self.text)
        assert summary.total == 3
        assert summary.accepted == 0
        assert summary.rejected >= 1

    # -------------------------------------------------------------- callbacks and the receiver

    def sign_sample(self, sample: CallbackSample, target: str) -> Mapping[str, str]:
        """Headers that sign ``sample`` sent to ``target`` (a provider that signs overrides this)."""
        return {}

    def _has_callbacks(self) -> bool:
        caps = self.account().capabilities
        return bool(caps.callbacks or caps.inbound_callbacks)

    def test_callback_spec_matches_capabilities(self) -> None:
        account = self.account()
        caps = account.capabilities
        assert self._has_callbacks() == account.hooks.implements("smsbridge_callback_spec"), (
            "implement smsbridge_callback_spec exactly when the provider has callbacks"
        )
        if not self._has_callbacks():
            return
        spec = account.callback_spec()
        assert (CallbackKind.STATUS in spec.kinds) == caps.callbacks
        assert (CallbackKind.INBOUND in spec.kinds) == caps.inbound_callbacks
        assert 200 <= spec.reply.status < 300, "a provider answered with an error retries: declare its success reply"
        assert spec.methods and all(m == m.upper() for m in spec.methods)
        for kind in spec.kinds:
            assert any(s.kind is kind for s in self.callback_samples.values()), (
                f"give a real {kind.value} callback in callback_samples (naming its source)"
            )
        for name, sample in self.callback_samples.items():
            assert sample.source.strip(), f"callback sample {name!r}: name its source"

    def _receiver(self, tmp_path: Path) -> tuple[Any, str]:
        from smsbridge.receiver import Receiver, ReceiverAccount, new_token

        token = new_token()
        receiver = Receiver(
            {"conf": ReceiverAccount(self.account(), token=token)},
            ledger=str(tmp_path / "receiver.db"),
            sweep_every=0,
        )
        return receiver, token

    def _send(
        self,
        receiver: Any,
        token: str,
        sample: CallbackSample,
        *,
        signed: bool = True,
        kind: CallbackKind | None = None,
        query: str | None = None,
        body: bytes | None = None,
        signed_kind: CallbackKind | None = None,
        signed_query: str | None = None,
        signed_body: bytes | None = None,
    ) -> Any:
        """Send ``sample`` (or a variant of it) to the receiver; the ``signed_*`` parts are what
        the signature was made over, when that differs from what is sent (a forgery)."""
        from smsbridge.testing.receiver import wsgi_request

        def target(k: CallbackKind, q: str) -> str:
            return f"/conf/{k.value}/{token}" + (f"?{q}" if q else "")

        kind = kind or sample.kind
        query = sample.query if query is None else query
        body = sample.body if body is None else body
        headers = dict(sample.headers)
        if sample.content_type:
            headers["Content-Type"] = sample.content_type
        if signed:
            made_over = attrs.evolve(sample, body=body if signed_body is None else signed_body)
            headers.update(
                self.sign_sample(
                    made_over, target(signed_kind or kind, query if signed_query is None else signed_query)
                )
            )
        return wsgi_request(receiver.wsgi, sample.method, target(kind, query), body, headers)

    @staticmethod
    def _stored(receiver: Any) -> tuple[int, int]:
        ledger = receiver.writer.open()
        return ledger.orphan_count(), sum(1 for _ in ledger.inbound())

    def test_callback_samples_are_taken_once(self, tmp_path: Path) -> None:
        if not self._has_callbacks():
            return
        receiver, token = self._receiver(tmp_path)
        try:
            expected = receiver.endpoints["conf"].spec.reply
            for name, sample in self.callback_samples.items():
                before = self._stored(receiver)
                answer = self._send(receiver, token, sample)
                assert (answer.status, answer.body) == (expected.status, expected.body), f"{name}: {answer}"
                assert answer.headers["content-type"] == expected.content_type
                after = self._stored(receiver)
                assert after != before, f"{name}: nothing was stored"
                again = self._send(receiver, token, sample)
                assert (again.status, again.body) == (expected.status, expected.body), f"{name} (replayed)"
                assert self._stored(receiver) == after, f"{name}: a repeated callback was stored twice"
        finally:
            receiver.close()

    def test_callback_junk_is_refused_and_not_stored(self, tmp_path: Path) -> None:
        if not self._has_callbacks():
            return
        receiver, token = self._receiver(tmp_path)
        try:
            sample = next(iter(self.callback_samples.values()))
            assert self._send(receiver, "x" * 22, sample).status == 404  # wrong token
            assert self._send(receiver, token, sample, query="", body=b"").status in (400, 403)  # not a callback
            assert self._send(receiver, token, sample, body=b"\xff\xfe\x00junk").status in (400, 403, 415)
            assert self._stored(receiver) == (0, 0)
        finally:
            receiver.close()

    def test_callback_signature(self, tmp_path: Path) -> None:
        if not self._has_callbacks():
            return
        receiver, token = self._receiver(tmp_path)
        try:
            if receiver.endpoints["conf"].spec.verify is None:
                return  # unsigned: the receiver's token authenticates the provider
            assert self.callback_empty_secret_url, "a signing provider gives callback_empty_secret_url"
            with pytest.raises(ConfigurationError):
                from smsbridge.client import connect
                from smsbridge.receiver import Receiver, ReceiverAccount

                Receiver({"x": ReceiverAccount(connect(self.callback_empty_secret_url), token=token)})
            for name, sample in self.callback_samples.items():
                other = next(k for k in CallbackKind if k is not sample.kind)
                forged = {
                    "unsigned": self._send(receiver, token, sample, signed=False),
                    "body changed": self._send(
                        receiver, token, sample, body=sample.body + b"&x=1", signed_body=sample.body
                    ),
                    "query changed": self._send(
                        receiver, token, sample, query=sample.query + "&x=1", signed_query=sample.query
                    ),
                    "replayed to another path": self._send(
                        receiver, token, sample, kind=other, signed_kind=sample.kind
                    ),
                }
                for how, answer in forged.items():
                    assert 400 <= answer.status < 500, f"{name}, {how}: a forged callback was answered {answer.status}"
            assert self._stored(receiver) == (0, 0)
        finally:
            receiver.close()

    # -------------------------------------------------------------- every operation, malformed replies

    def operations(self) -> dict[str, Callable[[Any], Any]]:
        """Each operation the provider declares, as a call on an account."""
        caps = self.account().capabilities
        ops: dict[str, Callable[[Any], Any]] = {"send": lambda a: a.send(self.number, self.text)}
        if caps.bulk_send and caps.max_recipients > 1:
            ops["bulk_send"] = lambda a: a.send([self.number, self._other_number()], self.text)
        if caps.balance:
            ops["balance"] = lambda a: a.balance()
        if caps.delivery_status:
            ops["delivery_status"] = lambda a: a.delivery_status([self.message_id])
        if caps.inbound:
            ops["inbound"] = lambda a: a.inbound()
        if caps.estimate:
            ops["estimate"] = lambda a: a.estimate(self.text, [self.number])
        for op in caps.admin_operations:
            ops[f"admin:{op.name}"] = self._admin_call(op)
        return ops

    def _admin_call(self, op: AdminOperation) -> Callable[[Any], Any]:
        return lambda account: account.admin(op.name, **self._admin_arguments(op))

    def _other_number(self) -> str:
        if self.other_number:
            return self.other_number
        last = int(self.number[-1])
        return self.number[:-1] + str((last + 1) % 10)

    def _admin_arguments(self, op: AdminOperation) -> dict[str, Any]:
        if op.name in self.admin_params:
            return dict(self.admin_params[op.name])
        defaults = {"datetime": dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1), **_DEFAULT_ADMIN_VALUES}
        return {p.name: defaults.get(p.type, "test") for p in op.params if p.required}

    def _run(self, name: str, call: Callable[[Any], Any], replies: Sequence[RawReply]) -> tuple[Any, Any, str | None]:
        """``(account, result or smsbridge error, problem)``: the operation on a fresh account
        answered by ``replies``; ``problem`` says what breaks the contract, if anything."""
        account = self.account(replies)
        try:
            result = call(account)
        except SmsBridgeError as error:
            shown = f"{error} {error!r}"
            leaked = any(s in shown for s in self.secrets)
            return account, error, f"error text holds a secret: {error!r}" if leaked else None
        except Exception as error:
            return account, error, f"{type(error).__name__}: {error}"[:300]
        return account, result, _result_problem(name.split(":")[0], result)

    def test_samples_cover_every_operation(self) -> None:
        missing = sorted(set(self.operations()) - set(self.samples))
        assert not missing, (
            f"give a valid exchange for each operation in `samples` (e.g. from a cassette, with "
            f"smsbridge.testing.cassette_replies); missing: {', '.join(missing)}"
        )
        if self.account().capabilities.callbacks:
            assert self.callbacks, "give at least one valid callback request in `callbacks`"

    def test_samples_are_read_as_valid(self) -> None:
        failures = []
        for name, call in self.operations().items():
            if name not in self.samples:
                continue
            account, result, problem = self._run(name, call, list(self.samples[name]))
            if problem is None and isinstance(result, SmsBridgeError):
                problem = f"the valid sample gives {type(result).__name__}: {result}"
            if problem is None and not account.ctx.http.sent and self.samples[name]:
                problem = "no request was made (check admin_params)"
            if problem:
                failures.append(f"{name}: {problem}")
        assert not failures, "\n".join(failures)

    def test_malformed_replies_on_every_operation(self) -> None:
        """Every operation, every malformed reply, at every position of the exchange."""
        failures = self.malformed_reply_failures()
        assert not failures, _report(failures)

    def test_mutated_samples_on_every_operation(self) -> None:
        """Every field of every valid sample dropped, nulled, mistyped or made huge."""
        failures = self.mutated_sample_failures()
        assert not failures, _report(failures)

    def test_malformed_callbacks(self) -> None:
        failures = self.callback_failures()
        assert not failures, _report(failures)

    def malformed_reply_failures(self) -> list[str]:
        failures = []
        for name, call in self.operations().items():
            sample = list(self.samples.get(name, ()))
            for junk_name, junk in MALFORMED_REPLIES.items():
                for position in range(max(1, len(sample))):
                    replies = [*sample[:position], junk]  # the transport repeats the last reply
                    _, result, problem = self._run(name, call, replies)
                    if problem is None and isinstance(result, SendResult) and result.accepted:
                        problem = "reported ACCEPTED on a reply that says nothing about the message"
                    if problem:
                        failures.append(f"{name} / {junk_name} at request {position + 1}: {problem}")
        return failures

    def mutated_sample_failures(self) -> list[str]:
        failures = []
        operations = self.operations()
        for name, sample in self.samples.items():
            call = operations.get(name)
            if call is None:
                continue
            for position, valid in enumerate(sample):
                for what, mutated in mutations(valid):
                    replies = [*sample[:position], mutated, *sample[position + 1 :]]
                    _, _, problem = self._run(name, call, replies)
                    if problem:
                        failures.append(f"{name} / request {position + 1} {what}: {problem}")
        return failures

    def callback_failures(self) -> list[str]:
        account = self.account()
        if not account.capabilities.callbacks:
            return []
        valid = [c if isinstance(c, CallbackRequest) else CallbackRequest(query=dict(c)) for c in self.callbacks]
        cases = list(MALFORMED_CALLBACKS.items())
        for index, request in enumerate(valid):
            cases.extend((f"callback {index} {what}", mutated) for what, mutated in _callback_mutations(request))
        failures = []
        for what, request in cases:
            try:
                result = account.parse_callback(request)
            except SmsBridgeError:
                continue
            except Exception as error:
                failures.append(f"callback / {what}: {type(error).__name__}: {error}"[:300])
                continue
            problem = _result_problem("callback", result)
            if problem:
                failures.append(f"callback / {what}: {problem}")
        return failures


def _report(failures: list[str], per_operation: int = 8) -> str:
    """The failures, at most ``per_operation`` for each operation, so that every operation shows."""
    by_operation: dict[str, list[str]] = {}
    for failure in failures:
        by_operation.setdefault(failure.split(" / ")[0], []).append(failure)
    lines = [f"{len(failures)} failure(s):"]
    for found in by_operation.values():
        lines.extend(found[:per_operation])
        if len(found) > per_operation:
            lines.append(f"... and {len(found) - per_operation} more for {found[0].split(' / ')[0]}")
    return "\n".join(lines)
