-- callscribe transcript store, SQLite, schema version 2.
-- Search pages go newest first: the full-text index is keyed by a time key, skey = started (epoch ms) * 2^20 + a
-- number that keeps calls started in the same millisecond apart, so that the newest matches of a word come first
-- without ranking every call that has it, a date range is a key range, and a page's cursor is one key.
ALTER TABLE calls ADD COLUMN skey INTEGER;
UPDATE calls SET skey = started * 1048576 + (seq % 1048576);
CREATE UNIQUE INDEX calls_skey ON calls (skey);
DROP INDEX calls_started;
CREATE INDEX calls_source ON calls (source, skey);
CREATE VIRTUAL TABLE call_words USING fts5 (text, tokenize = 'porter unicode61');
INSERT INTO call_words (rowid, text) SELECT c.skey, t.text FROM call_text t JOIN calls c ON c.seq = t.rowid;
DROP TABLE call_text;
-- The instance that started the call: at its next start it ends its calls left open (it stopped mid-call).
ALTER TABLE calls ADD COLUMN instance TEXT;
CREATE INDEX calls_open ON calls (instance) WHERE ended IS NULL;
-- DTMF keys pressed during the call, in the order they came.
CREATE TABLE dtmf (
    call_id TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    speaker TEXT,
    digit   TEXT    NOT NULL,
    start_s REAL,
    PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;
