-- callscribe transcript store, PostgreSQL, schema version 1.
CREATE TABLE calls (
    id         TEXT PRIMARY KEY,
    source     TEXT,
    recognizer TEXT,
    started    TIMESTAMPTZ NOT NULL,
    ended      TIMESTAMPTZ,
    duration   DOUBLE PRECISION NOT NULL DEFAULT 0,
    end_reason TEXT,
    speakers   JSONB NOT NULL DEFAULT '[]',
    metadata   JSONB NOT NULL DEFAULT '{}',
    finals     INTEGER NOT NULL DEFAULT 0,
    errors     INTEGER NOT NULL DEFAULT 0,
    -- the finals' words of the whole call, appended final by final
    tsv        TSVECTOR NOT NULL DEFAULT ''::tsvector
);
CREATE INDEX calls_started ON calls (started DESC, id DESC);
CREATE INDEX calls_ended ON calls (ended);
CREATE INDEX calls_tsv ON calls USING GIN (tsv);
CREATE TABLE call_metadata (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (call_id, key)
);
CREATE INDEX call_metadata_value ON call_metadata (value);
CREATE TABLE finals (
    call_id TEXT    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    speaker TEXT,
    text    TEXT    NOT NULL,
    start_s DOUBLE PRECISION,
    end_s   DOUBLE PRECISION,
    words   JSONB   NOT NULL,
    PRIMARY KEY (call_id, seq)
);
CREATE TABLE errors (
    call_id TEXT    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    message TEXT    NOT NULL,
    PRIMARY KEY (call_id, seq)
);
