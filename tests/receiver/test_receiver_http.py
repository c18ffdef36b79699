"""The receiver over HTTP, through both adapters: routes, credentials, bad input, storage failures, host hooks."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

import smsbridge
from smsbridge.builtin import memory_callbacks
from smsbridge.errors import ConfigurationError
from smsbridge.hookspecs import hookimpl
from smsbridge.ledger import open_ledger
from smsbridge.receiver import Receiver, ReceiverAccount
from smsbridge.testing.receiver import asgi_request, wsgi_request

from .conftest import OTHER_TOKEN, TOKEN, sent_job

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STATUS = f"/shop/status/{TOKEN}"
INBOUND = f"/shop/inbound/{TOKEN}"


class Client:
    """``call(receiver, method, target, body=b"", headers=None, chunked=False, **kw)`` through one adapter."""

    def __init__(self, adapter: str) -> None:
        self.adapter = adapter

    def __call__(self, receiver: Receiver, *args: Any, chunked: bool = False, **kw: Any) -> Any:
        if self.adapter == "wsgi":
            return wsgi_request(receiver.wsgi, *args, chunked=chunked, **kw)
        return asgi_request(receiver.asgi, *args, **({"chunk_size": 8192} if chunked else {}), **kw)


@pytest.fixture(params=["wsgi", "asgi"])
def call(request: pytest.FixtureRequest) -> Client:
    return Client(request.param)


def stored(receiver: Receiver) -> tuple[int, int]:
    ledger = receiver.writer.open()
    return ledger.orphan_count(), sum(1 for _ in ledger.inbound())


# ---------------------------------------------------------------------------- routes and credentials


def test_a_report_and_a_message_are_taken_and_stored(make_receiver: Any, call: Any) -> None:
    receiver = make_receiver()
    answer = call(receiver, "POST", STATUS, b"id=mem-404&status=delivered", FORM)
    assert (answer.status, answer.body) == (200, b"OK\n")  # memory://'s declared reply
    assert call(receiver, "GET", INBOUND + "?from=%2B41791234567&text=Hi%20there").status == 200
    assert stored(receiver) == (1, 1)
    (message,) = receiver.writer.open().inbound()
    assert (message.account, message.sender, message.text) == ("shop", "+41791234567", "Hi there")


@pytest.mark.parametrize(
    "target",
    [
        f"/shop/status/{OTHER_TOKEN}",  # wrong token
        f"/shop/status/{TOKEN[:-1]}",  # one character short
        "/shop/status/",  # empty token
        f"/nobody/status/{TOKEN}",  # unknown account
        f"/shop/report/{TOKEN}",  # unknown kind
        f"/shop/status/{TOKEN}/more",
        "/",
        "/shop",
    ],
)
def test_wrong_routes_and_tokens_are_404_and_store_nothing(make_receiver: Any, call: Any, target: str) -> None:
    receiver = make_receiver()
    assert call(receiver, "POST", target, b"id=m1&status=delivered", FORM).status == 404
    assert stored(receiver) == (0, 0)


def test_a_kind_the_provider_does_not_make_is_404(make_receiver: Any, call: Any) -> None:
    receiver = make_receiver({"shop": "aspsms://KEY:PASS@default"})
    assert call(receiver, "GET", INBOUND + "?TRN=1&DST=0").status == 404
    assert call(receiver, "GET", STATUS + "?TRN=1&DST=0").status == 200


def test_basic_auth(make_receiver: Any, call: Any, tmp_path: Any) -> None:
    receiver = Receiver(
        {"shop": ReceiverAccount("memory://", token=TOKEN, basic_auth="provider:p4ss:word")},
        ledger=str(tmp_path / "b.db"),
        sweep_every=0,
    )
    try:
        body = b"id=m1&status=delivered"
        missing = call(receiver, "POST", STATUS, body, FORM)
        assert missing.status == 401 and missing.headers["www-authenticate"] == 'Basic realm="smsbridge"'
        wrong = base64.b64encode(b"provider:p4ss:wrong").decode()
        assert call(receiver, "POST", STATUS, body, {**FORM, "Authorization": f"Basic {wrong}"}).status == 401
        assert call(receiver, "POST", STATUS, body, {**FORM, "Authorization": "Basic %%%"}).status == 401
        right = base64.b64encode(b"provider:p4ss:word").decode()
        assert call(receiver, "POST", STATUS, body, {**FORM, "Authorization": f"Basic {right}"}).status == 200
    finally:
        receiver.close()
    for bad in ("provider:", ":secret", "nocolon", ""):
        with pytest.raises(ConfigurationError, match="basic_auth"):
            Receiver({"shop": ReceiverAccount("memory://", token=TOKEN, basic_auth=bad)})


def test_the_allowlist_reads_forwarded_addresses_from_trusted_proxies_only(call: Any, tmp_path: Any) -> None:
    def receiver(**options: Any) -> Receiver:
        return Receiver(
            {"shop": ReceiverAccount("memory://", token=TOKEN, allow=["203.0.113.0/24", "2001:db8::/32"])},
            ledger=str(tmp_path / "a.db"),
            sweep_every=0,
            **options,
        )

    body = b"id=m1&status=sent"
    direct = receiver()
    try:
        assert call(direct, "POST", STATUS, body, FORM, remote_addr="127.0.0.1").status == 403
        assert call(direct, "POST", STATUS, body, FORM, remote_addr="203.0.113.9").status == 200
        assert call(direct, "POST", STATUS, body, FORM, remote_addr="2001:db8::5").status == 200
        # not behind a trusted proxy: X-Forwarded-For is the client's word, ignored
        spoofed = {**FORM, "X-Forwarded-For": "203.0.113.9"}
        assert call(direct, "POST", STATUS, body, spoofed, remote_addr="198.51.100.7").status == 403
    finally:
        direct.close()
    proxied = receiver(trusted_proxies=["127.0.0.1"])
    try:
        through = {**FORM, "X-Forwarded-For": "203.0.113.9"}
        assert call(proxied, "POST", STATUS, body, through, remote_addr="127.0.0.1").status == 200
        # the client put an allowed address first; the proxy appended the real one
        forged = {**FORM, "X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
        assert call(proxied, "POST", STATUS, body, forged, remote_addr="127.0.0.1").status == 403
        assert call(proxied, "POST", STATUS, body, {**FORM, "X-Forwarded-For": "garbage"}).status == 403
    finally:
        proxied.close()


@pytest.mark.parametrize("token", ["", "short", "a" * 30, "has space in it 0123456789", "ab/cdefghijklmnopqrstuvw"])
def test_a_weak_or_empty_token_is_a_configuration_error(token: str) -> None:
    with pytest.raises(ConfigurationError, match="token"):
        Receiver({"shop": ReceiverAccount("memory://", token=token)})


def test_accounts_without_callbacks_or_in_a_failover_group_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="makes no callbacks"):
        Receiver({"shop": ReceiverAccount("console://", token=TOKEN)})
    with pytest.raises(ConfigurationError, match="failover group"):
        Receiver({"shop": ReceiverAccount(smsbridge.connect("memory://a", "memory://b"), token=TOKEN)})
    with pytest.raises(ConfigurationError, match="account name"):
        Receiver({"sh/op": ReceiverAccount("memory://", token=TOKEN)})
    with pytest.raises(ConfigurationError, match="serves no account"):
        Receiver({})


# ---------------------------------------------------------------------------- signatures


def _signed(secret: str, target: str, body: bytes, **kw: Any) -> dict[str, str]:
    return {**FORM, memory_callbacks.SIGNATURE_HEADER: memory_callbacks.sign(secret, "POST", target, body, **kw)}


def test_a_signing_provider_s_callbacks_are_verified(make_receiver: Any, call: Any) -> None:
    receiver = make_receiver({"shop": "memory://?callback_secret=whsec-test-1"})
    body = b"id=m1&status=delivered"
    assert call(receiver, "POST", STATUS, body, _signed("whsec-test-1", STATUS, body)).status == 200
    assert call(receiver, "POST", STATUS, body, _signed("whsec-other", STATUS, body)).status == 403
    assert call(receiver, "POST", STATUS, body + b"x", _signed("whsec-test-1", STATUS, body)).status == 403
    assert call(receiver, "POST", INBOUND, body, _signed("whsec-test-1", STATUS, body)).status == 403  # other path
    old = _signed("whsec-test-1", STATUS, body, at=1_000_000)
    assert call(receiver, "POST", STATUS, body, old).status == 403  # a replay long after
    assert call(receiver, "POST", STATUS, body, FORM).status == 403  # no signature at all
    assert stored(receiver) == (1, 0)


def test_the_signature_covers_the_mount_prefix(tmp_path: Any) -> None:
    """Behind a prefix the provider signs the full path it called; the receiver checks that one."""
    receiver = Receiver(
        {"shop": ReceiverAccount("memory://?callback_secret=whsec-test-1", token=TOKEN)},
        ledger=str(tmp_path / "p.db"),
        sweep_every=0,
    )
    try:
        body = b"id=m1&status=delivered"
        full = f"/sms{STATUS}?src=x"
        good = _signed("whsec-test-1", full, body)
        assert wsgi_request(receiver.wsgi, "POST", full, body, good, script_name="/sms").status == 200
        assert asgi_request(receiver.asgi, "POST", full, body, good, root_path="/sms").status == 200
        stripped = _signed("whsec-test-1", f"{STATUS}?src=x", body)  # what a prefix-stripping proxy leaves
        assert wsgi_request(receiver.wsgi, "POST", full, body, stripped, script_name="/sms").status == 403
    finally:
        receiver.close()


@pytest.mark.parametrize("url", ["memory://?callback_secret=", "memory://?callback_secret=%20%20"])
def test_an_empty_signing_secret_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="callback_secret"):
        Receiver({"shop": ReceiverAccount(url, token=TOKEN)})


# ---------------------------------------------------------------------------- bad input


BAD_INPUT = {
    "declared oversize body": ("POST", STATUS, b"id=m1&status=sent&pad=" + b"x" * 70_000, FORM, 413),
    "chunked oversize body": ("POST", STATUS, b"id=m1&status=sent&pad=" + b"x" * 70_000, {**FORM, "chunked": "1"}, 413),
    "wrong content type": ("POST", STATUS, b"<id>m1</id>", {"Content-Type": "application/xml"}, 415),
    "unknown charset": ("POST", STATUS, b"id=m1", {"Content-Type": "text/plain; charset=nope-8"}, 415),
    "malformed form": ("POST", STATUS, b"id=m1&status", FORM, 400),
    "form with a bad escape": ("POST", INBOUND, b"from=1&text=%ff%fe", FORM, 400),
    "form with raw bytes": ("POST", INBOUND, "from=1&text=é".encode("latin-1"), FORM, 400),
    "malformed JSON": ("POST", STATUS, b'{"id": "m1", ', {"Content-Type": "application/json"}, 400),
    "deeply nested JSON": ("POST", STATUS, b"[" * 60_000, {"Content-Type": "application/json"}, 400),
    "non-UTF-8 text": ("POST", STATUS, b"\xff\xfe\x00i\x00d", {"Content-Type": "text/plain"}, 400),
    "non-UTF-8 query": ("GET", STATUS + "?id=%ff&status=sent", b"", {}, 400),
    "not a callback": ("POST", STATUS, b"hello=world", FORM, 400),
    "bad Content-Length": ("POST", STATUS, b"id=m1", {**FORM, "Content-Length": "-5"}, 400),
    "method": ("PUT", STATUS, b"id=m1&status=sent", FORM, 405),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_a_4xx_a_clean_log_line_nothing_stored_and_serving_goes_on(
    make_receiver: Any, call: Any, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    method, target, body, headers, status = BAD_INPUT[case]
    receiver = make_receiver({"shop": "memory://?callback_secret=whsec-test-1"})
    headers = dict(headers)
    chunked = bool(headers.pop("chunked", None))
    headers.update({memory_callbacks.SIGNATURE_HEADER: memory_callbacks.sign("whsec-test-1", method, target, body)})
    with caplog.at_level(logging.WARNING, logger="smsbridge.receiver"):
        answer = call(receiver, method, target, body, headers, chunked=chunked)
    assert answer.status == status, answer
    lines = [r.getMessage() for r in caplog.records if r.name == "smsbridge.receiver"]
    assert len(lines) == 1 and lines[0].startswith(f"receiver: {status} {method} /shop/")
    assert TOKEN not in lines[0] and "whsec-test-1" not in lines[0] and "/***" in lines[0]
    assert stored(receiver) == (0, 0)
    good = b"id=m1&status=sent"
    assert call(receiver, "POST", STATUS, good, _signed("whsec-test-1", STATUS, good)).status == 200


def test_a_plugin_that_breaks_on_a_callback_gives_400_and_the_receiver_goes_on(
    make_receiver: Any, call: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = make_receiver()
    monkeypatch.setattr(receiver.endpoints["shop"].account, "parse_callback", lambda request: 1 / 0)
    assert call(receiver, "POST", STATUS, b"id=m1&status=sent", FORM).status == 400
    assert call(receiver, "GET", INBOUND + "?from=1&text=x").status == 200


# ---------------------------------------------------------------------------- storage and hooks


def test_a_ledger_that_fails_is_503_and_the_provider_retries_later(call: Any, caplog: pytest.LogCaptureFixture) -> None:
    receiver = Receiver(
        {"shop": ReceiverAccount("memory://", token=TOKEN)},
        ledger="postgresql://smsbridge:LEDGER-PASSWORD@127.0.0.1:9/nowhere",
        sweep_every=0,
    )
    try:
        with caplog.at_level(logging.WARNING):
            answer = call(receiver, "POST", STATUS, b"id=m1&status=delivered", FORM)
        assert answer.status == 503 and answer.headers["retry-after"] == "30"
        assert "LEDGER-PASSWORD" not in caplog.text and TOKEN not in caplog.text
        assert "could not store" in caplog.text
    finally:
        receiver.close()


class Events:
    """A host application's plugin: it hears about every new report and message."""

    def __init__(self) -> None:
        self.reports: list[Any] = []
        self.messages: list[Any] = []

    @hookimpl
    def smsbridge_report_received(self, event: Any) -> None:
        self.reports.append(event)

    @hookimpl
    def smsbridge_inbound_received(self, event: Any) -> None:
        self.messages.append(event)


