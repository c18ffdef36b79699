"""Outcome accounting: what the core makes of every answer a request can get.

Through ``scripted``, an in-process provider whose every request runs the next step of a
script (a reply, an exception, or a function of the message), and which counts what reached
it.  Each test pins one rule that a mutation test found unguarded (docs/mutation.md): when a
rule breaks, a recipient is sent twice or gets a wrong outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge import plugins
from smsbridge.errors import (
    AuthenticationError,
    DuplicateError,
    InvalidRecipientError,
    ReadTimeoutError,
    UnsupportedOperationError,
)
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Capabilities, Message, ProviderSpec, Receipt, ReceiptStatus, SendResult
from smsbridge.resilience import FailoverAccount

A, B, C = "+41791000001", "+41791000002", "+41791000003"

Step = SendResult | BaseException | Callable[[Message], SendResult] | None


@attrs.define(kw_only=True)
class ScriptedConfig:
    dedup: bool = False
    batch: int = 10

    def capabilities(self, caps: Capabilities) -> Capabilities:
        return attrs.evolve(caps, deduplicates=self.dedup, max_recipients=self.batch)


@attrs.define
class Script:
    """What the provider answers, request by request (the last step repeats), and what it got."""

    steps: list[Step] = attrs.field(factory=list)
    requests: list[Message] = attrs.field(factory=list)
    hooks: list[str] = attrs.field(factory=list)  # the hook each request came through
    refuse: set[str] = attrs.field(factory=set)  # numbers its own rules refuse, before any request
    checked: list[str] = attrs.field(factory=list)  # numbers it was asked to check

    def answer(self, message: Message) -> SendResult | None:
        self.requests.append(message)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1] if self.steps else accept_all
        if isinstance(step, BaseException):
            raise step
        return step(message) if callable(step) else step


def accept_all(message: Message) -> SendResult:
    return SendResult(
        "scripted",
        tuple(Receipt(r.number, ReceiptStatus.ACCEPTED, message_id=f"m-{r.number}") for r in message.recipients),
    )


def register(registry: plugins.Registry, script: Script, *, single: bool) -> None:
    """``scripted://``: bulk requests only, or (``single``) a send hook of its own as well."""
    spec = ProviderSpec("scripted", ScriptedConfig, Capabilities(bulk_send=True), default_host="scripted.example")

    class BulkOnly:
        @hookimpl
        def smsbridge_providers(self) -> list[ProviderSpec]:
            return [spec]

        @hookimpl
        def smsbridge_adjust_capabilities(self, config: Any, caps: Capabilities) -> Capabilities:
            return config.capabilities(caps)  # type: ignore[no-any-return]

        @hookimpl
        def smsbridge_bulk_send(self, ctx: Any, message: Message) -> SendResult | None:
            script.hooks.append("bulk_send")
            return script.answer(message)

        @hookimpl
        def smsbridge_check_recipient(self, ctx: Any, number: str) -> str | None:
            script.checked.append(number)
            if number in script.refuse:
                raise InvalidRecipientError(
                    "scripted refuses this number", code="R1", provider="scripted", before_request=True
                )
            return None

    class WithSend(BulkOnly):
        @hookimpl
        def smsbridge_send(self, ctx: Any, message: Message) -> SendResult | None:
            script.hooks.append("send")
            return script.answer(message)

    registry.register(WithSend() if single else BulkOnly(), name="scripted")


@pytest.fixture
def script(registry: plugins.Registry) -> Iterator[Script]:
    s = Script()
    register(registry, s, single=True)
    yield s


@pytest.fixture
def bulk_script(registry: plugins.Registry) -> Iterator[Script]:
    s = Script()
    register(registry, s, single=False)
    yield s


def statuses(result: SendResult) -> list[tuple[str, ReceiptStatus]]:
    return [(r.recipient, r.status) for r in result.receipts]


# ---------------------------------------------------------------------------- retries after an unknown outcome


def test_a_client_ref_is_no_reason_to_retry_through_a_provider_that_does_not_deduplicate(script: Script) -> None:
    script.steps = [ReadTimeoutError("no answer", provider="scripted")]
    account = smsbridge.connect("scripted://?retries=2&backoff=0")
    with pytest.raises(ReadTimeoutError):
        account.send(A, "Hi", client_ref="order-17", ledger=False)
    assert len(script.requests) == 1, "the provider ignores the id: a retry would send a second SMS"


