"""No untyped exception leaves ``Transport.request``, nothing chained behind an error holds the
request, and an overall deadline ends a reply trickled byte by byte (issue 13, points 4, 12, 13).
"""

from __future__ import annotations

import inspect
import time
import types
from typing import Any

import pytest
import requests
import urllib3.exceptions

import smsbridge
from smsbridge.errors import (
    ConnectError,
    ConnectionLostError,
    DeadlineExceededError,
    InvalidRequestError,
    Outcome,
    ReadTimeoutError,
    SmsBridgeError,
    TransportError,
    UnreadableReplyError,
)
from smsbridge.testing.server import Close, FaultServer, Reply, Reset, Stall, Trickle, refused_port
from smsbridge.transport import Redactor, Transport

SECRET = "Sup3r-S3cret-Pass"


def transport(**kwargs: Any) -> Transport:
    options: dict[str, Any] = {"connect_timeout": 1.0, "read_timeout": 1.0, "redactor": Redactor([SECRET])}
    options.update(kwargs)
    return Transport("test", **options)


def chain(error: BaseException) -> list[BaseException]:
    """The error and everything reachable behind it: causes, contexts, their args."""
    seen: list[BaseException] = []
    stack: list[Any] = [error]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or any(current is s for s in seen):
            continue
        seen.append(current)
        stack += [current.__cause__, current.__context__, *current.args, getattr(current, "reason", None)]
    return seen


def assert_clean(error: BaseException) -> None:
    """Only smsbridge errors behind ``error``; no request, response or secret reachable."""
    for link in chain(error):
        assert isinstance(link, SmsBridgeError), f"{type(link).__name__} is chained behind {type(error).__name__}"
        for name in ("request", "response"):
            assert getattr(link, name, None) is None, f"{type(link).__name__}.{name} is reachable"
        assert SECRET not in str(link) and SECRET not in repr(link)
        assert SECRET not in str(getattr(link, "url", "") or "")


# ---------------------------------------------------------------------------- real failures, whole chain


@pytest.mark.parametrize(
    ("script", "expected", "outcome"),
    [
        (lambda r: Stall(3.0), ReadTimeoutError, Outcome.UNKNOWN),
        (lambda r: Reset(after_body=True), ConnectionLostError, Outcome.UNKNOWN),
        (lambda r: Close(), ConnectionLostError, Outcome.UNKNOWN),
        (lambda r: Reply(200, '{"a": 1', declared_length=500), ConnectionLostError, Outcome.UNKNOWN),
        (lambda r: Reply(200, "x" * 5000, content_type="text/plain"), UnreadableReplyError, Outcome.UNKNOWN),
    ],
)
def test_every_transport_error_has_a_clean_chain(script: Any, expected: type, outcome: Outcome) -> None:
    with FaultServer(script) as server:
        with pytest.raises(SmsBridgeError) as info:
            transport(max_reply_bytes=1000).request(
                "POST", f"http://{server.host_port}/GetBalance?AccPass={SECRET}", data={"Password": SECRET}
            )
        assert server.count() == 1
    assert type(info.value) is expected and info.value.outcome is outcome
    assert_clean(info.value)


def test_connect_failure_has_a_clean_chain() -> None:
    with pytest.raises(ConnectError) as info:
        transport().request("GET", f"http://127.0.0.1:{refused_port()}/GetBalance?AccName=acc&AccPass={SECRET}")
    assert info.value.outcome is Outcome.NOT_SENT
    assert "connection refused" in str(info.value)
    assert_clean(info.value)


def test_two_different_content_lengths_are_an_unreadable_reply_after_the_request_left() -> None:
    duplicate = Reply(200, "hello", headers={"Content-Length": "6"})
    with FaultServer(lambda r: duplicate) as server:
        with pytest.raises(UnreadableReplyError) as info:
            transport().request("GET", f"http://{server.host_port}/GetBalance?AccName=acc&AccPass={SECRET}")
        assert server.count() == 1
    assert info.value.outcome is Outcome.UNKNOWN
    assert "malformed" in str(info.value) and "Content-Length" in str(info.value)
    assert_clean(info.value)


