-- The first schema. Times are ISO-8601 UTC strings; dates are ISO dates.

CREATE TABLE sources (
    name                 TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    status               TEXT,
    error                TEXT,
    items                INTEGER,
    last_polled_at       TEXT,
    last_ok_at           TEXT,
    last_new_at          TEXT,
    newest_item_date     TEXT,
    baseline_done        INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    paused_until         TEXT
);

-- HTTP validators for conditional requests, per URL.
CREATE TABLE validators (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    updated_at    TEXT NOT NULL
);

-- Every listing item ever seen, relevant or not. 'pending' items have not been fetched and
-- judged yet (a crash or a failed detail fetch leaves them pending, and the next poll resumes).
CREATE TABLE items (
    source        TEXT NOT NULL,
    key           TEXT NOT NULL,
    url           TEXT NOT NULL,
    title         TEXT NOT NULL,
    item_date     TEXT,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    baseline      INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    relevance     TEXT,
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX items_pending ON items (source, state) WHERE state = 'pending';

-- Meetings or statements: the English, Japanese and other-site releases about one meeting
-- share an event, so subscribers get one alert.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    series       TEXT NOT NULL,
    ordinal      INTEGER,
    level        TEXT,
    meeting_date TEXT,
    title        TEXT NOT NULL,
    baseline     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    summary      TEXT
);
CREATE INDEX events_series ON events (series, meeting_date);

-- The archive: JUCIP/EPCC releases (primary or mention) with their text and extraction.
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    source        TEXT,
    origin        TEXT NOT NULL CHECK (origin IN ('poll', 'import', 'bundled')),
    lang          TEXT NOT NULL,
    title         TEXT NOT NULL,
    date          TEXT,
    text          TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    series        TEXT NOT NULL,
    relevance     TEXT NOT NULL,
    alternates    TEXT NOT NULL DEFAULT '{}',
    statement     TEXT,
    meeting_date  TEXT,
    event_id      INTEGER REFERENCES events (id),
    baseline      INTEGER NOT NULL DEFAULT 0,
    first_seen_at TEXT NOT NULL
);
CREATE INDEX documents_event ON documents (event_id);
