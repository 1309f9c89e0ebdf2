package io.callscribe.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.callscribe.event.Word;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the two SQL stores share: the same tables and columns (schema in {@code /store/<dialect>/V*.sql}), batched
 * idempotent writes in one transaction, paging and reading. A subclass supplies how times and JSON are bound, how
 * a call's text is indexed and how it is searched.
 */
abstract class JdbcStore implements TranscriptStore {

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };

    protected final HikariDataSource pool;
    /** Stored with every call this store starts; {@link #endLeftOpen} ends only this instance's calls. */
    protected final String instance;

    JdbcStore(HikariDataSource pool, String instance) {
        this.pool = pool;
        this.instance = instance;
    }

    /**
     * A pool on {@code config}'s database with the schema brought to {@code schema}'s latest version (under
     * {@code lockSql} when not null); {@code store} is how errors name the store. A failed setup closes the pool.
     */
    static HikariDataSource openMigrated(HikariConfig config, SchemaMigrations schema, String lockSql, String store) {
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the store " + store + ": " + rootMessage(e), e);
        }
        try (Connection c = pool.getConnection()) {
            schema.migrate(c, lockSql);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e instanceof StoreException se ? se
                    : new StoreException("cannot set up the store " + store + ": " + rootMessage(e), e);
        }
        return pool;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    @Override
    public String instance() {
        return instance;
    }

    // ---- dialect -------------------------------------------------------------------------------------------

    abstract void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException;

    abstract Instant getInstant(ResultSet rs, String column) throws SQLException;

    /** The placeholder of a JSON parameter ({@code ?} or {@code CAST(? AS jsonb)}). */
    abstract String json();

    /** Makes sure the call has a row in the text index (called after its row exists). */
    abstract void indexCall(Connection c, String callId) throws SQLException;

    /** Adds one final's text to the call's searchable text. */
    abstract void indexText(Connection c, String callId, String text) throws SQLException;

    /** Removes the calls' searchable text (before their rows go). */
    abstract void unindex(Connection c, List<String> callIds) throws SQLException;

    /**
     * The SQL of one page of {@code q}, newest first: {@link #CALL_COLUMNS} and what {@link #keyOf} reads (or
     * {@code c.*}) of at most {@code limit} rows (the caller asks for one more than it shows), {@code words} (none,
     * or letters and digits only) all occurring in the call's finals, and, when {@code after} is a key
     * {@link #keyOf} gave, only calls older than that one.
     */
    abstract Select select(Connection c, CallQuery q, List<String> words, String after, int limit) throws SQLException;

    record Select(String sql, List<Binder> params) {
    }

    /** The cursor key of the current row: where the next page starts. */
    abstract String keyOf(ResultSet rs) throws SQLException;

    /** Whether {@code key} is a key {@link #keyOf} could have given (a cursor is user input). */
    abstract boolean validKey(String key);

    // ---- writes --------------------------------------------------------------------------------------------

    @Override
    public void write(List<StoreWrite> batch) {
        if (batch.isEmpty()) {
            return;
        }
        inTransaction("write", c -> {
            try (BatchWriter writer = new BatchWriter(c)) {
                for (StoreWrite w : batch) {
                    writer.apply(w);
                }
                writer.finish();
            }
            return null;
        });
    }

    /**
     * Applies one batch on one connection: each statement prepared once per batch; a call's counters and searchable
     * text are updated once per batch with everything that batch added to it (a busy writer's batches hold many
     * finals, and re-indexing a call's text once instead of per final is what keeps bulk writes fast).
     */
    private final class BatchWriter implements AutoCloseable {
        private final Connection c;
        private final Map<String, PreparedStatement> statements = new LinkedHashMap<>();
        private final java.util.Set<String> known = new java.util.HashSet<>();
        private final Map<String, Added> added = new LinkedHashMap<>();
        /** Finals inserted with addBatch (one round trip for the batch), in order: their call and text. */
        private final List<TranscriptEvent.Final> batchedFinals = new ArrayList<>();
        private PreparedStatement finalsInsert;

        private static final class Added {
            int finals;
            int errors;
            final StringBuilder text = new StringBuilder();
        }

        BatchWriter(Connection c) {
            this.c = c;
        }

        private PreparedStatement ps(String sql) throws SQLException {
            PreparedStatement ps = statements.get(sql);
            if (ps == null) {
                ps = c.prepareStatement(sql);
                statements.put(sql, ps);
            }
            return ps;
        }

        void apply(StoreWrite w) throws SQLException {
            switch (w) {
                case StoreWrite.CallStart s -> {
                    // a call started again (a spool recording cut by a crash, transcribed again) is live again
                    PreparedStatement ps = ps("INSERT INTO calls (id, source, source_kind, started, metadata, instance) VALUES (?, ?, ?, ?, "
                            + json() + ", ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, "
                            + "source_kind = excluded.source_kind, started = excluded.started, "
                            + "metadata = excluded.metadata, instance = excluded.instance, ended = NULL, end_reason = NULL");
                    ps.setString(1, s.callId());
                    ps.setString(2, s.source());
                    ps.setString(3, CallQuery.kindOf(s.source()));
                    setInstant(ps, 4, s.started());
                    ps.setString(5, toJson(s.metadata()));
                    ps.setString(6, instance);
                    ps.executeUpdate();
                    indexCall(c, s.callId());
                    known.add(s.callId());
                    if (!s.metadata().isEmpty()) {
                        PreparedStatement m = ps("INSERT INTO call_metadata (call_id, key, value) VALUES (?, ?, ?) "
                                + "ON CONFLICT (call_id, key) DO UPDATE SET value = excluded.value");
                        for (Map.Entry<String, String> e : s.metadata().entrySet()) {
                            m.setString(1, s.callId());
                            m.setString(2, e.getKey());
                            m.setString(3, e.getValue());
                            m.executeUpdate();
                        }
                    }
                }
                case StoreWrite.FinalLine f -> {
                    ensureCall(f.callId(), f.line().at());
                    PreparedStatement ps = ps("INSERT INTO finals (call_id, seq, at, speaker, text, start_s, end_s, words) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, " + json() + ") ON CONFLICT (call_id, seq) DO NOTHING");
                    TranscriptEvent.Final line = f.line();
                    ps.setString(1, f.callId());
                    ps.setInt(2, f.seq());
                    setInstant(ps, 3, line.at());
                    ps.setString(4, line.speaker());
                    ps.setString(5, line.text());
                    setSeconds(ps, 6, line.start());
                    setSeconds(ps, 7, line.end());
                    ps.setString(8, compactWords(line.words()));
                    ps.addBatch();
                    finalsInsert = ps;
                    batchedFinals.add(new TranscriptEvent.Final(f.callId(), line.at(), line.speaker(), line.text(),
                            line.start(), line.end(), List.of()));
                }
                case StoreWrite.ErrorLine e -> {
                    ensureCall(e.callId(), e.at());
                    PreparedStatement ps = ps("INSERT INTO errors (call_id, seq, at, message) VALUES (?, ?, ?, ?) "
                            + "ON CONFLICT (call_id, seq) DO NOTHING");
                    ps.setString(1, e.callId());
                    ps.setInt(2, e.seq());
                    setInstant(ps, 3, e.at());
                    ps.setString(4, e.message());
                    if (ps.executeUpdate() > 0) {
                        added.computeIfAbsent(e.callId(), k -> new Added()).errors++;
                    }
                }
                case StoreWrite.DtmfKey d -> {
                    ensureCall(d.callId(), d.key().at());
                    PreparedStatement ps = ps("INSERT INTO dtmf (call_id, seq, at, speaker, digit, start_s) VALUES (?, ?, ?, ?, ?, ?) "
                            + "ON CONFLICT (call_id, seq) DO NOTHING");
                    ps.setString(1, d.callId());
                    ps.setInt(2, d.seq());
                    setInstant(ps, 3, d.key().at());
                    ps.setString(4, d.key().speaker());
                    ps.setString(5, d.key().digit());
                    setSeconds(ps, 6, d.key().start());
                    ps.executeUpdate();
                }
                case StoreWrite.CallEnd e -> {
                    ensureCall(e.callId(), e.ended());
                    PreparedStatement ps = ps("UPDATE calls SET ended = ?, duration = ?, end_reason = ?, "
                            + "recognizer = COALESCE(?, recognizer), speakers = " + json() + " WHERE id = ?");
                    setInstant(ps, 1, e.ended());
                    ps.setDouble(2, Double.isNaN(e.durationSeconds()) ? 0 : e.durationSeconds());
                    ps.setString(3, e.reason());
                    ps.setString(4, e.recognizer());
                    ps.setString(5, toJson(e.speakers()));
                    ps.setString(6, e.callId());
                    ps.executeUpdate();
                }
            }
        }

        /** A write whose call_start was never stored (dropped while the queue was full) still gets a call row. */
        private void ensureCall(String callId, Instant at) throws SQLException {
            if (!known.add(callId)) {
                return;
            }
            PreparedStatement ps = ps("INSERT INTO calls (id, started, instance) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING");
            ps.setString(1, callId);
            setInstant(ps, 2, at);
            ps.setString(3, instance);
            if (ps.executeUpdate() > 0) {
                indexCall(c, callId);
            }
        }

        void finish() throws SQLException {
            if (finalsInsert != null) {
                int[] counts = finalsInsert.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    // a row that was there already (a batch written again) counts 0: it is not added twice
                    if (counts[i] > 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
                        TranscriptEvent.Final line = batchedFinals.get(i);
                        Added a = added.computeIfAbsent(line.call(), k -> new Added());
                        a.finals++;
                        if (!a.text.isEmpty()) {
                            a.text.append('\n');
                        }
                        a.text.append(line.text());
                    }
                }
            }
            for (Map.Entry<String, Added> e : added.entrySet()) {
                PreparedStatement ps = ps("UPDATE calls SET finals = finals + ?, errors = errors + ? WHERE id = ?");
                ps.setInt(1, e.getValue().finals);
                ps.setInt(2, e.getValue().errors);
                ps.setString(3, e.getKey());
                ps.executeUpdate();
                if (!e.getValue().text.isEmpty()) {
                    indexText(c, e.getKey(), e.getValue().text.toString());
                }
            }
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement ps : statements.values()) {
                ps.close();
            }
        }
    }

    /** Words as {@code [[word,start,end,conf],...]}: the same content as the event's objects in about half the bytes. */
    static String compactWords(List<Word> words) {
        com.fasterxml.jackson.databind.node.ArrayNode a = EventJson.MAPPER.createArrayNode();
        for (Word w : words) {
            a.addArray().add(w.word()).add(round(w.start())).add(round(w.end())).add(round(w.conf()));
        }
        return a.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    @Override
    public CallPage search(CallQuery q) {
        List<String> words = q.text() == null ? List.of() : Highlighter.words(q.text());
        if (q.text() != null && words.isEmpty()) {
            return new CallPage(List.of(), null); // only punctuation: nothing can match
        }
        String after = Cursor.parse(q.cursor());
        if (after != null && !validKey(after)) {
            throw new IllegalArgumentException("cursor '" + q.cursor() + "' is not one this server gave out");
        }
        // one read transaction: the page and its matching lines agree, and a plan setting (SET LOCAL) ends with it
        return inTransaction("search", c -> readPage(c, q, words, after));
    }

    private CallPage readPage(Connection c, CallQuery q, List<String> words, String after) throws SQLException {
        List<StoredCall> calls = new ArrayList<>();
        String lastKey = null;
        boolean more = false;
        Select select = select(c, q, words, after, q.limit() + 1);
        try (PreparedStatement ps = c.prepareStatement(select.sql())) {
            for (int i = 0; i < select.params().size(); i++) {
                select.params().get(i).bind(ps, i + 1);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (calls.size() == q.limit()) {
                        more = true; // the one row more than the page: there is a next page
                        break;
                    }
                    calls.add(call(rs));
                    lastKey = keyOf(rs);
                }
            }
        }
        if (!words.isEmpty()) {
            calls = withMatches(c, calls, words);
        }
        return new CallPage(calls, more ? Cursor.encode(lastKey) : null);
    }

    /**
     * Finds each call's best-matching final and where its words match, and orders the page best match first: by
     * BM25's term weighting (how often each search word occurs in the call, damped, relative to the call's length
     * against the page's mean length); calls that score the same stay newest first. Every call of the page has
     * every word (the index said so), so document frequencies would not change the order and are left out.
     */
    private List<StoredCall> withMatches(Connection c, List<StoredCall> calls, List<String> words) throws SQLException {
        if (calls.isEmpty()) {
            return calls;
        }
        Map<String, StoredCall.MatchLine> best = new LinkedHashMap<>();
        Map<String, Integer> bestHits = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> termCounts = new LinkedHashMap<>();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        String in = String.join(",", java.util.Collections.nCopies(calls.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT call_id, speaker, text, start_s, end_s FROM finals WHERE call_id IN ("
                + in + ") ORDER BY call_id, seq")) {
            for (int i = 0; i < calls.size(); i++) {
                ps.setString(i + 1, calls.get(i).id());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    String text = rs.getString(3);
                    List<int[]> spans = Highlighter.spans(text, words);
                    lengths.merge(id, Highlighter.wordCount(text), Integer::sum);
                    Map<String, Integer> counts = termCounts.computeIfAbsent(id, k -> new java.util.HashMap<>());
                    Highlighter.stemCounts(text, spans).forEach((stem, n) -> counts.merge(stem, n, Integer::sum));
                    int hits = Highlighter.distinctHits(text, spans);
                    if (hits > bestHits.getOrDefault(id, 0)) {
                        bestHits.put(id, hits);
                        best.put(id, new StoredCall.MatchLine(rs.getString(2), seconds(rs, 4), seconds(rs, 5), text, spans));
                    }
                }
            }
        }
        double meanLength = Math.max(1, lengths.values().stream().mapToInt(Integer::intValue).average().orElse(1));
        Map<String, Double> score = new java.util.HashMap<>();
        for (StoredCall call : calls) {
            double len = lengths.getOrDefault(call.id(), 0);
            double sum = 0;
            for (int n : termCounts.getOrDefault(call.id(), Map.of()).values()) {
                sum += n * (BM25_K1 + 1) / (n + BM25_K1 * (1 - BM25_B + BM25_B * len / meanLength));
            }
            score.put(call.id(), sum);
        }
        List<StoredCall> ranked = new ArrayList<>(calls.stream().map(call -> call.withMatch(best.get(call.id()))).toList());
        ranked.sort(java.util.Comparator.comparingDouble((StoredCall call) -> score.get(call.id())).reversed());
        return ranked;
    }

    private static final double BM25_K1 = 1.2;
    private static final double BM25_B = 0.75;

    @Override
    public Optional<StoredTranscript> find(String callId) {
        try (Connection c = pool.getConnection()) {
            StoredCall call;
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM calls WHERE id = ?")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    call = call(rs);
                }
            }
            List<TranscriptEvent.Final> finals = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT at, speaker, text, start_s, end_s, words FROM finals "
                    + "WHERE call_id = ? ORDER BY seq")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        finals.add(new TranscriptEvent.Final(callId, getInstant(rs, "at"), rs.getString("speaker"),
                                rs.getString("text"), seconds(rs, 4), seconds(rs, 5), words(rs.getString("words"))));
                    }
                }
            }
            List<String> errors = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT message FROM errors WHERE call_id = ? ORDER BY seq")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        errors.add(rs.getString(1));
                    }
                }
            }
            List<TranscriptEvent.Dtmf> dtmf = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT at, speaker, digit, start_s FROM dtmf WHERE call_id = ? ORDER BY seq")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dtmf.add(new TranscriptEvent.Dtmf(callId, getInstant(rs, "at"), rs.getString("speaker"),
                                rs.getString("digit"), seconds(rs, 4)));
                    }
                }
            }
            return Optional.of(new StoredTranscript(call, finals, errors, dtmf));
        } catch (SQLException e) {
            throw new StoreException(describe() + ": reading call " + callId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> endLeftOpen(Instant before, String reason) {
        return inTransaction("ending the calls left open", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM calls WHERE ended IS NULL AND instance = ? AND started < ?")) {
                ps.setString(1, instance);
                setInstant(ps, 2, before);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            // ended when its last final or error came (else when it started); its audio up to its last final
            try (PreparedStatement ps = c.prepareStatement("UPDATE calls SET end_reason = ?, "
                    + "ended = COALESCE((SELECT MAX(at) FROM (SELECT at FROM finals WHERE call_id = calls.id UNION ALL "
                    + "SELECT at FROM errors WHERE call_id = calls.id) t), started), "
                    + "duration = COALESCE((SELECT MAX(end_s) FROM finals WHERE call_id = calls.id), 0) WHERE id = ?")) {
                for (String id : ids) {
                    ps.setString(1, reason);
                    ps.setString(2, id);
                    ps.addBatch();
                }
                if (!ids.isEmpty()) {
                    ps.executeBatch();
                }
            }
            return ids;
        });
    }

    @Override
    public boolean delete(String callId) {
        return !deleteWhere("id = ?", ps -> ps.setString(1, callId)).isEmpty();
    }

    @Override
    public List<String> deleteEndedBefore(Instant cutoff) {
        return deleteWhere("ended IS NOT NULL AND ended < ?", ps -> setInstant(ps, 1, cutoff));
    }

    interface Binder {
        void bind(PreparedStatement ps, int index) throws SQLException;
    }

    private interface Where {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<String> deleteWhere(String condition, Where where) {
        return inTransaction("delete", c -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM calls WHERE " + condition)) {
                where.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            for (int from = 0; from < ids.size(); from += 500) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
                unindex(c, chunk);
                String in = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
                for (String table : new String[]{"finals", "errors", "dtmf", "call_metadata"}) {
                    deleteIn(c, "DELETE FROM " + table + " WHERE call_id IN (" + in + ")", chunk);
                }
                deleteIn(c, "DELETE FROM calls WHERE id IN (" + in + ")", chunk);
            }
            return ids;
        });
    }

    private static void deleteIn(Connection c, String sql, List<String> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < ids.size(); i++) {
                ps.setString(i + 1, ids.get(i));
            }
            ps.executeUpdate();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** The columns of {@code calls c} that {@link #call} reads. */
    static final String CALL_COLUMNS = "c.id, c.source, c.recognizer, c.started, c.ended, c.duration, c.end_reason, "
            + "c.speakers, c.metadata, c.finals, c.errors";

    private StoredCall call(ResultSet rs) throws SQLException {
        return new StoredCall(rs.getString("id"), rs.getString("source"), rs.getString("recognizer"),
                getInstant(rs, "started"), getInstant(rs, "ended"), rs.getDouble("duration"), rs.getString("end_reason"),
                fromJson(rs.getString("speakers"), STRING_LIST), fromJson(rs.getString("metadata"), STRING_MAP),
                rs.getInt("finals"), rs.getInt("errors"), null);
    }

    private static void setSeconds(PreparedStatement ps, int index, double seconds) throws SQLException {
        if (Double.isNaN(seconds)) {
            ps.setNull(index, java.sql.Types.DOUBLE);
        } else {
            ps.setDouble(index, seconds);
        }
    }

    private static double seconds(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : v;
    }

    private static List<Word> words(String json) {
        List<Word> words = new ArrayList<>();
        try {
            for (JsonNode w : EventJson.MAPPER.readTree(json)) {
                if (w.isArray()) {
                    words.add(new Word(w.path(0).asText(), w.path(1).asDouble(), w.path(2).asDouble(), w.path(3).asDouble()));
                } else {
                    words.add(new Word(w.path("word").asText(), w.path("start").asDouble(), w.path("end").asDouble(),
                            w.path("conf").asDouble()));
                }
            }
        } catch (JsonProcessingException e) {
            throw new StoreException("stored words are not JSON: " + e.getOriginalMessage());
        }
        return words;
    }

    static String toJson(Object value) {
        try {
            return EventJson.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T fromJson(String json, TypeReference<T> type) {
        try {
            return EventJson.MAPPER.readValue(json == null ? "null" : json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("stored column is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Work done on one connection inside {@link #inTransaction}. */
    private interface TransactionWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on a pooled connection: committed when it returns, rolled back when it
     * throws; a database failure becomes a {@link StoreException} saying which store and that {@code what} failed.
     * The pool gives the connection back in auto-commit mode.
     */
    private <T> T inTransaction(String what, TransactionWork<T> work) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(describe() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    /** Opaque page cursors: the key of the last call of the previous page ({@link #keyOf}), base64url. */
    static final class Cursor {
        private Cursor() {
        }

        /** The key in {@code text}, or null for the first page. */
        static String parse(String text) {
            if (text == null) {
                return null;
            }
            try {
                String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                if (raw.startsWith("k:") && raw.length() > 2) {
                    return raw.substring(2);
                }
            } catch (IllegalArgumentException e) {
                // the error below
            }
            throw new IllegalArgumentException("cursor '" + text + "' is not one this server gave out");
        }

        static String encode(String key) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(("k:" + key).getBytes(StandardCharsets.UTF_8));
        }
    }

}