@pytest.mark.parametrize(
    "request_parts",
    [
        {"headers": {"Authorization": "Bearer tök①"}},  # a token the server handed out
        {"headers": {"X-Note": "line\nbreak"}},
        {"data": "a\ud800b"},
        {"data": {"text": "a\ud800b"}},
        {"params": {"text": "a\ud800b"}},
        {"data": "Grüße ☃"},  # a str body http.client would send as Latin-1 halfway
    ],
)
def test_a_request_http_cannot_carry_is_not_sent(request_parts: dict[str, Any]) -> None:
    with FaultServer(lambda r: Reply(200, "OK")) as server:
        t = transport()
        with pytest.raises(InvalidRequestError) as info:
            t.request("POST", f"http://{server.host_port}/send?key={SECRET}", **request_parts)
        assert info.value.outcome is Outcome.NOT_SENT
        assert_clean(info.value)
        assert t.request("GET", f"http://{server.host_port}/ok").body == "OK"  # the transport still works
        assert server.count() == 1, "only the good request reached the server"


# ---------------------------------------------------------------------------- the table, class by class


def _instance(cls: type[BaseException], url: str) -> BaseException:
    """An instance of any requests/urllib3 exception, with a secret-bearing URL where it takes one."""
    values = {
        "pool": None,
        "conn": None,
        "response": types.SimpleNamespace(tell=lambda: 0, length_remaining=1),
        "doc": url,
        "pos": 0,
        "url": url,
        "reason": OSError("boom"),
        "error": OSError("boom"),
        "partial": 0,
        "expected": 10,
        "length": b"x",
        "defects": [],
        "unparsed_data": None,
        "retries": 0,
        "location": url,
        "scheme": "gopher",
        "host": "h",
        "message": f"failed with url: {url}",
    }
    params = [
        p
        for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    args = [values.get(p.name, "boom") for p in params]
    try:
        error = cls(*args) if args else cls(f"boom {url}")
    except TypeError:  # an (*args, **kwargs) signature over json's (msg, doc, pos)
        error = cls(f"boom {url}", url, 0)
    prepared = requests.Request("GET", url).prepare()
    if isinstance(error, requests.exceptions.RequestException):
        error.request = prepared  # what requests attaches: the URL with the credentials
    return error


def _all_exception_classes() -> list[type[BaseException]]:
    out = []
    for module in (requests.exceptions, urllib3.exceptions):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Exception) and not issubclass(cls, Warning) and cls.__module__ == module.__name__:
                out.append(cls)
    return out


class _Broken:
    """A requests response whose body raises ``error``."""

    status_code = 200
    headers: dict[str, str] = {}

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def iter_content(self, chunk_size: int) -> Any:
        raise self.error
        yield b""  # pragma: no cover

    def close(self) -> None:
        pass


