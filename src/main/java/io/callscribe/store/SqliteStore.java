package io.callscribe.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The embedded store: one SQLite file in WAL mode (readers never wait for the writer), full-text search with FTS5
 * (Porter stemming) over one document per call. Times are stored as epoch milliseconds.
 */
public final class SqliteStore extends JdbcStore {

    static final SchemaMigrations SCHEMA = new SchemaMigrations("sqlite", List.of("V1__calls.sql", "V2__newest_first.sql", "V3__source_kind.sql"));

    private final Path file;

    private SqliteStore(HikariDataSource pool, Path file, String instance) {
        super(pool, instance);
        this.file = file;
    }

    /**
     * Opens (creating the file, its directory and the schema when missing, upgrading an older schema) the store at
     * {@code file}, for the callscribe {@code instance}.
     */
    public static SqliteStore open(Path file, String instance) {
        Path abs = file.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
        } catch (IOException e) {
            throw new StoreException("cannot create the directory of the store " + abs + ": " + e.getMessage(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("store-sqlite");
        config.setJdbcUrl("jdbc:sqlite:" + abs);
        config.setMaximumPoolSize(4);
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL"); // WAL + NORMAL: a commit survives a crash of the process
        config.addDataSourceProperty("busy_timeout", "10000");
        return new SqliteStore(openMigrated(config, SCHEMA, null, abs.toString()), abs, instance);
    }

    public Path file() {
        return file;
    }

    @Override
    public String describe() {
        return "sqlite:" + file;
    }

    @Override
    void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index, t.toEpochMilli());
        }
    }

    @Override
    Instant getInstant(ResultSet rs, String column) throws SQLException {
        long ms = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(ms);
    }

    @Override
    String json() {
        return "?";
    }

    /** Calls started in the same millisecond get keys {@code started << KEY_BITS} + 0, 1, 2, ... */
    private static final int KEY_BITS = 20;

    /**
     * Gives the call its time key ({@code calls.skey}, the rowid of its document in {@code call_words}) and makes
     * sure that document exists; a call whose start time changed (started again) moves to a new key with its text.
     */
    @Override
    void indexCall(Connection c, String callId) throws SQLException {
        long started;
        long key;
        boolean keyed;
        try (PreparedStatement ps = c.prepareStatement("SELECT started, skey FROM calls WHERE id = ?")) {
            ps.setString(1, callId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                started = rs.getLong(1);
                key = rs.getLong(2);
                keyed = !rs.wasNull();
            }
        }
        if (keyed && key >> KEY_BITS == started) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO call_words (rowid, text) SELECT ?, '' "
                    + "WHERE NOT EXISTS (SELECT 1 FROM call_words WHERE rowid = ?)")) {
                ps.setLong(1, key);
                ps.setLong(2, key);
                ps.executeUpdate();
            }
            return;
        }
        long base = started << KEY_BITS;
        long newKey = base;
        try (PreparedStatement ps = c.prepareStatement("SELECT MAX(skey) FROM calls WHERE skey >= ? AND skey < ?")) {
            ps.setLong(1, base);
            ps.setLong(2, base + (1L << KEY_BITS));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long max = rs.getLong(1);
                    if (!rs.wasNull()) {
                        newKey = max + 1; // 2^20 calls started in one millisecond would spill into the next: none do
                    }
                }
            }
        }
        String text = "";
        if (keyed) {
            try (PreparedStatement ps = c.prepareStatement("SELECT text FROM call_words WHERE rowid = ?")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        text = rs.getString(1);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM call_words WHERE rowid = ?")) {
                ps.setLong(1, key);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE calls SET skey = ? WHERE id = ?")) {
            ps.setLong(1, newKey);
            ps.setString(2, callId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO call_words (rowid, text) VALUES (?, ?)")) {
            ps.setLong(1, newKey);
            ps.setString(2, text);
            ps.executeUpdate();
        }
    }

    @Override
    void indexText(Connection c, String callId, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE call_words SET text = text || char(10) || ? "
                + "WHERE rowid = (SELECT skey FROM calls WHERE id = ?)")) {
            ps.setString(1, text);
            ps.setString(2, callId);
            ps.executeUpdate();
        }
    }

    @Override
    void unindex(Connection c, List<String> callIds) throws SQLException {
        String in = String.join(",", Collections.nCopies(callIds.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM call_words WHERE rowid IN (SELECT skey FROM calls WHERE id IN ("
                + in + "))")) {
            for (int i = 0; i < callIds.size(); i++) {
                ps.setString(i + 1, callIds.get(i));
            }
            ps.executeUpdate();
        }
    }

    /**
     * Three plans, each starting from the index that narrows most and walking time keys downwards so that it stops
     * after one page: a number starts from its metadata rows, checking the words per call in the full-text index by
     * key (one lookup each, ~30 us), unless the number has so many calls that walking the words' matches newest
     * first and keeping the number's is cheaper (see {@link #perCallLimit}); words start from the full-text index
     * (newest matches first; a date range is a key range); else the calls by key (with a source, its (source kind, key)
     * index). CROSS JOIN fixes SQLite's join order.
     */
    @Override
    Select select(Connection c, CallQuery q, List<String> words, String after, int limit) throws SQLException {
        long lo = q.from() == null ? Long.MIN_VALUE : key(q.from());
        long hi = q.to() == null ? Long.MAX_VALUE : key(q.to());
        if (after != null) {
            hi = Math.min(hi, Long.parseLong(after));
        }
        long from = lo;
        long below = hi;
        List<JdbcStore.Binder> p = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        String text = words.isEmpty() ? null : textQuery(words);
        boolean fromNumber = q.number() != null && (text == null || !manyCalls(c, q.number()));
        if (fromNumber) {
            sql.append("SELECT c.* FROM (SELECT DISTINCT call_id FROM call_metadata WHERE value = ?) m "
                    + "CROSS JOIN calls c ON c.id = m.call_id WHERE c.skey >= ? AND c.skey < ?");
            p.add((ps, i) -> ps.setString(i, q.number()));
            p.add((ps, i) -> ps.setLong(i, from));
            p.add((ps, i) -> ps.setLong(i, below));
            if (text != null) {
                sql.append(" AND EXISTS (SELECT 1 FROM call_words WHERE call_words MATCH ? AND call_words.rowid = c.skey)");
                p.add((ps, i) -> ps.setString(i, text));
            }
        } else if (text != null) {
            sql.append("SELECT c.* FROM call_words CROSS JOIN calls c ON c.skey = call_words.rowid "
                    + "WHERE call_words MATCH ? AND call_words.rowid >= ? AND call_words.rowid < ?");
            p.add((ps, i) -> ps.setString(i, text));
            p.add((ps, i) -> ps.setLong(i, from));
            p.add((ps, i) -> ps.setLong(i, below));
        } else {
            sql.append("SELECT c.* FROM calls c WHERE c.skey >= ? AND c.skey < ?");
            p.add((ps, i) -> ps.setLong(i, from));
            p.add((ps, i) -> ps.setLong(i, below));
        }
        if (q.number() != null && !fromNumber) {
            sql.append(" AND c.id IN (SELECT call_id FROM call_metadata WHERE value = ?)");
            p.add((ps, i) -> ps.setString(i, q.number()));
        }
        if (q.source() != null) {
            sql.append(" AND c.source_kind = ?");
            p.add((ps, i) -> ps.setString(i, q.source()));
        }
        sql.append(!fromNumber && text != null ? " ORDER BY call_words.rowid DESC" : " ORDER BY c.skey DESC");
        sql.append(" LIMIT ?");
        p.add((ps, i) -> ps.setInt(i, limit));
        return new Select(sql.toString(), p);
    }

    /**
     * How many of a number's calls are checked one by one for words: 2 * sqrt(calls stored) (600 at 100,000). Above
     * it the words' matches are walked instead; then about 51 * stored / n of them are read to fill a page with the
     * number's n calls (~2 us each), which costs less than n lookups once n > sqrt(3.4 * stored). Tests set it low.
     */
    static int perCallLimit(long storedCalls) {
        return perCallLimitForTests > 0 ? perCallLimitForTests : (int) Math.max(50, 2 * Math.sqrt(storedCalls));
    }

    static volatile int perCallLimitForTests;

    /** Whether {@code number} has more calls than {@link #perCallLimit}: two index reads, bounded. */
    private static boolean manyCalls(Connection c, String number) throws SQLException {
        long stored;
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM calls");
             ResultSet rs = ps.executeQuery()) {
            stored = rs.next() ? rs.getLong(1) : 0; // the ids given out: the calls stored, or more after deletes
        }
        int limit = perCallLimit(stored);
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM (SELECT 1 FROM call_metadata WHERE value = ? LIMIT ?)")) {
            ps.setString(1, number);
            ps.setInt(2, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) > limit;
            }
        }
    }

    /** The first key of the millisecond {@code t} (clamped: a date in the year 3000 is past every key). */
    private static long key(Instant t) {
        long ms = t.toEpochMilli();
        long limit = Long.MAX_VALUE >> KEY_BITS;
        return ms >= limit ? Long.MAX_VALUE : ms <= -limit ? Long.MIN_VALUE : ms << KEY_BITS;
    }

    @Override
    String keyOf(ResultSet rs) throws SQLException {
        return Long.toString(rs.getLong("skey"));
    }

    @Override
    boolean validKey(String key) {
        try {
            Long.parseLong(key);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Each word quoted: FTS5 operators typed by a user (NEAR, OR, *) are searched as words, never parsed. */
    private static String textQuery(List<String> words) {
        return words.stream().map(w -> '"' + w + '"').collect(Collectors.joining(" "));
    }
}
