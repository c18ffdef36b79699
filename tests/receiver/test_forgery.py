"""Figure: 0 of 10,000 forged requests accepted (wrong token, wrong signature, a signed body replayed
to another path, empty secrets), while genuine requests mixed in are all taken.

``benchmarks/receiver.py`` runs the same over loopback HTTP against ``smsbridge serve``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from smsbridge.errors import ConfigurationError
from smsbridge.receiver import Receiver, ReceiverAccount
from smsbridge.testing.callbacks import FORGERY_KINDS, Attempt, forgeries, signed_headers
from smsbridge.testing.receiver import asgi_request, wsgi_request

from .conftest import OTHER_TOKEN, TOKEN

SECRET_A, SECRET_B = "whsec-account-a-0001", "whsec-account-b-0002"


def attempts(seed: int, count: int) -> Iterator[Attempt]:
    return forgeries(
        random.Random(seed), count, token=TOKEN, other_token=OTHER_TOKEN, secret=SECRET_A, other_secret=SECRET_B
    )


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
    statuses: Counter[tuple[str, int]] = Counter()
    genuine = 0
    for n, (category, method, target, body, headers) in enumerate(attempts(1616, 10_000)):
        answer = wsgi_request(receiver.wsgi, method, target, body, headers)
        statuses[(category, answer.status)] += 1
        if n % 100 == 0:  # a genuine callback now and then: acceptance would show
            real = f"id=genuine-{n}&status=delivered".encode()
            headers = signed_headers(SECRET_A, f"/a/status/{TOKEN}", real)
            genuine += wsgi_request(receiver.wsgi, "POST", f"/a/status/{TOKEN}", real, headers).status == 200
    accepted = sum(n for (_, status), n in statuses.items() if status < 400)
    assert sum(statuses.values()) == 10_000
    assert accepted == 0, statuses
    assert {category for category, _ in statuses} == set(FORGERY_KINDS)
    assert {status for _, status in statuses} <= {403, 404}
    assert genuine == 100
    assert receiver.writer.open().orphan_count() == 100  # only the genuine reports were stored


def test_no_forged_request_is_accepted_through_asgi(receiver: Receiver) -> None:
    answers = [asgi_request(receiver.asgi, m, t, b, h).status for _, m, t, b, h in attempts(7, 400)]
    assert all(400 <= status < 500 for status in answers)
    assert receiver.writer.open().orphan_count() == 0


@pytest.mark.parametrize("blank", ["", " ", "\t", "%20"])
def test_an_empty_secret_never_builds_an_open_receiver(blank: str) -> None:
    with pytest.raises(ConfigurationError):
        Receiver({"a": ReceiverAccount("memory://", token=blank)})
    with pytest.raises(ConfigurationError):
        Receiver({"a": ReceiverAccount(f"memory://?callback_secret={blank}", token=TOKEN)})