@pytest.mark.parametrize("stage", ["send", "read"])
@pytest.mark.parametrize("cls", _all_exception_classes(), ids=lambda c: f"{c.__module__.split('.')[0]}.{c.__name__}")
def test_every_requests_and_urllib3_exception_becomes_a_typed_error(
    cls: type[BaseException], stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"https://api.example.invalid/GetBalance?AccName=acc&AccPass={SECRET}"
    error = _instance(cls, url)
    t = transport()
    if stage == "send":
        monkeypatch.setattr(t.session, "send", lambda *a, **k: (_ for _ in ()).throw(error))
    else:
        monkeypatch.setattr(t.session, "send", lambda *a, **k: _Broken(error))
    with pytest.raises(SmsBridgeError) as info:
        t.request("GET", url)
    assert isinstance(info.value, (TransportError, UnreadableReplyError)), type(info.value)
    if stage == "read":  # the request had left: never "not sent"
        assert info.value.outcome is Outcome.UNKNOWN
    assert_clean(info.value)


@pytest.mark.parametrize(
    ("error", "expected", "outcome"),
    [
        (requests.exceptions.ConnectTimeout("x"), ConnectError, Outcome.NOT_SENT),
        (requests.exceptions.ProxyError("x"), ConnectError, Outcome.NOT_SENT),
        (requests.exceptions.SSLError("x"), ConnectError, Outcome.NOT_SENT),
        (requests.exceptions.ReadTimeout("x"), ReadTimeoutError, Outcome.UNKNOWN),
        (requests.exceptions.InvalidHeader("x"), UnreadableReplyError, Outcome.UNKNOWN),
        (requests.exceptions.ChunkedEncodingError("x"), ConnectionLostError, Outcome.UNKNOWN),
        (requests.exceptions.ConnectionError("x"), ConnectionLostError, Outcome.UNKNOWN),
        (OSError("x"), ConnectionLostError, Outcome.UNKNOWN),
    ],
)
def test_the_table_without_connection_tracking(
    error: BaseException, expected: type, outcome: Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When nothing tells whether writing started (a replaced session): the conservative mapping."""
    t = transport()
    monkeypatch.setattr(t.session, "send", lambda *a, **k: (_ for _ in ()).throw(error))
    with pytest.raises(SmsBridgeError) as info:
        t.request("GET", "https://api.example.invalid/x")
    assert type(info.value) is expected and info.value.outcome is outcome


# ---------------------------------------------------------------------------- 13. the overall deadline


def test_a_trickled_reply_ends_at_the_deadline_as_outcome_unknown() -> None:
    """One byte a second never trips the 2 s read timeout; the 2 s deadline ends it."""
    slow = Trickle(Reply(200, '{"StatusCode":"1","StatusInfo":"OK"}'), interval=1.0)
    with FaultServer(lambda r: slow) as server:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as info:
            transport(read_timeout=2.0, deadline=2.0).request("POST", f"http://{server.host_port}/send", data={"a": 1})
        elapsed = time.monotonic() - started
        assert server.count() == 1
    assert 1.9 <= elapsed < 4.0, elapsed
    assert info.value.outcome is Outcome.UNKNOWN and isinstance(info.value, ReadTimeoutError)
    assert "deadline of 2s" in str(info.value)
    assert_clean(info.value)


def test_the_deadline_covers_a_trickled_body_after_quick_headers() -> None:
    slow_body = Trickle(Reply(200, "x" * 50), interval=0.3, body_only=True)
    with FaultServer(lambda r: slow_body) as server:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as info:
            transport(read_timeout=1.0, deadline=1.5).request("GET", f"http://{server.host_port}/")
        assert time.monotonic() - started < 3.0
    assert info.value.outcome is Outcome.UNKNOWN


def test_a_reply_within_the_deadline_is_untouched_and_the_connection_reused() -> None:
    with FaultServer(lambda r: Reply(200, "OK")) as server:
        t = transport(deadline=0.5)
        for _ in range(3):
            assert t.request("GET", f"http://{server.host_port}/").body == "OK"
        time.sleep(0.7)  # the deadlines of the finished requests pass: nothing may be cut
        assert t.request("GET", f"http://{server.host_port}/").body == "OK"
        assert server.count() == 4


def test_after_a_deadline_the_account_keeps_working() -> None:
    answers = iter([Trickle(Reply(200, "slow"), interval=0.4), Reply(200, "fast")])
    with FaultServer(lambda r: next(answers) if r.complete else Reply()) as server:
        t = transport(deadline=1.0)
        with pytest.raises(DeadlineExceededError):
            t.request("GET", f"http://{server.host_port}/1")
        assert t.request("GET", f"http://{server.host_port}/2").body == "fast"


def test_the_deadline_is_a_url_setting_with_a_documented_default() -> None:
    account = smsbridge.connect("memory://?deadline=7.5")
    assert account.settings.deadline == 7.5 and account.ctx.http.deadline == 7.5
    assert smsbridge.connect("memory://").ctx.http.deadline == 60.0
    assert smsbridge.connect("memory://?timeout=90").ctx.http.deadline == 95.0  # connect + read
    with pytest.raises(smsbridge.ConfigurationError, match="positive"):
        smsbridge.connect("memory://?deadline=0")


def test_a_send_against_a_trickling_server_is_outcome_unknown() -> None:
    slow = Trickle(Reply(200, '{"StatusCode":"1","StatusInfo":"OK"}', content_type="application/json"), 1.0)
    with FaultServer(lambda r: slow if r.complete else Reply()) as server:
        account = smsbridge.connect(f"aspsms://KEY:{SECRET}@{server.host_port}?plain_http=yes&timeout=2&deadline=2")
        with pytest.raises(DeadlineExceededError) as info:
            account.send("+41791234567", "hi")
        assert server.count() == 1
    assert info.value.outcome is Outcome.UNKNOWN
    assert_clean(info.value)


def test_finished_exchanges_do_not_pile_up_in_the_watchdog() -> None:
    """A million-recipient bulk makes thousands of requests: memory stays flat."""
    from smsbridge.deadline import Exchange, watchdog

    for _ in range(5000):
        with Exchange(60.0):
            pass
    assert len(watchdog._heap) < 600


def test_the_fake_transport_refuses_what_http_cannot_carry_too() -> None:
    """Plugin tests on FakeTransport see the error the real transport raises, and nothing is 'sent'."""
    from smsbridge.testing import fake_account, reply

    account = fake_account("memory://", [reply("OK")])
    with pytest.raises(InvalidRequestError) as info:
        account.ctx.http.request("GET", "https://api.example.invalid/x", headers={"Authorization": "Bearer tök①"})
    assert info.value.outcome is Outcome.NOT_SENT and account.ctx.http.sent == []
    assert_clean(info.value)


def test_a_connection_still_opening_at_the_deadline_is_cut_once_it_has_a_socket() -> None:
    import socket
    import types as _types

    from smsbridge.deadline import Exchange

    ours, theirs = socket.socketpair()
    conn = _types.SimpleNamespace(sock=None)
    try:
        with Exchange(0.1) as exchange:
            exchange.attach(conn)
            time.sleep(0.2)  # the deadline passes while the connection has no socket yet
            assert exchange.expired and not exchange.interrupted
            conn.sock = ours  # connected now
            time.sleep(0.3)
            assert exchange.interrupted
            assert ours.recv(1) == b""  # shut down: a blocked read would have returned
    finally:
        ours.close()
        theirs.close()


def test_an_exception_from_outside_the_http_stack_passes_through(monkeypatch: Any) -> None:
    """A task queue's time limit raised by a signal handler mid-request is the caller's own:
    neither the transport nor the account's outcome accounting may swallow it."""
    import smsbridge
    from smsbridge.transport import is_foreign

    class TimeLimit(Exception):  # like billiard's SoftTimeLimitExceeded: a plain Exception
        pass

    def cut(*args: Any, **kwargs: Any) -> Any:
        raise TimeLimit()

    def cutting(built: Any) -> Any:  # the account's own transport, its session's send cut
        monkeypatch.setattr(built.session, "send", cut)
        return built

    account = smsbridge.connect("aspsms://key:password@127.0.0.1:9?plain_http=yes", transport=cutting)
    with pytest.raises(TimeLimit) as info:
        account.ctx.http.request("GET", "http://127.0.0.1:9/x")
    assert is_foreign(info.value)
    chunks = account.chunk_sender("hi")
    with pytest.raises(TimeLimit):
        chunks([smsbridge.Recipient("+41791234567")], validated=True)
