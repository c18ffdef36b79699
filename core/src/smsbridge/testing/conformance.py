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
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, ClassVar

import pytest

from smsbridge.errors import SmsBridgeError, UnreadableReplyError
from smsbridge.models import RawReply
from smsbridge.testing import fake_account, reply

__all__ = ["JUNK_REPLIES", "ProviderConformance"]

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
    "estimate": "smsbridge_estimate",
}


class ProviderConformance:
    provider_id: ClassVar[str]
    url: ClassVar[str]
    secrets: ClassVar[tuple[str, ...]]
    number: ClassVar[str]
    text: ClassVar[str] = "conformance test"

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
