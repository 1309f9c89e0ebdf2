-- callscribe transcript store, SQLite, schema version 3.
-- A source filter names the kind of source (recording, audiosocket, ari, chan_websocket: the first word of the
-- stored description, e.g. "ari Local/100-0001;2 (alice) + ari Local/200-0002;1 (bob)"), not the description.
ALTER TABLE calls ADD COLUMN source_kind TEXT;
UPDATE calls SET source_kind = lower(CASE WHEN instr(source, ' ') > 0 THEN substr(source, 1, instr(source, ' ') - 1)
                                          ELSE source END);
DROP INDEX calls_source;
CREATE INDEX calls_source_kind ON calls (source_kind, skey);
