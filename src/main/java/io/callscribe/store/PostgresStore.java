package io.callscribe.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared store: PostgreSQL through a HikariCP pool, so that several callscribe instances read and write one
 * set of calls. Full-text search uses a {@code tsvector} per call (English stemming) with a GIN index, ranked by
 * {@code ts_rank}. The schema is created or upgraded on first use, under an advisory lock so that instances
 * starting together do it once.
 */
public final class PostgresStore extends JdbcStore {

    static final SchemaMigrations SCHEMA = new SchemaMigrations("postgresql", List.of("V1__calls.sql", "V2__newest_first.sql", "V3__source_kind.sql"));
    private static final String MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(7263321)"; // any constant shared by instances

    private final String description;

    private PostgresStore(HikariDataSource pool, String description, String instance) {
        super(pool, instance);
        this.description = description;
    }

    /**
     * Opens the store at {@code url}: {@code postgresql://[user[:password]@]host[:port]/database[?param=value]}
     * (libpq style, also {@code postgres://}) or a {@code jdbc:postgresql:} URL, for the callscribe {@code instance}
     * (one of those sharing the database).
     */
    public static PostgresStore open(String url, String instance) {
        Location loc = Location.parse(url);
        HikariConfig config = new HikariConfig();
        config.setPoolName("store-postgresql");
        config.setJdbcUrl(loc.jdbcUrl());
        if (loc.user() != null) {
            config.setUsername(loc.user());
        }
        if (loc.password() != null) {
            config.setPassword(loc.password());
        }
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(3000);
        config.setValidationTimeout(1000);
        config.addDataSourceProperty("connectTimeout", "3");
        config.addDataSourceProperty("socketTimeout", "30");
        config.addDataSourceProperty("ApplicationName", "callscribe");
        return new PostgresStore(openMigrated(config, SCHEMA, MIGRATION_LOCK, loc.safe()), loc.safe(), instance);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
        }
    }

    @Override
    Instant getInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    @Override
    String json() {
        return "CAST(? AS jsonb)";
    }

    @Override
    void indexCall(Connection c, String callId) {
        // the call's tsvector lives in its row
    }

    @Override
    void indexText(Connection c, String callId, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE calls SET tsv = tsv || to_tsvector('english', ?) WHERE id = ?")) {
            ps.setString(1, text);
            ps.setString(2, callId);
            ps.executeUpdate();
        }
    }

    @Override
    void unindex(Connection c, List<String> callIds) {
        // goes with the row
    }

    /**
     * Newest first through {@code calls_started} (or {@code calls_source_kind}). Words are a {@code tsvector} condition,
     * and which way it is served is chosen here, not left to the planner (which underrates reading each row's
     * TOASTed {@code tsvector} and walked the whole index for a rare word: p50 133 ms at 50k calls): from the
     * planner's estimate of the words' calls (its statistics of the lexemes), a rare word's calls all come from the
     * GIN index and are sorted (a subquery fence, OFFSET 0), a common word is checked on the newest calls of the
     * index until the page is full (bitmap scans, the only way to the GIN index, off for this transaction). The
     * line is {@link #commonWordCalls}. With a number, always the fence: checking the newest calls for a common word
     * and one number's calls would read most of the table. Inside it the number's calls are looked up by key and
     * each one's words checked (its {@code tsvector} detoasted: ~16 us, ~60 us when not cached), unless the number
     * has more than {@link #manyNumberCalls} calls and the words are not common: then the words' calls come from the
     * GIN index (a bitmap heap scan: plain lexemes are matched in the index, no {@code tsvector} is read, ~4 us a
     * call) and are hash-joined with the number's (nested loop and merge join off for this transaction: the generic
     * plan the server keeps for a statement the driver has prepared takes any number for ~10 calls and loops over
     * them, detoasting each: 17 ms for 1,068 calls cached, 67 ms not, against 8.5 ms this way, EXPLAIN at 100k).
     * Only the columns a page needs are read: {@code c.*} would detoast and send every row's {@code tsvector}.
     */
    @Override
    Select select(Connection c, CallQuery q, List<String> words, String after, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + CALL_COLUMNS + " FROM calls c WHERE TRUE");
        List<JdbcStore.Binder> p = new ArrayList<>();
        boolean fence = false;
        boolean wordsFirst = false;
        if (!words.isEmpty()) {
            String text = String.join(" ", words);
            sql.append(" AND c.tsv @@ plainto_tsquery('english', ?)");
            p.add((ps, i) -> ps.setString(i, text));
            if (q.number() == null) {
                if (estimatedCalls(c, text) >= commonWordCalls(estimatedCalls(c, null))) {
                    setLocal(c, "enable_bitmapscan = off");
                } else {
                    fence = true;
                }
            } else {
                fence = true;
                long stored = estimatedCalls(c, null);
                wordsFirst = hasMoreCalls(c, q.number(), manyNumberCalls(stored))
                        && estimatedCalls(c, text) < commonWordCalls(stored);
                if (wordsFirst) {
                    setLocal(c, "enable_nestloop = off");
                    setLocal(c, "enable_mergejoin = off");
                }
            }
        }
        if (q.from() != null) {
            sql.append(" AND c.started >= ?");
            p.add((ps, i) -> setInstant(ps, i, q.from()));
        }
        if (q.to() != null) {
            sql.append(" AND c.started < ?");
            p.add((ps, i) -> setInstant(ps, i, q.to()));
        }
        if (q.source() != null) {
            sql.append(" AND c.source_kind = ?");
            p.add((ps, i) -> ps.setString(i, q.source()));
        }
        if (q.number() != null) {
            sql.append(" AND c.id IN (SELECT m.call_id FROM call_metadata m WHERE m.value = ?)");
            p.add((ps, i) -> ps.setString(i, q.number()));
        }
        if (after != null) {
            int bar = after.indexOf('|');
            Instant at = Instant.parse(after.substring(0, bar));
            String id = after.substring(bar + 1);
            sql.append(" AND (c.started, c.id) < (?, ?)");
            p.add((ps, i) -> setInstant(ps, i, at));
            p.add((ps, i) -> ps.setString(i, id));
        }
        if (fence) {
            sql.insert(0, "SELECT * FROM (").append(" OFFSET 0) c");
        }
        sql.append(" ORDER BY c.started DESC, c.id DESC LIMIT ?");
        p.add((ps, i) -> ps.setInt(i, limit));
        if (wordsFirst) {
            // a text of its own: the driver prepares each text once per connection, and the server keeps the plan it
            // made under the settings of the statement's first runs, whatever a later run sets
            sql.insert(0, "/* words first */ ");
        }
        return new Select(sql.toString(), p);
    }

    private static void setLocal(Connection c, String setting) throws SQLException {
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("SET LOCAL " + setting);
        }
    }

    /**
     * From how many estimated calls of a word on it is cheaper to check the newest calls one by one than to read
     * all of the word's calls: sqrt(100 * stored) (3,162 of 100,000). Reading m calls from the GIN index costs m row
     * reads; checking needs about 51 * stored / m rows, each with its tsvector (several times a row read).
     */
    static long commonWordCalls(long storedCalls) {
        return commonWordCallsForTests >= 0 ? commonWordCallsForTests
                : (long) Math.max(200, Math.sqrt(100.0 * Math.max(0, storedCalls)));
    }

    static volatile long commonWordCallsForTests = -1;

    /**
     * Above how many calls of a number its words are read from the GIN index rather than checked call by call:
     * 2 * sqrt(stored) (632 of 100,000, as SQLite's {@code perCallLimit}). Checking n calls costs n detoasted
     * tsvectors (~16 us each cached, measured at 100k); the GIN way reads the words' m calls (~4 us each, m below
     * {@link #commonWordCalls}, mostly far below) and the number's n rows (~2 us each). Tests set it low.
     */
    static long manyNumberCalls(long storedCalls) {
        return manyNumberCallsForTests >= 0 ? manyNumberCallsForTests
                : (long) Math.max(50, 2 * Math.sqrt(Math.max(0, storedCalls)));
    }

    static volatile long manyNumberCallsForTests = -1;

    /** Whether {@code number} has more than {@code limit} calls: reads at most limit + 1 index entries. */
    private static boolean hasMoreCalls(Connection c, String number, long limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM (SELECT 1 FROM call_metadata WHERE value = ? LIMIT ?) n")) {
            ps.setString(1, number);
            ps.setLong(2, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > limit;
            }
        }
    }

    /** The planner's estimate of the calls with {@code text}'s words (all calls when null): no rows are read. */
    private static long estimatedCalls(Connection c, String text) throws SQLException {
        String sql = "EXPLAIN (FORMAT JSON) SELECT 1 FROM calls c" + (text == null ? "" : " WHERE c.tsv @@ plainto_tsquery('english', ?)");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (text != null) {
                ps.setString(1, text);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return 0;
                }
                com.fasterxml.jackson.databind.JsonNode plan = io.callscribe.event.EventJson.MAPPER.readTree(rs.getString(1));
                return plan.path(0).path("Plan").path("Plan Rows").asLong(0);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new StoreException("PostgreSQL's EXPLAIN gave no JSON: " + e.getOriginalMessage());
            }
        }
    }

    @Override
    String keyOf(ResultSet rs) throws SQLException {
        return getInstant(rs, "started") + "|" + rs.getString("id");
    }

    @Override
    boolean validKey(String key) {
        int bar = key.indexOf('|');
        if (bar < 1 || bar == key.length() - 1) {
            return false;
        }
        try {
            Instant.parse(key.substring(0, bar));
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** A parsed store URL: the JDBC URL, the credentials, and a form safe to log (no password). */
    record Location(String jdbcUrl, String user, String password, String safe) {

        static Location parse(String url) {
            if (url.startsWith("jdbc:postgresql:")) {
                return new Location(url, null, null, url.replaceAll("(?i)password=[^&]*", "password=***"));
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--store: '" + url + "' is not a URL: " + e.getReason());
            }
            String scheme = uri.getScheme();
            if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
                throw new IllegalArgumentException("--store: '" + url + "' is not a postgresql:// URL");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("--store: '" + url + "' names no host (postgresql://host[:port]/database)");
            }
            String db = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "" : uri.getRawPath();
            String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
            String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
            String user = null;
            String password = null;
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
                password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
            }
            String safe = "postgresql://" + (user == null ? "" : user + "@") + hostPort + db;
            return new Location("jdbc:postgresql://" + hostPort + (db.isEmpty() ? "/" : db) + query, user, password, safe);
        }
    }
}
