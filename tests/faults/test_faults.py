"""Every provider plugin against a misbehaving loopback server.

For each fault: the typed error, how many requests the server received (never two accepted
copies of one message), what failover does (moves on only when certainly not sent), and for
bulk the complete per-recipient outcome list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import smsbridge
from smsbridge.builtin import memory
from smsbridge.errors import Outcome, SmsBridgeError, UnreadableReplyError
from smsbridge.models import ReceiptStatus
from smsbridge.testing.server import Close, FaultServer, Reply, Request, Reset, Stall, refused_port

from .profiles import PROFILES, Profile

HTML = "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>oops</body></html>"

# fault name -> (how to build the fault from the success reply, the outcome it must give)
FAULTS: dict[str, tuple[Any, set[Outcome]]] = {
    "connection_refused": (None, {Outcome.NOT_SENT}),
    "reset_before_body_read": (lambda ok: Reset(after_body=False), {Outcome.UNKNOWN}),
    "reset_after_body_read": (lambda ok: Reset(after_body=True), {Outcome.UNKNOWN}),
    "closed_without_answer": (lambda ok: Close(), {Outcome.UNKNOWN}),
    "read_timeout": (lambda ok: Stall(3.0), {Outcome.UNKNOWN}),
    "http_500_empty": (lambda ok: Reply(500, ""), {Outcome.UNKNOWN}),
    "http_503_html": (lambda ok: Reply(503, HTML, content_type="text/html"), {Outcome.UNKNOWN, Outcome.NOT_SENT}),
    "html_error_page_200": (lambda ok: Reply(200, HTML, content_type="text/html"), {Outcome.UNKNOWN}),
    "truncated_body": (
        lambda ok: Reply(200, _text(ok)[: len(_text(ok)) // 2], content_type=ok.content_type),
        {Outcome.UNKNOWN},
    ),
    "body_broken_off": (
        lambda ok: Reply(200, _text(ok)[:5], content_type=ok.content_type, declared_length=len(_text(ok).encode())),
        {Outcome.UNKNOWN},
    ),
    "empty_body": (lambda ok: Reply(200, "", content_type=ok.content_type), {Outcome.UNKNOWN}),
    "huge_body": (lambda ok: Reply(200, "x" * (3 * 1024 * 1024)), {Outcome.UNKNOWN}),
    "wrong_content_type": (lambda ok: Reply(200, _text(ok), content_type="image/png"), set()),  # may succeed
}


def _text(reply: Reply) -> str:
    return reply.body.decode("utf-8") if isinstance(reply.body, bytes) else reply.body


def _client_id(request: Request) -> str | None:
    form = {**parse_qs(urlsplit(request.target).query), **parse_qs(request.body.decode("utf-8", "replace"))}
    values = form.get("id")
    return values[0] if values else None


@pytest.fixture(autouse=True)
def _clean_outboxes() -> Iterator[None]:
    memory.clear()
    yield
    memory.clear()


def _script(profile: Profile, fault: Any, *, fault_on: set[int] | None = None) -> Any:
    """Answer auxiliary requests normally; inject ``fault`` into send requests (the n-th ones)."""
    sends = {"n": 0}

    def script(request: Request) -> Any:
        if not profile.is_send(request):
            return profile.auxiliary(request)
        ok = profile.ok(request)
        if not request.complete:  # headers read, body not yet: only an early reset acts here
            action = fault(ok)
            return action if fault_on is None and isinstance(action, Reset) else ok
        sends["n"] += 1
        if fault_on is None or sends["n"] in fault_on:
            return fault(ok)
        return ok

    return script


def _url(profile: Profile, host: str, extra: str = "") -> str:
    return profile.url.format(host=host) + "&timeout=0.5&connect_timeout=1" + extra


CASES = [(p, f) for p in sorted(PROFILES) for f in sorted(FAULTS)]


@pytest.mark.parametrize(("provider", "fault_name"), CASES)
def test_single_send_under_fault(provider: str, fault_name: str) -> None:
    profile = PROFILES[provider]
    build, outcomes = FAULTS[fault_name]
    extra = "&retries=2&backoff=0"
    if build is None:
        url = _url(profile, f"127.0.0.1:{refused_port()}", extra)
        with pytest.raises(SmsBridgeError) as info:
            smsbridge.connect(url).send(profile.number(0), "fault test")
        assert info.value.outcome in outcomes
        return
    with FaultServer(_script(profile, build)) as server:
        account = smsbridge.connect(_url(profile, server.host_port, extra))
        try:
            result = account.send(profile.number(0), "fault test")
        except SmsBridgeError as error:
            outcome = error.outcome
            assert not outcomes or outcome in outcomes, f"{fault_name}: {type(error).__name__}: {error}"
            assert "dummy-" not in str(error) and "dummy-" not in repr(error)
            if isinstance(error, UnreadableReplyError):
                assert error.raw is not None, "the raw reply must be kept"
                assert "dummy-" not in error.raw.body
        else:
            assert not outcomes, f"{fault_name} must not look like success: {result}"
            assert result.ok
            outcome = None
        sends = [r for r in server.requests if profile.is_send(r)]
        if outcome is Outcome.UNKNOWN:
            if profile.deduplicates:
                ids = {_client_id(r) for r in sends}
                assert len(ids) <= 1 and None not in ids, "a retry after an unknown outcome must reuse the id"
            else:
                assert len(sends) <= 1, "an unknown outcome must never be retried"
        elif outcome is None:
            assert len(sends) == 1


@pytest.mark.parametrize(("provider", "fault_name"), CASES)
def test_failover_moves_on_only_when_certainly_not_sent(provider: str, fault_name: str) -> None:
    profile = PROFILES[provider]
    build, outcomes = FAULTS[fault_name]
    backup = "memory://backup"
    if build is None:
        group = smsbridge.connect(_url(profile, f"127.0.0.1:{refused_port()}"), backup)
        assert group.send(profile.number(0), "fault test").provider == "memory"
        assert len(memory.outbox("backup")) == 1
        return
    with FaultServer(_script(profile, build)) as server:
        group = smsbridge.connect(_url(profile, server.host_port), backup)
        try:
            result = group.send(profile.number(0), "fault test")
        except SmsBridgeError as error:
            assert error.outcome is Outcome.UNKNOWN, f"{fault_name}: a not-sent error must fail over, got {error!r}"
            assert memory.outbox("backup") == [], "after an unknown outcome the backup must not be used"
            assert sum(profile.is_send(r) for r in server.requests) <= 1
        else:
            if result.provider == "memory":
                assert Outcome.NOT_SENT in outcomes
                assert len(memory.outbox("backup")) == 1
            else:
                assert not outcomes and memory.outbox("backup") == []


@pytest.mark.parametrize(("provider", "fault_name"), CASES)
def test_bulk_under_fault_reports_every_recipient_once(provider: str, fault_name: str) -> None:
    profile = PROFILES[provider]
    build, outcomes = FAULTS[fault_name]
    batch = profile.batch
    recipients = [profile.number(i) for i in range(2 * batch + 1)]
    if build is None:
        summary = smsbridge.connect(_url(profile, f"127.0.0.1:{refused_port()}")).bulk_send(recipients, "bulk")
        assert summary.total == len(recipients) and summary.rejected == len(recipients)
        return
    with FaultServer(_script(profile, build, fault_on={2})) as server:
        account = smsbridge.connect(_url(profile, server.host_port, "&retries=2&backoff=0"))
        summary = account.bulk_send(recipients, "bulk")
        sends = [r for r in server.requests if profile.is_send(r)]
    receipts = summary.receipts or ()
    assert summary.total == len(recipients)
    assert sorted(r.recipient for r in receipts) == sorted(recipients), "every recipient exactly once"
    statuses = [r.status for r in receipts]
    assert statuses[:batch] == [ReceiptStatus.ACCEPTED] * batch
    assert statuses[-1] == ReceiptStatus.ACCEPTED
    middle = set(statuses[batch:-1])
    if Outcome.UNKNOWN in outcomes and Outcome.NOT_SENT not in outcomes:
        assert middle == {ReceiptStatus.UNKNOWN}
        assert len(sends) <= 3, "the chunk with an unknown outcome is never sent again"
    elif not outcomes:
        assert middle <= {ReceiptStatus.ACCEPTED, ReceiptStatus.UNKNOWN}
    else:
        assert middle <= {ReceiptStatus.UNKNOWN, ReceiptStatus.REJECTED}


def test_rate_limit_spaces_an_accounts_requests() -> None:
    profile = PROFILES["aspsms"]
    with FaultServer(lambda r: profile.ok(r)) as server:
        account = smsbridge.connect(_url(profile, server.host_port, "&rate=10&workers=3&retries=0"))
        results = list(account.iter_bulk_send([profile.number(i) for i in range(3)], "rate", workers=3))
        sent = account.send(profile.number(9), "one more")
        assert server.count() == 2
    assert all(r.receipts for r in results) and sent.ok
    assert account.ctx.http.limiter.waited >= 0.05, "the second request must have waited for its slot"