def test_host_hooks_hear_each_new_report_and_message_once(make_receiver: Any, call: Any, tmp_path: Any) -> None:
    events = Events()
    smsbridge.plugins.register(events, name="host-events")
    callbacks: list[Any] = []
    try:
        ledger = open_ledger(tmp_path / "hooks.db")
        sent_job(ledger, "spring", ["+41791234567"], ["mem-7"])
        receiver = make_receiver(ledger=ledger, on_report=callbacks.append, on_inbound=callbacks.append)
        for _ in range(2):  # the second round is duplicates: no event
            assert call(receiver, "POST", STATUS, b"id=mem-7&status=delivered", FORM).status == 200
            assert call(receiver, "POST", STATUS, b"id=mem-unknown&status=sent", FORM).status == 200
            assert call(receiver, "GET", INBOUND + "?from=%2B41791234567&text=STOP").status == 200
        assert [(e.report.message_id, e.effect, e.job, e.seq) for e in events.reports] == [
            ("mem-7", "final", "spring", 0),
            ("mem-unknown", "orphan", None, None),
        ]
        assert [(e.account, e.message.text) for e in events.messages] == [("shop", "STOP")]
        assert len(callbacks) == 3
        assert [r.state.value for r in ledger.rows("spring")] == ["delivered"]
    finally:
        smsbridge.plugins.get_registry().unregister("host-events")


def test_a_host_hook_that_raises_does_not_lose_the_report(
    make_receiver: Any, call: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("host bug")

    receiver = make_receiver(on_report=broken)
    with caplog.at_level(logging.ERROR):
        assert call(receiver, "POST", STATUS, b"id=m1&status=delivered", FORM).status == 200
    assert stored(receiver) == (1, 0)
    assert "on_report raised" in caplog.text
