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
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The embedded store: one SQLite file in WAL mode (readers never wait for the writer), full-text search with FTS5
 * (Porter stemming) over one document per call. Times are stored as epoch milliseconds.
 */
public final class SqliteStore extends JdbcStore {

    static final SchemaMigrations SCHEMA = new SchemaMigrations("sqlite", List.of("V1__calls.sql"));

    private final Path file;

    private SqliteStore(HikariDataSource pool, Path file) {
        super(pool);
        this.file = file;
    }

    /** Opens (creating the file, its directory and the schema when missing) the store at {@code file}. */
    public static SqliteStore open(Path file) {
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
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the store " + abs + ": " + e.getMessage(), e);
        }
        SqliteStore store = new SqliteStore(pool, abs);
        try (Connection c = pool.getConnection()) {
            SCHEMA.migrate(c, null);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e instanceof StoreException se ? se
                    : new StoreException("cannot set up the store " + abs + ": " + e.getMessage(), e);
        }
        return store;
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

    @Override
    void indexCall(Connection c, String callId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO call_text (rowid, text) SELECT seq, '' FROM calls "
                + "WHERE id = ? AND NOT EXISTS (SELECT 1 FROM call_text WHERE rowid = calls.seq)")) {
            ps.setString(1, callId);
            ps.executeUpdate();
        }
    }

    @Override
    void indexText(Connection c, String callId, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE call_text SET text = text || char(10) || ? "
                + "WHERE rowid = (SELECT seq FROM calls WHERE id = ?)")) {
            ps.setString(1, text);
            ps.setString(2, callId);
            ps.executeUpdate();
        }
    }

    @Override
    void unindex(Connection c, List<String> callIds) throws SQLException {
        String in = String.join(",", Collections.nCopies(callIds.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM call_text WHERE rowid IN (SELECT seq FROM calls WHERE id IN ("
                + in + "))")) {
            for (int i = 0; i < callIds.size(); i++) {
                ps.setString(i + 1, callIds.get(i));
            }
            ps.executeUpdate();
        }
    }

    @Override
    TextSearch textSearch() {
        return new TextSearch("JOIN call_text ON call_text.rowid = c.seq", "call_text MATCH ?", "call_text.rank", false);
    }

    /** Ranks in the FTS index alone (BM25, its own top-N) and joins only the page's calls. */
    @Override
    String rankedOnly() {
        return "SELECT c.* FROM (SELECT rowid AS r, rank AS k FROM call_text WHERE call_text MATCH ? ORDER BY rank LIMIT ? OFFSET ?) t "
                + "JOIN calls c ON c.seq = t.r ORDER BY t.k";
    }

    @Override
    String textQuery(List<String> words) {
        // Each word quoted: FTS5 operators typed by a user (NEAR, OR, *) are searched as words, never parsed.
        return words.stream().map(w -> '"' + w + '"').collect(Collectors.joining(" "));
    }
}
