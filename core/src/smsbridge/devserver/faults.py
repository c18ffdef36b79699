"""Fault rules: which request the emulator answers wrongly on purpose, and how.

A rule names a fault ``kind`` and narrows where it applies (provider, operation, a recipient
number); it fires always (``probability`` 1) or by a seeded random draw, and ``remaining``
bounds how many times.  Rules change at run time (REST API, web inbox); the first matching
rule that fires wins.  Whether a kind means the provider took the message decides what is kept:

* not taken (the message is kept as ``rejected``): ``refuse``, ``http500``, ``html``,
  ``rate_limited``, ``no_credit``;
* taken, the answer lost (kept as accepted, reports follow): ``reset`` (a TCP reset after
  the request was read), ``timeout`` (never answered), ``truncated`` (half the answer).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["KINDS", "OPERATIONS", "TAKEN", "FaultRule", "FaultRules", "RuleError"]

KINDS = ("refuse", "reset", "timeout", "http500", "html", "truncated", "rate_limited", "no_credit")
OPERATIONS = ("send", "balance", "status", "inbound", "admin")
#: kinds after which the provider has the message (the client cannot know it)
TAKEN = frozenset({"reset", "timeout", "truncated"})


class RuleError(ValueError):
    """A rule the REST API was given is not valid; the message says which field and why."""


@attrs.define
class FaultRule:
    id: int
    kind: str
    provider: str | None = None
    operation: str | None = None
    number: str | None = None
    probability: float = 1.0
    remaining: int | None = None
    seed: int | None = None
    _rng: random.Random = attrs.field(factory=random.Random, repr=False, eq=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "provider": self.provider,
            "operation": self.operation,
            "number": self.number,
            "probability": self.probability,
            "remaining": self.remaining,
            "seed": self.seed,
        }

    def applies(self, provider: str, operation: str, numbers: Sequence[str]) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.provider is not None and self.provider != provider:
            return False
        if self.operation is not None and self.operation != operation:
            return False
        if self.number is not None:
            wanted = _digits(self.number)
            if not any(_digits(n) == wanted for n in numbers):
                return False
        return True


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _optional_text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RuleError(f"{name} must be text or null")
    return value


class FaultRules:
    """The rule list, thread-safe (the pytest fixture's client and the server share it)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._next = 1
        self._lock = threading.Lock()

    def add(self, data: Mapping[str, Any]) -> FaultRule:
        """A rule from REST data (``id`` ignored); :class:`RuleError` when a field is wrong."""
        if not isinstance(data, Mapping):
            raise RuleError("a rule is a JSON object")
        kind = data.get("kind")
        if kind not in KINDS:
            raise RuleError(f"kind must be one of {', '.join(KINDS)}")
        operation = _optional_text(data, "operation")
        if operation is not None and operation not in OPERATIONS:
            raise RuleError(f"operation must be null or one of {', '.join(OPERATIONS)}")
        probability = data.get("probability", 1.0)
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            raise RuleError("probability must be a number from 0 to 1")
        remaining = data.get("remaining")
        if remaining is not None and (isinstance(remaining, bool) or not isinstance(remaining, int) or remaining < 0):
            raise RuleError("remaining must be null or a whole number >= 0")
        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise RuleError("seed must be null or an integer")
        with self._lock:
            rule = FaultRule(
                id=self._next,
                kind=str(kind),
                provider=_optional_text(data, "provider"),
                operation=operation,
                number=_optional_text(data, "number"),
                probability=float(probability),
                remaining=remaining,
                seed=seed,
            )
            rule._rng.seed(seed)
            self._next += 1
            self._rules.append(rule)
        return rule

    def remove(self, ident: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != ident]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def as_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def pick(self, provider: str, operation: str, numbers: Sequence[str]) -> FaultRule | None:
        """The rule that fires for this request, its ``remaining`` counted down; ``None``: answer normally."""
        with self._lock:
            for rule in self._rules:
                if not rule.applies(provider, operation, numbers):
                    continue
                if rule.probability < 1.0 and rule._rng.random() >= rule.probability:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None
