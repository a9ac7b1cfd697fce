-- What a listing delivered of a release (the Commerce API's body, a feed item's full text),
-- stored with the pending item in the transaction that stores the listing's validators: a
-- crash before the item is judged must not leave it needing a page the listing already gave
-- (the next poll is answered 304, and the canonical page may sit behind a bot wall). Cleared
-- once the item is judged; the archive keeps the text.
ALTER TABLE items ADD COLUMN body TEXT;
