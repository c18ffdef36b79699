"""The states of a ledger row and the only moves between them.

::

    pending ──claim──▶ claimed ──outcome──▶ accepted ──report──▶ delivered / failed / expired
       ▲                 │  │ │                 ▲
       └──release────────┘  │ ├──outcome──▶ rejected    (this recipient refused: final)
      (request never        │ │
       started)             │ └──outcome──▶ not_sent ──claim──▶ claimed   (on the next run)
                            │                 (the whole request was refused, certainly not
                            │                  taken: credit, credentials, rate limit, ...)
                            └──outcome──▶ unknown ──report──▶ delivered / failed / expired
                                              │   (a late answer of the same attempt may
                                              │    still make it accepted or rejected)
                                              └──resend_unknown──▶ pending  (explicit, warned)

    duplicate: a row with the same number and text as an earlier row of the job; it takes
    that row's outcome and is never sent itself.

A row is **claimed** in a committed transaction before its request leaves (write-ahead), and
gets its outcome in a second transaction after.  A claim left behind by a crash becomes
``unknown`` on resume: the request may have been taken.  ``rejected``, ``delivered``,
``failed`` and ``expired`` are final: nothing moves a row out of them.
"""

from __future__ import annotations

import enum

__all__ = ["FINAL", "OUTCOMES", "SENDABLE", "RowState", "can_move", "sources"]


class RowState(str, enum.Enum):
    PENDING = "pending"
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"
    DUPLICATE = "duplicate"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def sent(self) -> bool:
        """The provider took it (a delivery report counts as proof)."""
        return self in (RowState.ACCEPTED, RowState.DELIVERED, RowState.FAILED, RowState.EXPIRED)


FINAL = frozenset({RowState.REJECTED, RowState.DELIVERED, RowState.FAILED, RowState.EXPIRED})

#: the outcome of a send request, as recorded after it
OUTCOMES = frozenset({RowState.ACCEPTED, RowState.REJECTED, RowState.NOT_SENT, RowState.UNKNOWN})

#: rows a run sends: never tried, or refused whole by an earlier run
SENDABLE = frozenset({RowState.PENDING, RowState.NOT_SENT})

_MOVES: dict[RowState, frozenset[RowState]] = {
    RowState.PENDING: frozenset({RowState.CLAIMED}),
    RowState.NOT_SENT: frozenset({RowState.CLAIMED}),
    RowState.CLAIMED: frozenset(
        {RowState.PENDING, RowState.ACCEPTED, RowState.REJECTED, RowState.NOT_SENT, RowState.UNKNOWN}
    ),
    RowState.ACCEPTED: frozenset({RowState.DELIVERED, RowState.FAILED, RowState.EXPIRED}),
    RowState.UNKNOWN: frozenset(
        {
            RowState.ACCEPTED,
            RowState.REJECTED,
            RowState.DELIVERED,
            RowState.FAILED,
            RowState.EXPIRED,
            RowState.PENDING,
        }
    ),
}


def can_move(old: RowState, new: RowState) -> bool:
    """Whether the ledger allows ``old`` → ``new`` (the SQL guards encode the same table)."""
    return new in _MOVES.get(old, frozenset())


def sources(new: RowState) -> tuple[RowState, ...]:
    """Every state a row may come from to reach ``new``, for SQL ``state IN (...)`` guards."""
    return tuple(old for old, targets in _MOVES.items() if new in targets)
