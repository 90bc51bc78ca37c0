-- Schema 1: contacts, messages in both directions, their parts, status history, tokens.
-- Times are ISO-8601 UTC text ("2026-11-27T19:28:33.123456+00:00"), which sorts correctly.

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    phone       TEXT NOT NULL UNIQUE,            -- E.164
    name        TEXT NOT NULL DEFAULT '',
    timezone    TEXT,                            -- explicit IANA zone; wins over the number's
    fields      TEXT NOT NULL DEFAULT '{}',      -- JSON object of custom fields
    last_modem  TEXT,                            -- sticky sender: replies leave from this modem
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    direction        TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    phone            TEXT NOT NULL,              -- the other party (recipient or sender)
    modem            TEXT,
    text             TEXT NOT NULL,
    kind             TEXT CHECK (kind IN ('transactional', 'marketing')),
    priority         INTEGER NOT NULL DEFAULT 1,  -- 0 transactional goes first, 1 marketing
    status           TEXT NOT NULL,
    encoding         TEXT,
    segments         INTEGER NOT NULL DEFAULT 1,
    idempotency_key  TEXT UNIQUE,
    flash            INTEGER NOT NULL DEFAULT 0,
    request_report   INTEGER NOT NULL DEFAULT 1,
    concat_ref       INTEGER,
    send_at          TEXT,
    expires_at       TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    due_at           TEXT,                        -- max(send_at, next attempt): when it may go
    error            TEXT,
    incomplete       INTEGER NOT NULL DEFAULT 0, -- inbound multipart delivered with parts missing
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    delivered_at     TEXT,
    read_at          TEXT
);
CREATE INDEX messages_outbox ON messages (status, priority, due_at, id) WHERE direction = 'out';
CREATE INDEX messages_phone ON messages (phone, id);
CREATE INDEX messages_created ON messages (created_at);

-- Outbound parts: each has its own TP-MR and delivery status.
CREATE TABLE message_parts (
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    modem       TEXT,
    mr          INTEGER,
    status      TEXT NOT NULL,
    tp_status   INTEGER,
    sent_at     TEXT,
    report_at   TEXT,
    error       TEXT,
    PRIMARY KEY (message_id, seq)
);
CREATE INDEX message_parts_mr ON message_parts (modem, mr, sent_at);
CREATE INDEX message_parts_sent ON message_parts (modem, sent_at);

-- Inbound parts exactly as read from the SIM, committed before AT+CMGD.
-- dedupe_key = hash(sender, SMSC timestamp, concat ref/seq, PDU): the same SMS read twice
-- (crash between commit and delete) is stored once; two identical texts stay two.
CREATE TABLE inbound_parts (
    id            INTEGER PRIMARY KEY,
    modem         TEXT NOT NULL,
    sender        TEXT NOT NULL,                  -- as the PDU says
    phone         TEXT NOT NULL,                  -- sender normalised to E.164 where possible
    scts          TEXT NOT NULL,
    concat_ref    INTEGER,
    concat_total  INTEGER,
    concat_seq    INTEGER,
    pdu           TEXT NOT NULL,
    text          TEXT NOT NULL,
    decode_error  TEXT,
    dedupe_key    TEXT NOT NULL UNIQUE,
    received_at   TEXT NOT NULL,
    message_id    INTEGER REFERENCES messages (id)
);
CREATE INDEX inbound_parts_pending ON inbound_parts (sender, concat_ref) WHERE message_id IS NULL;

CREATE TABLE status_reports (
    id              INTEGER PRIMARY KEY,
    modem           TEXT NOT NULL,
    mr              INTEGER NOT NULL,
    recipient       TEXT NOT NULL,
    tp_status       INTEGER NOT NULL,
    scts            TEXT NOT NULL,
    discharge_time  TEXT NOT NULL,
    pdu             TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    received_at     TEXT NOT NULL,
    message_id      INTEGER REFERENCES messages (id),
    seq             INTEGER
);

CREATE TABLE status_history (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    detail      TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX status_history_message ON status_history (message_id, id);

-- Concatenation references per destination, persistent across restarts.
CREATE TABLE concat_refs (
    phone     TEXT PRIMARY KEY,
    last_ref  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,          -- sha256 of the token; the token is shown once
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
