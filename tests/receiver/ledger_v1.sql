-- A send ledger at schema version 1, exactly as smsbridge shipped it (core/src/smsbridge/ledger/schema.py
-- at commit 76af32e), with a job of two rows sent: the starting point of the migration tests.
CREATE TABLE smsbridge_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
CREATE TABLE smsbridge_jobs (
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
    );
CREATE TABLE smsbridge_recipients (
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
    );
CREATE INDEX smsbridge_recipients_state ON smsbridge_recipients (job, state, seq);
CREATE INDEX smsbridge_recipients_dedup ON smsbridge_recipients (job, dedup);
CREATE INDEX smsbridge_recipients_attempt ON smsbridge_recipients (job, attempt);
CREATE INDEX smsbridge_recipients_message ON smsbridge_recipients (provider, message_id);
INSERT INTO smsbridge_meta (key, value) VALUES ('schema_version', '1');
INSERT INTO smsbridge_jobs (id, kind, provider, account, text, options, fingerprint, created_at, updated_at, ingested, input_digest, input_done, lease_owner, lease_expires) VALUES ('spring-sale', 'bulk', 'memory', 'memory://', 'Hi!', '{"allow_repeats": false}', 'f', 1700000000.0, 1700000100.0, 2, 'd', 1, NULL, NULL);
INSERT INTO smsbridge_recipients (job, seq, number, state, attempt, message_id, provider, claimed_at, updated_at) VALUES ('spring-sale', 0, '+41791234567', 'accepted', 'a1', 'mem-1', 'memory', 1700000050.0, 1700000060.0);
INSERT INTO smsbridge_recipients (job, seq, number, state, attempt, message_id, provider, claimed_at, updated_at) VALUES ('spring-sale', 1, '+41791234568', 'accepted', 'a1', 'mem-2', 'memory', 1700000050.0, 1700000060.0);
