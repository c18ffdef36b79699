"""The key set behind bulk resume behaves exactly like a Python set, in memory and on disk."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smsbridge.cli.bulk import KeySet, recipient_key

KEYS = st.one_of(st.integers(min_value=0, max_value=10**15), st.integers(min_value=-(2**56), max_value=-1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "discard"]), KEYS), max_size=400), st.sampled_from([5, 50_000]))
def test_keyset_matches_a_set(operations: list[tuple[str, int]], spill_at: int) -> None:
    ours, theirs = KeySet(spill_at=spill_at), set()
    for op, key in operations:
        getattr(ours, op)(key)
        getattr(theirs, op)(key)
    assert len(ours) == len(theirs)
    assert set(ours) == theirs
    assert all((k in ours) == (k in theirs) for _, k in operations)


def test_keyset_spills_to_disk() -> None:
    keys = KeySet(spill_at=1000)
    for n in range(5000):
        keys.add(41_790_000_000 + n)
    assert keys.on_disk and len(keys) == 5000
    assert 41_790_000_000 in keys and 41_790_005_000 not in keys
    keys.add(41_790_000_000)
    assert len(keys) == 5000


def test_recipient_keys_fit_sqlite_integers() -> None:
    assert recipient_key("+41791234567") == 41791234567
    assert -(2**56) - 1 <= recipient_key("@alice") < 0