def test_a_deduplicating_provider_is_retried_only_with_an_id(script: Script) -> None:
    script.steps = [ReadTimeoutError("no answer", provider="scripted")]
    dedup = smsbridge.connect("scripted://?dedup=yes&retries=2&backoff=0")
    # a bulk chunk of one carries no id without a ledger: nothing would let the provider see the repeat
    summary = dedup.bulk_send([A], "Hi", ledger=False)
    assert summary.unknown == 1 and len(script.requests) == 1
    # a bulk request has no id: never retried after an unknown outcome
    summary = dedup.bulk_send([A, B], "Hi", ledger=False)
    assert summary.unknown == 2 and len(script.requests) == 2
    # a single send gets an id, and with it the retries (the same id each time)
    script.requests.clear()
    with pytest.raises(ReadTimeoutError):
        dedup.send(A, "Hi", ledger=False)
    refs = [m.client_ref for m in script.requests]
    assert len(refs) == 3 and refs[0] and len(set(refs)) == 1


# ---------------------------------------------------------------------------- failures become receipts


def test_a_plugin_crash_during_a_bulk_request_is_an_unknown_outcome_never_a_rejection(
    bulk_script: Script, sms_ledger: Any
) -> None:
    bulk_script.steps = [RuntimeError("the plugin has a bug")]
    account = smsbridge.connect("scripted://")
    (result,) = account.iter_bulk_send([A, B], "Hi", ledger=False)
    assert [(r.recipient, r.status, r.provider) for r in result.receipts] == [
        (A, ReceiptStatus.UNKNOWN, "scripted"),
        (B, ReceiptStatus.UNKNOWN, "scripted"),
    ]
    assert result.provider == "scripted" and dict(result.details) == {"error": "RuntimeError", "requests": 1}
    summary = account.bulk_send([A, B], "Hi", ledger=False)
    assert (summary.unknown, summary.rejected) == (2, 0)
    assert {r.reason for r in summary.receipts or ()} == {"plugin error: RuntimeError"}
    # through the ledger: unknown, so a rerun of the job does not send it again
    summary = account.bulk_send([A, B], "Hi", job="crash", ledger=sms_ledger)
    assert [row.state.value for row in sms_ledger.rows("crash")] == ["unknown", "unknown"]
    requests = len(bulk_script.requests)
    again = account.bulk_send([A, B], "Hi", job="crash", ledger=sms_ledger)
    assert len(bulk_script.requests) == requests and again.unknown == 2


def test_a_refused_request_becomes_one_receipt_a_recipient_with_the_error(bulk_script: Script) -> None:
    from smsbridge.models import RawReply

    error = AuthenticationError("bad key", code="401", provider="scripted", raw=RawReply(401, "denied"))
    bulk_script.steps = [error]
    (result,) = smsbridge.connect("scripted://").iter_bulk_send([A, B], "Hi", ledger=False)
    assert statuses(result) == [(A, ReceiptStatus.REJECTED), (B, ReceiptStatus.REJECTED)]
    assert result.provider == "scripted" and result.raw is error.raw
    assert all(r.retryable for r in result.receipts)  # the request was refused, not the recipients
    assert {(r.reason, r.code, r.provider) for r in result.receipts} == {(str(error), "401", "scripted")}
    assert dict(result.details) == {"error": "AuthenticationError", "requests": 1}


def test_a_duplicate_id_answer_to_a_chunk_is_accepted(bulk_script: Script, sms_ledger: Any) -> None:
    """'Duplicate id' means the provider took this id before: the recipient is accepted, not unknown."""
    bulk_script.steps = [DuplicateError("Message Ignored, Duplicate ID", provider="scripted")]
    account = smsbridge.connect("scripted://?dedup=yes")
    (result,) = account.iter_bulk_send([A, B], "Hi", ledger=False)
    assert statuses(result) == [(A, ReceiptStatus.ACCEPTED), (B, ReceiptStatus.ACCEPTED)]
    summary = account.bulk_send([A, B], "Hi", job="dup-id", ledger=sms_ledger)
    assert (summary.accepted, summary.unknown) == (2, 0)
    assert [row.state.value for row in sms_ledger.rows("dup-id")] == ["accepted", "accepted"]


# ---------------------------------------------------------------------------- the reply checked against the request


