"""Figure: 0 of 10,000 forged requests accepted (wrong token, wrong signature, a signed body replayed
to another path, empty secrets), while genuine requests mixed in are all taken.

``benchmarks/receiver.py`` runs the same over loopback HTTP against ``smsbridge serve``.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smsbridge.builtin import memory_callbacks
from smsbridge.errors import ConfigurationError
from smsbridge.receiver import Receiver, ReceiverAccount
from smsbridge.testing.receiver import asgi_request, wsgi_request

from .conftest import OTHER_TOKEN, TOKEN

SECRET_A, SECRET_B = "whsec-account-a-0001", "whsec-account-b-0002"
FORM = "application/x-www-form-urlencoded"

Attempt = tuple[str, str, str, bytes, dict[str, str]]  # category, method, target, body, headers


def _signed(secret: str, target: str, body: bytes, at: float | None = None) -> dict[str, str]:
    return {
        "Content-Type": FORM,
        memory_callbacks.SIGNATURE_HEADER: memory_callbacks.sign(secret, "POST", target, body, at=at),
    }


def forgeries(rng: random.Random, count: int) -> Iterator[Attempt]:
    """``count`` forged requests, a quarter of each kind, in random order."""
    a_status, a_inbound = f"/a/status/{TOKEN}", f"/a/inbound/{TOKEN}"
    b_status = f"/b/status/{OTHER_TOKEN}"
    kinds: list[Callable[[int], Attempt]] = []

    def wrong_token(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        token = rng.choice(
            [
                secrets.token_urlsafe(16),  # a random token of the right shape
                TOKEN[:-1] + ("A" if TOKEN[-1] != "A" else "B"),  # one character off
                OTHER_TOKEN,  # another account's token
                TOKEN.lower(),
                TOKEN + "x",
            ]
        )
        target = f"/a/status/{token}"
        return ("wrong token", "POST", target, body, _signed(SECRET_A, target, body))

    def wrong_signature(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        good = _signed(SECRET_A, a_status, body)
        header = memory_callbacks.SIGNATURE_HEADER
        choice = rng.randrange(5)
        if choice == 0:
            headers = _signed(SECRET_B, a_status, body)  # another account's secret
        elif choice == 1:
            headers = {**good, header: f"t={int(rng.random() * 2e9)},v1={secrets.token_hex(32)}"}
        elif choice == 2:
            headers = good
            body = body.replace(b"delivered", b"failed")  # the body changed after signing
        elif choice == 3:
            headers = _signed(SECRET_A, a_status, body, at=1_700_000_000)  # signed long ago: a replay
        else:
            headers = {**good, header: good[header].upper()}
        return ("wrong signature", "POST", a_status, body, headers)

    def replayed(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        headers = _signed(SECRET_A, a_status, body)  # genuinely signed, for /a/status/
        target = rng.choice([a_inbound, b_status, a_status + "?x=1", "/prefix" + a_status, a_status + "/"])
        return ("replayed to another path", "POST", target, body, headers)

    def empty_secret(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        header = memory_callbacks.SIGNATURE_HEADER
        return rng.choice(
            [
                ("empty secret", "POST", "/a/status/", body, _signed(SECRET_A, "/a/status/", body)),
                ("empty secret", "POST", "/a/status//", body, _signed(SECRET_A, "/a/status//", body)),
                ("empty secret", "POST", a_status, body, {"Content-Type": FORM, header: ""}),
                ("empty secret", "POST", a_status, body, {"Content-Type": FORM, header: "t=,v1="}),
                ("empty secret", "POST", a_status, body, _signed("", a_status, body)),  # signed with an empty key
            ]
        )

    kinds = [wrong_token, wrong_signature, replayed, empty_secret]
    plan = [kinds[i % 4] for i in range(count)]
    rng.shuffle(plan)
    for n, make in enumerate(plan):
        yield make(n)


@pytest.fixture
def receiver(tmp_path: Any) -> Iterator[Receiver]:
    built = Receiver(
        {
            "a": ReceiverAccount(f"memory://a?callback_secret={SECRET_A}", token=TOKEN),
            "b": ReceiverAccount(f"memory://b?callback_secret={SECRET_B}", token=OTHER_TOKEN),
        },
        ledger=str(tmp_path / "forgery.db"),
        sweep_every=0,
    )
    yield built
    built.close()


def test_no_forged_request_is_accepted(receiver: Receiver) -> None:
    rng = random.Random(1616)
    statuses: Counter[tuple[str, int]] = Counter()
    genuine = 0
    for n, (category, method, target, body, headers) in enumerate(forgeries(rng, 10_000)):
        answer = wsgi_request(receiver.wsgi, method, target, body, headers)
        statuses[(category, answer.status)] += 1
        if n % 100 == 0:  # a genuine callback now and then: acceptance would show
            real = f"id=genuine-{n}&status=delivered".encode()
            genuine += (
                wsgi_request(
                    receiver.wsgi, "POST", f"/a/status/{TOKEN}", real, _signed(SECRET_A, f"/a/status/{TOKEN}", real)
                ).status
                == 200
            )
    accepted = sum(n for (_, status), n in statuses.items() if status < 400)
    assert sum(statuses.values()) == 10_000
    assert accepted == 0, statuses
    assert {category for category, _ in statuses} == {
        "wrong token",
        "wrong signature",
        "replayed to another path",
        "empty secret",
    }
    assert {status for _, status in statuses} <= {403, 404}
    assert genuine == 100
    assert receiver.writer.open().orphan_count() == 100  # only the genuine reports were stored


def test_no_forged_request_is_accepted_through_asgi(receiver: Receiver) -> None:
    rng = random.Random(7)
    answers = [asgi_request(receiver.asgi, m, t, b, h).status for _, m, t, b, h in forgeries(rng, 400)]
    assert all(400 <= status < 500 for status in answers)
    assert receiver.writer.open().orphan_count() == 0


@pytest.mark.parametrize("blank", ["", " ", "\t", "%20"])
def test_an_empty_secret_never_builds_an_open_receiver(blank: str) -> None:
    with pytest.raises(ConfigurationError):
        Receiver({"a": ReceiverAccount("memory://", token=blank)})
    with pytest.raises(ConfigurationError):
        Receiver({"a": ReceiverAccount(f"memory://?callback_secret={blank}", token=TOKEN)})
