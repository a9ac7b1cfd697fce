-- Subscribers and the outbox: an alert is written with one delivery row per recipient in the
-- transaction that archives its release; a row is marked sent only after the channel took it.

-- One row per (channel, address), kept after the subscription ends (ended_at, end_reason), so a
-- chat that blocked the bot or a dead mailbox is remembered; adding it again starts it anew.
CREATE TABLE subscribers (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('telegram', 'email')),
    address     TEXT NOT NULL,            -- a chat id (negative for groups and channels) or an
                                          -- addr-spec
    series      TEXT NOT NULL DEFAULT '[]',   -- JSON ids; empty: every series
    topics      TEXT NOT NULL DEFAULT '[]',   -- JSON ids; empty: every topic
    mentions    INTEGER NOT NULL DEFAULT 0,
    lang        TEXT NOT NULL DEFAULT 'both' CHECK (lang IN ('en', 'ja', 'both')),
    digest      TEXT CHECK (digest IN ('daily')),  -- NULL: one message per alert
    token       TEXT NOT NULL UNIQUE,     -- the unsubscribe link's secret
    created_at  TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT,
    UNIQUE (channel, address)
);

-- What happened, once: a new meeting ('event'), another version of an alerted one
-- ('follow_up'), a release naming a series in passing ('mention'), or a note for the admins
-- ('admin': source health, a dead recipient, a delivery given up on).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('event', 'follow_up', 'mention', 'admin')),
    event_id    INTEGER REFERENCES events (id),
    document_id INTEGER REFERENCES documents (id),
    series      TEXT NOT NULL DEFAULT '[]',
    topics      TEXT NOT NULL DEFAULT '[]',
    payload     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX alerts_event ON alerts (event_id, kind);

-- One row per (alert, recipient). 'pending' rows are due at next_attempt_at; 'sent' only once
-- the channel accepted the message; 'failed' given up on (the admins are told); 'cancelled'
-- when the recipient went away first. resume_from: Telegram parts already delivered;
-- message_id: the email Message-ID, fixed before the first attempt (a resend after a crash
-- carries the same one, and a follow-up threads under it).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER NOT NULL REFERENCES alerts (id),
    subscriber_id   INTEGER REFERENCES subscribers (id),  -- NULL: an admin from the config
    channel         TEXT NOT NULL CHECK (channel IN ('telegram', 'email')),
    address         TEXT NOT NULL,
    lang            TEXT NOT NULL DEFAULT 'both',
    digest          TEXT,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    resume_from     INTEGER NOT NULL DEFAULT 0,
    message_id      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (alert_id, channel, address)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_recipient ON deliveries (channel, address);

-- Operational alarms (a source's health, a channel failing): the state last told to the admins,
-- so they hear once per change of state, and a reminder a day while it lasts.
CREATE TABLE alarms (
    key         TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    detail      TEXT,
    since       TEXT NOT NULL,
    alerted_at  TEXT
);