def test_a_recipient_the_reply_does_not_mention_is_unknown_and_receipts_follow_the_request(
    bulk_script: Script, sms_ledger: Any
) -> None:
    def forgets_b(message: Message) -> SendResult:  # answers out of order and says nothing of B
        return SendResult("scripted", (Receipt(C, ReceiptStatus.ACCEPTED), Receipt(A, ReceiptStatus.REJECTED)))

    bulk_script.steps = [forgets_b]
    account = smsbridge.connect("scripted://")
    result = account.send([A, B, C], "Hi", ledger=False)
    assert statuses(result) == [(A, ReceiptStatus.REJECTED), (B, ReceiptStatus.UNKNOWN), (C, ReceiptStatus.ACCEPTED)]
    assert result.receipts[1].reason == "the provider's reply did not mention this recipient"
    assert result.receipts[1].provider == "scripted"
    assert result.details["requests"] == 1
    # in a job: B may have been taken, so it is unknown and a rerun leaves it alone
    account.bulk_send([A, B, C], "Hi", job="forgot", ledger=sms_ledger)
    assert [row.state.value for row in sms_ledger.rows("forgot")] == ["rejected", "unknown", "accepted"]
    requests = len(bulk_script.requests)
    account.bulk_send([A, B, C], "Hi", job="forgot", ledger=sms_ledger)
    assert len(bulk_script.requests) == requests


def test_receipts_for_the_same_number_twice_are_matched_in_order(bulk_script: Script) -> None:
    def two_for_a(message: Message) -> SendResult:
        return SendResult(
            "scripted",
            (Receipt(A, ReceiptStatus.ACCEPTED, message_id="first"), Receipt(A, ReceiptStatus.ACCEPTED, "second")),
            details={"requests": 1, "note": "kept"},
        )

    bulk_script.steps = [two_for_a]
    result = smsbridge.connect("scripted://").send([A, A], "Hi", ledger=False)
    assert [r.message_id for r in result.receipts] == ["first", "second"]
    assert result.details["note"] == "kept"


def test_a_plugin_that_answers_nothing_to_a_send_says_it_cannot_send(bulk_script: Script) -> None:
    bulk_script.steps = [None]
    with pytest.raises(UnsupportedOperationError) as info:
        smsbridge.connect("scripted://").send([A, B], "Hi", ledger=False)
    assert (info.value.message, info.value.provider) == ("this provider plugin cannot send", "scripted")


# ---------------------------------------------------------------------------- bulk: checks, workers, summaries


def test_each_recipient_is_checked_once_by_the_account_that_sends_it(
    bulk_script: Script, sms_ledger: Any, sms_outbox: list[Any]
) -> None:
    bulk_script.refuse = {C}
    account = smsbridge.connect("scripted://?batch=2")
    summary = account.bulk_send([A, B, C], "Hi", job="checked", ledger=sms_ledger)
    assert sorted(bulk_script.checked) == [A, B, C]  # read in once; never checked again to send
    assert [(r.state.value, r.code) for r in sms_ledger.rows("checked")][2] == ("rejected", "R1")
    assert (summary.accepted, summary.rejected) == (2, 1)
    # a failover member checks the chunk again with its own rules: memory takes C, scripted does not
    bulk_script.checked.clear()
    group = smsbridge.connect("memory://?fail=credit", "scripted://?batch=2")
    summary = group.bulk_send([A, B, C], "Hi", job="group", ledger=sms_ledger)
    sent = [r.number for m in bulk_script.requests for r in m.recipients]
    assert sent.count(C) == 0 and sent.count(A) == 2 and sent.count(B) == 2
    assert sorted(bulk_script.checked) == [A, B, C]
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert {r.recipient: r.status for r in summary.receipts or ()}[C] is ReceiptStatus.REJECTED


def test_without_a_ledger_an_invalid_recipient_is_rejected_and_the_rest_go(bulk_script: Script) -> None:
    bulk_script.refuse = {B}
    for workers in (1, 2):
        results = list(
            smsbridge.connect("scripted://?batch=1").iter_bulk_send([A, B, C], "Hi", ledger=False, workers=workers)
        )
        receipts = {r.recipient: r.status for res in results for r in res.receipts}
        assert receipts == {A: ReceiptStatus.ACCEPTED, B: ReceiptStatus.REJECTED, C: ReceiptStatus.ACCEPTED}


def _in_pairs(script: Script) -> None:
    """Every request waits until another one is in flight: only concurrent requests succeed."""
    import threading

    barrier = threading.Barrier(2, timeout=5)

    def meet(message: Message) -> SendResult:
        barrier.wait()
        return accept_all(message)

    script.steps = [meet]


