-- When a release page was last tried: after the quick retries, a failing page is retried daily
-- (and reported) instead of being given up on at once.
ALTER TABLE items ADD COLUMN last_attempt_at TEXT;
