-- Schema 2: marketing subscription and consent records, opt-out suppressions, lists, tags,
-- and where each outbound message came from.

ALTER TABLE contacts ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email TEXT NOT NULL DEFAULT '';
-- Marketing subscription: 'none' (never asked), 'pending' (double opt-in request sent),
-- 'subscribed' (said YES / gave consent), 'unsubscribed' (opted out: STOP or revocation).
ALTER TABLE contacts ADD COLUMN subscription TEXT NOT NULL DEFAULT 'none'
    CHECK (subscription IN ('none', 'pending', 'subscribed', 'unsubscribed'));
ALTER TABLE contacts ADD COLUMN subscription_changed_at TEXT;
CREATE INDEX contacts_subscription ON contacts (subscription);

-- Every change of a number's subscription, with its evidence.
CREATE TABLE consent_events (
    id          INTEGER PRIMARY KEY,
    phone       TEXT NOT NULL,                   -- E.164
    status      TEXT NOT NULL,                   -- the new subscription value
    source      TEXT NOT NULL,                   -- keyword | revocation | web | import | api | admin
    actor       TEXT,                            -- admin user, API token name, or 'sms'
    wording     TEXT,                            -- exact text sent or agreed to
    message_id  INTEGER REFERENCES messages (id),-- the inbound message that caused it
    at          TEXT NOT NULL
);
CREATE INDEX consent_events_phone ON consent_events (phone, id);

-- Opt-outs are kept forever, even after a contact is erased: number and date.
CREATE TABLE suppressions (
    phone   TEXT PRIMARY KEY,
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
);

CREATE TABLE lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE TABLE list_members (
    list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact ON list_members (contact_id);

CREATE TABLE contact_tags (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);

-- Where an outbound message came from: 'api', 'admin', 'rule', 'compliance', 'campaign',
-- 'flow'; source_id names the rule, campaign run or flow step instance.
ALTER TABLE messages ADD COLUMN source TEXT;
ALTER TABLE messages ADD COLUMN source_id INTEGER;
CREATE INDEX messages_source ON messages (source, source_id);