@pytest.mark.parametrize("ledger", [None, False], ids=["ledger", "no-ledger"])
def test_workers_send_requests_at_the_same_time(bulk_script: Script, ledger: Any) -> None:
    _in_pairs(bulk_script)
    account = smsbridge.connect("scripted://?batch=1")
    summary = account.bulk_send([A, B, C, "+41791000004"], "Hi", workers=2, ledger=ledger)
    assert summary.accepted == 4, "two workers: two requests in flight at once"
    if ledger is False:
        return  # a group without a ledger sends one chunk at a time
    group = smsbridge.connect("memory://?fail=credit", "scripted://?batch=1")
    results = list(group.iter_bulk_send([A, B], "Hi again", workers=2, ledger=ledger))
    assert [r.status for res in results for r in res.receipts] == [ReceiptStatus.ACCEPTED] * 2


def test_one_worker_reads_the_input_one_request_ahead(bulk_script: Script) -> None:
    read: list[str] = []

    def numbers() -> Iterator[str]:
        for n in (A, B, C, "+41791000004", "+41791000005"):
            read.append(n)
            yield n

    results = smsbridge.connect("scripted://?batch=2").iter_bulk_send(numbers(), "Hi", ledger=False, workers=1)
    next(results)
    assert read == [A, B], "the first request leaves before any more input is read"


def test_a_summary_counts_every_outcome_and_keeps_receipts_when_asked(bulk_script: Script) -> None:
    bulk_script.refuse = {C}
    seen: list[SendResult] = []

    def answer(message: Message) -> SendResult:
        return SendResult(
            "scripted",
            tuple(
                Receipt(r.number, ReceiptStatus.UNKNOWN if r.number == B else ReceiptStatus.ACCEPTED)
                for r in message.recipients
            ),
        )

    bulk_script.steps = [answer]
    account = smsbridge.connect("scripted://?batch=5")
    summary = account.bulk_send([A, B, C], "Hi", ledger=False, on_result=seen.append, keep_receipts=True)
    assert (summary.provider, summary.total, summary.accepted, summary.rejected, summary.unknown) == (
        "scripted",
        3,
        1,
        1,
        1,
    )
    assert summary.requests == 1 and len(seen) == 2  # the request, and the rejection found before it
    assert [r.recipient for r in summary.receipts or ()] == [C, A, B]
    assert account.bulk_send([A], "Hi", ledger=False, keep_receipts=False).receipts is None
    assert account.bulk_send([A], "Hi", ledger=False, on_result=seen.append).receipts is None


# ---------------------------------------------------------------------------- failover chunks


def test_a_member_that_cannot_take_the_message_refuses_the_chunk_whole(
    spy: Any, calls: list[Any], sms_ledger: Any
) -> None:
    """Spy's rules refuse the sender: its chunk is refused, certainly not sent, and the next account sends."""
    from smsbridge.builtin import memory

    memory.clear()
    group = smsbridge.connect("memory://a?fail=credit", "spy://u:p@default", "memory://c")
    summary = group.bulk_send([A, B], "Hi", sender="1xy", job="refused", ledger=sms_ledger)
    assert summary.accepted == 2 and [m.to for m in memory.outbox("c")] == [A, B]
    assert [m.sender for m in memory.outbox("c")] == ["1xy", "1xy"]
    assert not [c for c in calls if c[0] in ("send", "bulk_send")]
    # when no member takes it, every recipient is rejected with the last member's reason, and is not_sent
    group = smsbridge.connect("memory://a?fail=credit", "spy://u:p@default")
    results = list(group.iter_bulk_send([A, B], "Hi", sender="1xy", job="nobody", ledger=sms_ledger))
    (result,) = results
    assert [(r.recipient, r.status, r.provider) for r in result.receipts] == [
        (A, ReceiptStatus.REJECTED, "spy"),
        (B, ReceiptStatus.REJECTED, "spy"),
    ]
    assert all("numeric senders" in (r.reason or "") or "rule" in (r.reason or "") for r in result.receipts)
    assert dict(result.details) == {"error": "InvalidSenderError", "requests": 0}
    assert [row.state.value for row in sms_ledger.rows("nobody")] == ["not_sent", "not_sent"]


