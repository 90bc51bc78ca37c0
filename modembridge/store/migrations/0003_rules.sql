-- Schema 3: keyword rules, their coupon codes, what each inbound message triggered, human
-- handovers and the durable webhook queue. Contacts and consent are schema 2.

CREATE TABLE rules (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL DEFAULT '',
    keyword          TEXT NOT NULL DEFAULT '',    -- as written; the regex for 'regex'; '' for 'any'
    aliases          TEXT NOT NULL DEFAULT '[]',  -- JSON array of further keywords
    match            TEXT NOT NULL CHECK (match IN ('exact', 'first_word', 'regex', 'any')),
    priority         INTEGER NOT NULL,            -- lower runs first, ties by id; 'any' runs last
    reply            TEXT NOT NULL DEFAULT '',    -- template; '' sends nothing
    exhausted_reply  TEXT NOT NULL DEFAULT '',    -- template used when the coupon list ran out
    actions          TEXT NOT NULL DEFAULT '[]',  -- JSON array of {"type": ...} objects
    active_from      TEXT,
    active_until     TEXT,
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX rules_order ON rules (priority, id);

-- Single-use values handed out by a rule ({coupon}): one per sender, the same one again.
CREATE TABLE rule_codes (
    id           INTEGER PRIMARY KEY,
    rule_id      INTEGER NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    phone        TEXT,                            -- who holds it (NULL: still free)
    assigned_at  TEXT,
    message_id   INTEGER,                         -- the inbound message that claimed it
    UNIQUE (rule_id, code)
);
CREATE UNIQUE INDEX rule_codes_holder ON rule_codes (rule_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX rule_codes_free ON rule_codes (rule_id, id) WHERE phone IS NULL;

-- One row per inbound message the rules looked at, written in the same transaction as its
-- effects: a message with a row has been handled (so a re-run after a crash does nothing).
CREATE TABLE rule_runs (
    message_id  INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    matched     TEXT,                             -- 'compliance:opt_out', 'rule', NULL
    rule_id     INTEGER,
    reply_id    INTEGER,                          -- the queued reply, if any
    outcome     TEXT NOT NULL,                    -- replied | no_reply | blocked | error
    detail      TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX rule_runs_rule ON rule_runs (rule_id, at);

-- A conversation handed to a person: no auto-replies until an admin answers or `until`.
CREATE TABLE handovers (
    phone       TEXT PRIMARY KEY,
    rule_id     INTEGER,
    message_id  INTEGER,
    since       TEXT NOT NULL,
    until       TEXT NOT NULL
);

-- Webhook calls, delivered by a worker with retries; body and signature are fixed at enqueue.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    rule_id          INTEGER,
    message_id       INTEGER,
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,
    signature        TEXT NOT NULL,               -- hex HMAC-SHA256 of body
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_status      INTEGER,                     -- HTTP status of the last attempt
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
