"""The ledger's tables, one DDL for SQLite and PostgreSQL, and its explicit migrations.

Every table is prefixed ``smsbridge_`` so that a shared PostgreSQL ledger can live in a host
application's own database.  Times are UNIX seconds (UTC) as floating point numbers, the
same in both engines.  The schema version is a row of ``smsbridge_meta``; a ledger is
created at the current version on first use, and an older one is only upgraded by an
explicit ``Ledger.migrate()`` (``smsbridge ledger migrate``), never behind the user's back.
"""

from __future__ import annotations

__all__ = ["CREATE", "MIGRATIONS", "SCHEMA_VERSION"]

SCHEMA_VERSION = 2

_VERSION_1: tuple[str, ...] = (
    """CREATE TABLE smsbridge_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # one bulk job, or one ledgered single send (kind 'send', id = the idempotency key)
    """CREATE TABLE smsbridge_jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        text TEXT NOT NULL,
        options TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        ingested INTEGER NOT NULL DEFAULT 0,
        input_digest TEXT NOT NULL DEFAULT '',
        input_done INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires DOUBLE PRECISION
    )""",
    # one row per input row of a job; ``number`` is E.164 (or a target), or the input as
    # given for a row rejected before any request
    """CREATE TABLE smsbridge_recipients (
        job TEXT NOT NULL REFERENCES smsbridge_jobs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        number TEXT NOT NULL,
        params TEXT,
        reference TEXT,
        dedup TEXT,
        dup_of INTEGER,
        state TEXT NOT NULL,
        attempt TEXT,
        client_ref TEXT,
        message_id TEXT,
        provider TEXT,
        reason TEXT,
        code TEXT,
        claimed_at DOUBLE PRECISION,
        updated_at DOUBLE PRECISION NOT NULL,
        report_status TEXT,
        report_code TEXT,
        report_at DOUBLE PRECISION,
        PRIMARY KEY (job, seq)
    )""",
    # duplicate rows of a job (same number and text)
    "CREATE INDEX smsbridge_recipients_dedup ON smsbridge_recipients (job, dedup)",
)

# Partial indexes (from version 2 on; version 1 had full ones on (job, state, seq), (job, attempt)
# and (provider, message_id)): each holds only the rows its queries look for, so that a row is
# added to and taken out of few of them over its life (counts by state scan the job's rows).
_PARTIAL_INDEXES: tuple[str, ...] = (
    # the rows to send, in input order (``Ledger.pending``)
    "CREATE INDEX smsbridge_recipients_sendable ON smsbridge_recipients (job, seq) "
    "WHERE state IN ('pending', 'not_sent')",
    # the requests in flight (a release, an abort, the stale claims of a crashed run)
    "CREATE INDEX smsbridge_recipients_attempt ON smsbridge_recipients (job, attempt) WHERE state = 'claimed'",
    # delivery reports
    "CREATE INDEX smsbridge_recipients_message ON smsbridge_recipients (provider, message_id) "
    "WHERE message_id IS NOT NULL",
)
_DROPPED_IN_2 = tuple(f"DROP INDEX IF EXISTS smsbridge_recipients_{name}" for name in ("state", "attempt", "message"))

# version 2: what the receiver (smsbridge.receiver) takes in
_ADDED_IN_2: tuple[str, ...] = (
    # a delivery report for a message id no row has (yet): the report came before the send's
    # outcome was recorded.  Joined when it is (``Ledger.record``, ``Ledger.join_orphans``),
    # dropped after 24 h.  ``key`` is a digest of the report, so a repeated one is one row.
    """CREATE TABLE smsbridge_orphan_reports (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        message_id TEXT NOT NULL,
        recipient TEXT,
        status TEXT NOT NULL,
        code TEXT,
        report_at DOUBLE PRECISION NOT NULL,
        received_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX smsbridge_orphan_reports_message ON smsbridge_orphan_reports (message_id, provider)",
    "CREATE INDEX smsbridge_orphan_reports_received ON smsbridge_orphan_reports (received_at)",
    # received messages, once each: ``message_id`` is the provider's id or a digest of the message
    """CREATE TABLE smsbridge_inbound (
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipient TEXT,
        text TEXT NOT NULL,
        keyword TEXT,
        received_at DOUBLE PRECISION,
        stored_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (provider, account, message_id)
    )""",
    "CREATE INDEX smsbridge_inbound_stored ON smsbridge_inbound (stored_at)",
)

CREATE: tuple[str, ...] = _VERSION_1 + _PARTIAL_INDEXES + _ADDED_IN_2

#: version -> statements that bring a ledger from ``version`` to ``version + 1``
MIGRATIONS: dict[int, tuple[str, ...]] = {1: _DROPPED_IN_2 + _PARTIAL_INDEXES + _ADDED_IN_2}
