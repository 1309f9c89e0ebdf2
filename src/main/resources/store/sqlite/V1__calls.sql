-- callscribe transcript store, SQLite, schema version 1. Times (started, ended, at) are epoch milliseconds.
CREATE TABLE calls (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    source     TEXT,
    recognizer TEXT,
    started    INTEGER NOT NULL,
    ended      INTEGER,
    duration   REAL    NOT NULL DEFAULT 0,
    end_reason TEXT,
    speakers   TEXT    NOT NULL DEFAULT '[]',
    metadata   TEXT    NOT NULL DEFAULT '{}',
    finals     INTEGER NOT NULL DEFAULT 0,
    errors     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_started ON calls (started DESC, id DESC);
CREATE INDEX calls_ended ON calls (ended);
CREATE TABLE call_metadata (
    call_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (call_id, key)
) WITHOUT ROWID;
CREATE INDEX call_metadata_value ON call_metadata (value);
CREATE TABLE finals (
    call_id  TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    speaker  TEXT,
    text     TEXT    NOT NULL,
    start_s  REAL,
    end_s    REAL,
    words    TEXT    NOT NULL,
    PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;
CREATE TABLE errors (
    call_id TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    message TEXT    NOT NULL,
    PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;
-- One document per call (its finals' text), rowid = calls.seq: ranking calls, not lines, keeps search fast.
CREATE VIRTUAL TABLE call_text USING fts5 (text, tokenize = 'porter unicode61');