def test_a_group_groups_rendered_texts_only_when_a_member_cannot_render(spy: Any, calls: list[Any]) -> None:
    from smsbridge.builtin import memory

    memory.clear()
    rows = [
        {"to": n, "name": name} for n, name in zip([A, B, C, "+41791000004"], ["Ann", "Ann", "Bob", "Bob"], strict=True)
    ]
    both_render = smsbridge.connect("memory://a", "memory://b")
    assert both_render.bulk_send(rows, "Hi {name}", job="render").requests == 1
    assert [m.text for m in memory.outbox("a")] == ["Hi Ann", "Hi Ann", "Hi Bob", "Hi Bob"]
    # spy cannot render: chunks of one text each, whichever member sends them
    group = smsbridge.connect("spy://u:p@default?sender=Shop", "memory://")
    summary = group.bulk_send(rows, "Hi {name}", job="grouped")
    sent = [(c[2].text, len(c[2].recipients)) for c in calls if c[0] in ("send", "bulk_send")]
    assert sent == [("Hi Ann", 2), ("Hi Bob", 2)] and summary.requests == 2


def test_a_group_of_one_sends_templates_and_resumes_with_its_own_workers(sms_ledger: Any) -> None:
    from smsbridge.builtin import memory

    memory.clear()
    solo = FailoverAccount([smsbridge.connect("memory://solo?workers=2")])
    rows = [{"to": A, "name": "Ann"}, {"to": B, "name": "Bob"}]
    assert solo.bulk_send(rows, "Hi {name}", job="solo", ledger=sms_ledger).accepted == 2
    assert [m.text for m in memory.outbox("solo")] == ["Hi Ann", "Hi Bob"]
    assert solo.chunk_sender("Hi").workers == 2
    summary = sms_ledger.job("solo").resume(solo)
    assert summary.accepted == 2 and len(memory.outbox("solo")) == 2


def test_a_group_job_never_counts_on_de_duplication(bulk_script: Script, sms_ledger: Any) -> None:
    """Even through de-duplicating members, a chunk may go to any of them: no client id, no resend."""
    group = smsbridge.connect("scripted://?dedup=yes&batch=1", "memory://")
    group.bulk_send([A, B], "Hi", job="g", ledger=sms_ledger)
    assert [row.client_ref for row in sms_ledger.rows("g")] == [None, None]
    assert [m.client_ref for m in bulk_script.requests] == [None, None]


# ---------------------------------------------------------------------------- several requests of one send


def deduplicating(message: Message, seen: set[str]) -> SendResult:
    """A provider that ignores a request whose client id it saw before (JorMall's ``id``)."""
    if message.client_ref is not None:
        if message.client_ref in seen:
            raise DuplicateError("Message Ignored, Duplicate ID", provider="scripted")
        seen.add(message.client_ref)
    return accept_all(message)


def test_a_client_id_goes_with_one_request_only_to_a_provider_that_deduplicates(script: Script) -> None:
    """A send split into several requests (one text each) must not repeat its id: the provider would drop them."""
    from smsbridge.models import Recipient

    seen: set[str] = set()
    script.steps = [lambda message: deduplicating(message, seen)]
    rows = [Recipient(A, params={"name": "Ann"}), Recipient(B, params={"name": "Bob"})]
    result = smsbridge.connect("scripted://?dedup=yes").send(rows, "Hi {name}", client_ref="order-9", ledger=False)
    assert [m.text for m in script.requests] == ["Hi Ann", "Hi Bob"], "each recipient's request reached it"
    assert [r.message_id for r in result.receipts] == [f"m-{A}", f"m-{B}"]
    assert script.requests[0].client_ref == "order-9"


def test_the_requests_of_one_send_merge_into_one_result(script: Script) -> None:
    from smsbridge.models import RawReply, Recipient

    def answer(message: Message) -> SendResult:
        n = len(script.requests)
        details = {"requests": 2} if n == 1 else {}  # a plugin that needed two requests says so
        return attrs.evolve(accept_all(message), raw=RawReply(200, f"reply {n}"), scheduled=n == 1, details=details)

    script.steps = [answer]
    result = smsbridge.connect("scripted://?batch=1").send([A, B, C], "Hi", client_ref="order-1", ledger=False)
    assert (result.provider, result.client_ref, result.scheduled) == ("scripted", "order-1", True)
    assert result.raw is not None and result.raw.body == "reply 3"  # the last request's reply
    assert [r.recipient for r in result.receipts] == [A, B, C] and result.details["requests"] == 4
    # a de-duplicating provider: the first request timed out, its retry was a duplicate, the next went
    seen: set[str] = set()
    script.requests.clear()
    script.steps = [
        ReadTimeoutError("no answer", provider="scripted"),
        lambda message: deduplicating(message, {"order-2"}),
        lambda message: deduplicating(message, seen),
    ]
    rows = [Recipient(A, params={"name": "Ann"}), Recipient(B, params={"name": "Bob"})]
    dedup = smsbridge.connect("scripted://?dedup=yes&retries=1&backoff=0")
    result = dedup.send(rows, "Hi {name}", client_ref="order-2", ledger=False)
    assert [r.status for r in result.receipts] == [ReceiptStatus.ACCEPTED] * 2
    assert result.details["requests"] == 2  # a result without a count is one request


