-- callscribe transcript store, PostgreSQL, schema version 2.
-- A source filter pages through its own index (newest first, as every search does now).
CREATE INDEX calls_source ON calls (source, started DESC, id DESC);
-- The instance that started the call: at its next start it ends its calls left open (it stopped mid-call), and
-- only its own: calls other instances sharing this database have live are theirs.
ALTER TABLE calls ADD COLUMN instance TEXT;
CREATE INDEX calls_open ON calls (instance) WHERE ended IS NULL;
-- DTMF keys pressed during the call, in the order they came.
CREATE TABLE dtmf (
    call_id TEXT    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    speaker TEXT,
    digit   TEXT    NOT NULL,
    start_s DOUBLE PRECISION,
    PRIMARY KEY (call_id, seq)
);
