"""The conformance suite every provider plugin runs.

Subclass it in the plugin's tests and fill in the class attributes::

    from smsbridge.testing.conformance import ProviderConformance

    class TestConformance(ProviderConformance):
        provider_id = "aspsms"
        url = "aspsms://test-userkey:test-password@default?sender=Shop"
        secrets = ("test-userkey", "test-password")
        number = "+41791234567"

It checks, without network: discovery through the real entry point; declared capabilities
match the implemented hooks; reprs and error texts hold no secret; every unreadable reply
(HTML page, empty body, truncated JSON and XML, HTTP 500/503, a wrong content type) gives
``UnreadableReplyError`` (or another smsbridge error) with the raw reply kept, never another
exception.

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

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from smsbridge.errors import ConfigurationError, SmsBridgeError, UnreadableReplyError
from smsbridge.models import CallbackKind, RawReply
from smsbridge.testing import fake_account, reply

__all__ = ["JUNK_REPLIES", "CallbackSample", "ProviderConformance"]


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

_CAPABILITY_HOOKS = {
    "balance": "smsbridge_balance",
    "delivery_status": "smsbridge_delivery_status",
    "inbound": "smsbridge_inbound",
    "callbacks": "smsbridge_parse_callback",
    "inbound_callbacks": "smsbridge_parse_inbound_callback",
    "estimate": "smsbridge_estimate",
}


class ProviderConformance:
    provider_id: ClassVar[str]
    url: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]]
    number: ClassVar[str]
    text: ClassVar[str] = "conformance test"
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

    @pytest.mark.parametrize("junk", sorted(JUNK_REPLIES))
    def test_unreadable_reply_on_other_operations(self, junk: str) -> None:
        account = self.account([JUNK_REPLIES[junk]])
        caps = account.capabilities
        calls: list[Callable[[], object]] = []
        if caps.balance:
            calls.append(lambda: account.balance())
        if caps.delivery_status:
            calls.append(lambda: account.delivery_status(["1"]))
        for call in calls:
            try:
                call()
            except SmsBridgeError as error:
                for secret in self.secrets:
                    assert secret not in str(error)
            # a plugin may read an empty list from some junk; anything else escaping fails

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
                from smsbridge.connection import connect
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
