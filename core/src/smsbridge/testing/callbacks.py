"""Adversarial and realistic callback traffic for receiver tests and benchmarks.

* ``forgeries``: forged requests against a receiver serving two signing ``memory://``
  accounts ``a`` and ``b`` (wrong token, wrong signature, a genuinely signed body replayed to
  another path, empty secrets), for "0 of N forged requests accepted";
* ``report_history``: delivery reports as a provider sends them for many messages (queued,
  sent, a final status, a late "sent" after it, repeats), for "a shuffled stream ends as the
  ordered replay".
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterator

from smsbridge.builtin import memory_callbacks
from smsbridge.ledger.models import StatusReport

__all__ = ["FORGERY_KINDS", "Attempt", "forgeries", "report_history", "signed_headers"]

FORM = "application/x-www-form-urlencoded"
FORGERY_KINDS = ("wrong token", "wrong signature", "replayed to another path", "empty secret")

#: (kind of forgery, method, request target, body, headers)
Attempt = tuple[str, str, str, bytes, dict[str, str]]


def signed_headers(secret: str, target: str, body: bytes, at: float | None = None) -> dict[str, str]:
    """A form POST's headers, signed as ``memory://?callback_secret=SECRET`` signs its callbacks."""
    return {
        "Content-Type": FORM,
        memory_callbacks.SIGNATURE_HEADER: memory_callbacks.sign(secret, "POST", target, body, at=at),
    }


def forgeries(
    rng: random.Random, count: int, *, token: str, other_token: str, secret: str, other_secret: str, prefix: str = ""
) -> Iterator[Attempt]:
    """``count`` forged requests, a quarter of each kind, in random order.

    The receiver serves ``a`` (``token``, signing ``secret``) and ``b`` (``other_token``,
    ``other_secret``) under ``prefix``; the attacker knows b's token and secret, not a's.
    """
    a_status, a_inbound = f"{prefix}/a/status/{token}", f"{prefix}/a/inbound/{token}"
    b_status = f"{prefix}/b/status/{other_token}"
    header = memory_callbacks.SIGNATURE_HEADER

    def wrong_token(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        guess = rng.choice(
            [
                secrets.token_urlsafe(16),  # a random token of the right shape
                token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character off
                other_token,  # another account's token
                token.lower(),
                token + "x",
            ]
        )
        target = f"{prefix}/a/status/{guess}"
        return ("wrong token", "POST", target, body, signed_headers(secret, target, body))

    def wrong_signature(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        good = signed_headers(secret, a_status, body)
        choice = rng.randrange(5)
        if choice == 0:
            headers = signed_headers(other_secret, a_status, body)  # another account's secret
        elif choice == 1:
            headers = {**good, header: f"t={int(rng.random() * 2e9)},v1={secrets.token_hex(32)}"}
        elif choice == 2:
            headers, body = good, body.replace(b"delivered", b"failed")  # changed after signing
        elif choice == 3:
            headers = signed_headers(secret, a_status, body, at=1_700_000_000)  # signed long ago: a replay
        else:
            headers = {**good, header: good[header].upper()}
        return ("wrong signature", "POST", a_status, body, headers)

    def replayed(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        headers = signed_headers(secret, a_status, body)  # genuinely signed, for a's status route
        target = rng.choice([a_inbound, b_status, a_status + "?x=1", "/elsewhere" + a_status, a_status + "/"])
        return ("replayed to another path", "POST", target, body, headers)

    def empty_secret(n: int) -> Attempt:
        body = f"id=mem-{n}&status=delivered".encode()
        empty_token = f"{prefix}/a/status/"
        return rng.choice(
            [
                ("empty secret", "POST", empty_token, body, signed_headers(secret, empty_token, body)),
                ("empty secret", "POST", empty_token + "/", body, signed_headers(secret, empty_token + "/", body)),
                ("empty secret", "POST", a_status, body, {"Content-Type": FORM, header: ""}),
                ("empty secret", "POST", a_status, body, {"Content-Type": FORM, header: "t=,v1="}),
                ("empty secret", "POST", a_status, body, signed_headers("", a_status, body)),  # an empty key
            ]
        )

    kinds: list[Callable[[int], Attempt]] = [wrong_token, wrong_signature, replayed, empty_secret]
    plan = [kinds[i % len(kinds)] for i in range(count)]
    rng.shuffle(plan)
    for n, make in enumerate(plan):
        yield make(n)


def report_history(
    rng: random.Random, messages: int, *, provider: str = "memory"
) -> tuple[list[StatusReport], list[str]]:
    """Reports for ``messages`` message ids ``m0``...: queued, sent, then (nine in ten) a final
    status, one in seven a "sent" after it, and a third of them repeated.  Returns the reports in
    time order (repeats after their original) and the ids."""
    reports: list[StatusReport] = []
    ids = [f"m{i}" for i in range(messages)]
    for n, mid in enumerate(ids):
        t = 1_000.0 + n
        timeline = [
            StatusReport(provider, mid, "queued", code="q", at=t),
            StatusReport(provider, mid, "sent", code="s", at=t + 1.5),
        ]
        if n % 10:
            final = rng.choice(["delivered", "delivered", "delivered", "failed", "expired", "rejected"])
            timeline.append(StatusReport(provider, mid, final, code=final[:3], at=t + 3.0 + rng.random()))
        if n % 7 == 0:
            timeline.append(StatusReport(provider, mid, "sent", code="s2", at=t + 5.0))  # late, after the final
        reports.extend(timeline)
        reports.extend(r for r in timeline if rng.random() < 0.35)
    return reports, ids
