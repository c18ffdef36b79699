"""The transport against a misbehaving loopback server: every failure sorted and redacted."""

from __future__ import annotations

import logging

import pytest

from smsbridge import transport as transport_module
from smsbridge.errors import (
    ConnectError,
    ConnectionLostError,
    Outcome,
    ReadTimeoutError,
    UnreadableReplyError,
)
from smsbridge.testing.server import Close, FaultServer, Reply, Reset, Stall, refused_port
from smsbridge.transport import RateLimiter, Redactor, Transport

SECRET = "Sup3rS3cret!"


def transport(**kwargs: object) -> Transport:
    options: dict[str, object] = {"connect_timeout": 1.0, "read_timeout": 0.5, "redactor": Redactor([SECRET])}
    options.update(kwargs)
    return Transport("test", **options)  # type: ignore[arg-type]


def test_reply_for_any_status_with_user_agent_and_redaction() -> None:
    """The parser reads the reply as it came; whatever is shown or kept of it is redacted."""
    with FaultServer(lambda r: Reply(500, f"boom {SECRET}", content_type="text/html")) as server:
        reply = transport().request("GET", f"http://{server.host_port}/x", params={"pass": SECRET})
        (request,) = server.requests
    assert reply.status == 500
    assert reply.body == f"boom {SECRET}"  # parse first
    kept = reply.redacted()
    assert SECRET not in kept.body and "***" in kept.body
    assert SECRET not in kept.url and kept.redactor is None
    assert SECRET not in repr(reply)
    assert request.headers["user-agent"].startswith("smsbridge/")


def test_connection_refused_is_certainly_not_sent() -> None:
    with pytest.raises(ConnectError) as info:
        transport().request("POST", f"http://127.0.0.1:{refused_port()}/send", data={"p": SECRET})
    assert info.value.outcome is Outcome.NOT_SENT
    assert SECRET not in str(info.value)


def test_read_timeout_is_outcome_unknown() -> None:
    with FaultServer(lambda r: Stall(2.0)) as server:
        with pytest.raises(ReadTimeoutError) as info:
            transport().request("POST", f"http://{server.host_port}/send", data={"p": SECRET})
        assert server.count() == 1
    assert info.value.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize("action", [Reset(after_body=True), Close()])
def test_reset_or_close_after_the_request_is_outcome_unknown(action: object) -> None:
    with FaultServer(lambda r: action) as server:  # type: ignore[arg-type,return-value]
        with pytest.raises(ConnectionLostError) as info:
            transport().request("POST", f"http://{server.host_port}/send", data={"text": "x" * 100})
        assert server.count() == 1
    assert info.value.outcome is Outcome.UNKNOWN


def test_reset_before_the_body_is_read_is_still_unknown() -> None:
    """The client cannot tell how far the server got: conservatively unknown, never 'not sent'."""
    with FaultServer(lambda r: Reset(after_body=False)) as server:
        with pytest.raises((ConnectionLostError, ConnectError)) as info:
            transport().request("POST", f"http://{server.host_port}/send", data={"text": "x" * 100})
        assert server.count() == 0 and server.partial == 1
    assert info.value.outcome in (Outcome.UNKNOWN, Outcome.NOT_SENT)


def test_truncated_body_is_connection_lost() -> None:
    with (
        FaultServer(lambda r: Reply(200, '{"a": 1', declared_length=500)) as server,
        pytest.raises(ConnectionLostError),
    ):
        transport().request("GET", f"http://{server.host_port}/")


def test_oversized_reply_is_unreadable_and_kept_truncated() -> None:
    big = "x" * (3 * 1024 * 1024)
    with FaultServer(lambda r: Reply(200, big)) as server, pytest.raises(UnreadableReplyError) as info:
        transport(max_reply_bytes=64 * 1024).request("GET", f"http://{server.host_port}/")
    assert info.value.raw is not None and info.value.raw.truncated
    assert len(info.value.raw.body) == 64 * 1024


def test_connection_reuse() -> None:
    with FaultServer(lambda r: Reply(200, "ok")) as server:
        t = transport()
        for _ in range(3):
            t.request("GET", f"http://{server.host_port}/")
        assert server.count() == 3
    assert t.requests_made == 3


def test_debug_log_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    with FaultServer(lambda r: Reply(200, f"token={SECRET}")) as server:
        transport().request("POST", f"http://{server.host_port}/?key={SECRET}", data={"Password": SECRET})
    assert caplog.records
    assert all(SECRET not in record.getMessage() for record in caplog.records)


def test_tls_verification_is_always_on() -> None:
    assert transport().verify is True
    assert transport(ca_bundle="/etc/ssl/extra.pem").verify == "/etc/ssl/extra.pem"


def test_redactor_handles_encoded_forms() -> None:
    redact = Redactor(["p@ss word/1"])
    assert redact("a=p%40ss+word%2F1&b=p%40ss%20word%2F1 p@ss word/1") == "a=***&b=*** ***"


def test_rate_limiter_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a clock of the test's own: a loaded machine cannot make a slot free by itself."""
    clock = [1000.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(transport_module.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(transport_module.time, "sleep", sleep)
    limiter = RateLimiter(rate=50.0)
    waited = [limiter.acquire() for _ in range(3)]  # back to back: each waits for the next 20 ms slot
    clock[0] += 1.0
    waited.append(limiter.acquire())  # after a pause the slot is free
    assert waited == pytest.approx([0.0, 0.02, 0.02, 0.0])
    assert limiter.waited == pytest.approx(0.04)
    assert RateLimiter(None).acquire() == 0.0


def test_environment_proxies_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    with FaultServer(lambda r: Reply(200, "via proxy")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://{proxy.host_port}")
        monkeypatch.setenv("NO_PROXY", "")
        t = transport()
        for _ in range(2):  # the second request uses the cached proxy settings
            assert t.request("GET", "http://sms.example.invalid/send?x=1").body == "via proxy"
        assert [r.target for r in proxy.requests] == ["http://sms.example.invalid/send?x=1"] * 2
