"""The compact key set behind bulk resume behaves exactly like a Python set."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smsbridge.cli.bulk import IntSet, recipient_key

KEYS = st.one_of(st.integers(min_value=0, max_value=10**15), st.integers(min_value=-(2**56), max_value=-1))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "discard"]), KEYS), max_size=3000))
def test_intset_matches_a_set(operations: list[tuple[str, int]]) -> None:
    ours, theirs = IntSet(), set()
    for op, key in operations:
        getattr(ours, op)(key)
        getattr(theirs, op)(key)
    assert len(ours) == len(theirs)
    assert all(k in ours for k in theirs)
    assert all((k in ours) == (k in theirs) for _, k in operations)


def test_intset_grows_and_stays_compact() -> None:
    keys = IntSet()
    for n in range(200_000):
        keys.add(41_790_000_000 + n)
    assert len(keys) == 200_000
    assert 41_790_000_000 in keys and 41_790_200_000 not in keys
    assert keys._slots.itemsize * len(keys._slots) <= 200_000 * 32


def test_recipient_keys_fit_the_slots() -> None:
    assert recipient_key("+41791234567") == 41791234567
    assert -(2**56) - 1 <= recipient_key("@alice") < 0
