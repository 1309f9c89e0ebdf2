-- callscribe transcript store, PostgreSQL, schema version 3.
-- A source filter names the kind of source (recording, audiosocket, ari, chan_websocket: the first word of the
-- stored description, e.g. "ari Local/100-0001;2 (alice) + ari Local/200-0002;1 (bob)"), not the description.
ALTER TABLE calls ADD COLUMN source_kind TEXT;
UPDATE calls SET source_kind = lower(split_part(source, ' ', 1)) WHERE source IS NOT NULL;
DROP INDEX calls_source;
CREATE INDEX calls_source_kind ON calls (source_kind, started DESC, id DESC);
