-- Schema 4: campaigns (saved segments, campaigns, their runs and skipped recipients) and
-- automation flows (definitions, incoming shop events, per-event instances, step log).
--
-- Outbound messages of a paused campaign wait with messages.status = 'held' (the outbox
-- only claims 'queued'); resume puts them back to 'queued', cancel makes them 'suppressed'.
-- messages.source = 'campaign' has source_id = campaign_runs.id; source = 'flow' has
-- source_id = flow_instances.id.

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    filters     TEXT NOT NULL,                   -- JSON array of {"field", "op", "value"}
    created_at  TEXT NOT NULL
);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    text        TEXT NOT NULL,                   -- the template
    audience    TEXT NOT NULL,                   -- JSON {"list"} | {"tag"} | {"segment"}
    schedule    TEXT NOT NULL,                   -- JSON {"at"} | {"cron", "timezone"}
    status      TEXT NOT NULL
        CHECK (status IN ('scheduled', 'paused', 'completed', 'cancelled')),
    paused_at   TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- One row per run time: 'planned' (the next one), 'running' (being expanded into outbox
-- rows; cursor = last contact id done, throttle = the slot clock, both committed with each
-- batch so a killed run resumes where it stopped), 'done', 'missed' (the service was down
-- longer than the grace period), 'cancelled'.
CREATE TABLE campaign_runs (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    run_at       TEXT NOT NULL,
    status       TEXT NOT NULL
        CHECK (status IN ('planned', 'running', 'done', 'missed', 'cancelled')),
    cursor       INTEGER NOT NULL DEFAULT 0,
    throttle     TEXT,
    queued       INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT,
    finished_at  TEXT,
    detail       TEXT,
    UNIQUE (campaign_id, run_at)
);
CREATE INDEX campaign_runs_status ON campaign_runs (status, run_at);

CREATE TABLE campaign_skips (
    run_id      INTEGER NOT NULL REFERENCES campaign_runs (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL,
    phone       TEXT NOT NULL,
    reason      TEXT NOT NULL,                   -- not_subscribed, pending, suppressed, ...
    detail      TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (run_id, contact_id)
);
CREATE INDEX campaign_skips_reason ON campaign_skips (run_id, reason);

CREATE TABLE flows (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    trigger     TEXT NOT NULL,                   -- event name
    steps       TEXT NOT NULL,                   -- JSON array: {"wait"} {"unless"} {"send", "kind"}
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX flows_trigger ON flows (trigger) WHERE deleted_at IS NULL;

CREATE TABLE flow_events (
    id               INTEGER PRIMARY KEY,
    event            TEXT NOT NULL,
    phone            TEXT NOT NULL,              -- E.164
    data             TEXT NOT NULL DEFAULT '{}',
    idempotency_key  TEXT UNIQUE,
    at               TEXT NOT NULL
);
CREATE INDEX flow_events_phone ON flow_events (phone, event, id);

-- One per (flow, triggering event): `step` is the next step to run, at `due_at`.
CREATE TABLE flow_instances (
    id                INTEGER PRIMARY KEY,
    flow_id           INTEGER NOT NULL REFERENCES flows (id),
    phone             TEXT NOT NULL,
    trigger_event_id  INTEGER NOT NULL REFERENCES flow_events (id),
    data              TEXT NOT NULL DEFAULT '{}',
    step              INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL CHECK (status IN ('waiting', 'done', 'exited', 'cancelled')),
    due_at            TEXT NOT NULL,
    detail            TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX flow_instances_due ON flow_instances (status, due_at);
CREATE INDEX flow_instances_phone ON flow_instances (flow_id, phone, status);

-- What each step of an instance did: 'sent' (message_id), 'skipped:REASON', 'passed'.
CREATE TABLE flow_steps (
    instance_id  INTEGER NOT NULL REFERENCES flow_instances (id) ON DELETE CASCADE,
    step         INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    message_id   INTEGER,
    at           TEXT NOT NULL,
    PRIMARY KEY (instance_id, step)
);
