package io.callscribe.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates and upgrades a store's tables from the versioned scripts {@code /store/<dialect>/V<n>__<name>.sql}: each
 * script runs once, in order, in one transaction with its row in {@code schema_version}. A database whose schema is
 * newer than this program knows is refused rather than misread.
 */
final class SchemaMigrations {

    private final String dialect;
    private final List<String> scripts;

    /** {@code scripts} in version order: the n-th is version n. */
    SchemaMigrations(String dialect, List<String> scripts) {
        this.dialect = dialect;
        this.scripts = List.copyOf(scripts);
    }

    int latest() {
        return scripts.size();
    }

    /** Brings the schema to {@link #latest()}; {@code lockSql}, when not null, serialises instances doing the same. */
    void migrate(Connection c, String lockSql) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            if (lockSql != null) {
                st.execute(lockSql);
            }
            st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, script TEXT NOT NULL)");
            int current = 0;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                if (rs.next()) {
                    current = rs.getInt(1);
                }
            }
            if (current > latest()) {
                throw new StoreException("the " + dialect + " store has schema version " + current
                        + " but this callscribe knows only up to " + latest() + ": upgrade callscribe");
            }
            for (int v = current + 1; v <= latest(); v++) {
                String name = scripts.get(v - 1);
                for (String sql : statements(read(name))) {
                    st.execute(sql);
                }
                st.execute("INSERT INTO schema_version (version, script) VALUES (" + v + ", '" + name + "')");
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private String read(String name) {
        String path = "/store/" + dialect + "/" + name;
        try (InputStream in = SchemaMigrations.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("schema script " + path + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema script " + path, e);
        }
    }

    /** The script's statements: comment lines dropped, split at a ';' that ends a line. */
    static List<String> statements(String script) {
        StringBuilder sb = new StringBuilder();
        for (String line : script.split("\n")) {
            String t = line.strip();
            if (!t.startsWith("--")) {
                sb.append(line.replaceFirst("\\s+--.*$", "")).append('\n');
            }
        }
        return java.util.Arrays.stream(sb.toString().split(";\\s*\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