def test_a_duplicate_id_answer_to_a_retry_is_the_earlier_acceptance(script: Script) -> None:
    script.steps = [ReadTimeoutError("no answer", provider="scripted"), DuplicateError("dup", provider="scripted")]
    result = smsbridge.connect("scripted://?dedup=yes&retries=1&backoff=0").send(A, "Hi", ledger=False)
    ref = script.requests[0].client_ref
    assert ref and [m.client_ref for m in script.requests] == [ref, ref]
    assert (result.provider, result.client_ref, result.details["duplicate_of_earlier_attempt"]) == (
        "scripted",
        ref,
        True,
    )
    (receipt,) = result.receipts
    assert (receipt.recipient, receipt.status, receipt.message_id, receipt.provider) == (
        A,
        ReceiptStatus.ACCEPTED,
        ref,
        "scripted",
    )
    assert receipt.reason == "accepted on an earlier attempt: the retry was ignored as a duplicate id"


def test_a_group_without_a_ledger_sends_checked_recipients_and_sums_up(bulk_script: Script) -> None:
    group = smsbridge.connect("scripted://", "memory://")
    seen: list[SendResult] = []
    summary = group.bulk_send(["+41 79 100 00 01", B], "Hi", ledger=False, on_result=seen.append, keep_receipts=True)
    assert [r.number for m in bulk_script.requests for r in m.recipients] == [A, B]  # normalised, once
    assert sorted(bulk_script.checked) == [A, B]
    assert (summary.provider, summary.accepted, len(summary.receipts or ()), len(seen)) == ("scripted", 2, 2, 1)
    assert group.bulk_send([C], "Hi", ledger=False, on_result=seen.append).receipts is None
    bulk_script.checked.clear()
    group.bulk_send([A, B], "Hi", job="checked-once")
    assert sorted(bulk_script.checked) == [A, B]  # read in by the first member; not checked again to send


def test_one_recipient_goes_through_the_send_hook_several_through_bulk(script: Script) -> None:
    account = smsbridge.connect("scripted://?batch=3")
    account.bulk_send([A], "Hi", ledger=False)
    account.bulk_send([A, B], "Hi", ledger=False)
    account.send([A, B, C], "Hi", ledger=False)
    assert script.hooks == ["send", "bulk_send", "bulk_send"]


def test_a_chunk_sender_keeps_the_callers_text_as_the_jobs_identity(bulk_script: Script) -> None:
    from smsbridge.sending import ChunkSender

    account = smsbridge.connect("scripted://")
    template = account.prepare("Hi there")
    assert ChunkSender(account, template).text == "Hi there"
    assert ChunkSender(account, template, text="Hi {name}").text == "Hi {name}"


def test_texts_rendered_by_the_core_go_in_chunks_of_one_text(spy: Any, calls: list[Any]) -> None:
    rows = [
        {"to": n, "name": name} for n, name in zip([A, B, C, "+41791000004"], ["Ann", "Ann", "Bob", "Bob"], strict=True)
    ]
    summary = smsbridge.connect("spy://u:p@default?sender=Shop").bulk_send(rows, "Hi {name}", job="texts")
    sent = [(c[2].text, len(c[2].recipients)) for c in calls if c[0] in ("send", "bulk_send")]
    assert sent == [("Hi Ann", 2), ("Hi Bob", 2)] and summary.requests == 2


def test_a_refused_single_request_keeps_its_client_id(script: Script, sms_ledger: Any) -> None:
    script.steps = [AuthenticationError("bad key", provider="scripted")]
    (result,) = smsbridge.connect("scripted://?dedup=yes&batch=1").iter_bulk_send([A], "Hi", job="k", ledger=sms_ledger)
    (row,) = sms_ledger.rows("k")
    assert row.client_ref and result.client_ref == row.client_ref == script.requests[0].client_ref
