package io.callscribe.store;

import io.callscribe.testing.CallQueryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteStoreTest extends TranscriptStoreContract {

    @TempDir
    Path dir;

    @Override
    TranscriptStore open() {
        return SqliteStore.open(dir.resolve("state/calls.db"), Stores.defaultInstance());
    }

    @Override
    TranscriptStore reopen() {
        return open();
    }

    @Override
    TranscriptStore openAs(String instance) {
        return SqliteStore.open(dir.resolve("state/calls.db"), instance);
    }

    @Test
    void aNumberWithManyCallsWalksTheWordsInstead() {
        SqliteStore.perCallLimitForTests = 1; // every number "has many calls": the other plan, same answers
        try {
            textSearchPagesNewestFirstAndRanksWithinThePage();
        } finally {
            SqliteStore.perCallLimitForTests = 0;
        }
        assertThat(SqliteStore.perCallLimit(100_000)).isEqualTo(632);
    }

    @Test
    void oneFileInWalModeWithItsSchemaVersion() throws Exception {
        Path file = dir.resolve("state/calls.db");
        assertThat(file).exists();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(SqliteStore.SCHEMA.latest());
            }
        }
    }

    @Test
    void aVersion1StoreIsUpgradedAndStaysSearchable() throws Exception {
        store.close();
        store = null;
        Path file = dir.resolve("v1/calls.db");
        Files.createDirectories(file.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            new SchemaMigrations("sqlite", java.util.List.of("V1__calls.sql")).migrate(c, null);
            // two calls as version 1 wrote them: the full-text rowid was calls.seq
            for (int i = 0; i < 2; i++) {
                long started = T0.plusSeconds(60L * i).toEpochMilli();
                st.execute("INSERT INTO calls (id, source, started, ended, finals) VALUES ('old" + i + "', 'spool', " + started
                        + ", " + (started + 1000) + ", 1)");
                st.execute("INSERT INTO finals (call_id, seq, at, text, words) VALUES ('old" + i + "', 0, " + started
                        + ", 'an old refund " + i + "', '[]')");
                st.execute("INSERT INTO call_text (rowid, text) SELECT seq, 'an old refund " + i + "' FROM calls WHERE id = 'old" + i + "'");
            }
        }
        try (TranscriptStore upgraded = SqliteStore.open(file, Stores.defaultInstance())) {
            assertThat(upgraded.search(CallQueryBuilder.text("refund").build()).calls()).extracting(StoredCall::id).containsExactly("old1", "old0");
            CallPage first = upgraded.search(CallQueryBuilder.text("refund").limit(1).build());
            assertThat(upgraded.search(CallQueryBuilder.text("refund").limit(1).cursor(first.nextCursor()).build()).calls())
                    .extracting(StoredCall::id).containsExactly("old0");
            upgraded.write(call("new", T0.plusSeconds(600), "spool", java.util.Map.of(), "a new refund"));
            assertThat(upgraded.search(CallQueryBuilder.text("refund").build()).calls()).extracting(StoredCall::id)
                    .containsExactly("new", "old1", "old0");
            assertThat(upgraded.search(new CallQuery(null, null, null, null, "spool", 50, null)).calls())
                    .extracting(StoredCall::id).containsExactly("new", "old1", "old0");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(3);
        }
    }

    @Test
    void refusesASchemaNewerThanItKnows() throws Exception {
        store.close();
        store = null;
        Path file = dir.resolve("state/calls.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO schema_version (version, script) VALUES (99, 'V99__future.sql')");
        }
        assertThatThrownBy(() -> SqliteStore.open(file, Stores.defaultInstance())).isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99").hasMessageContaining("upgrade callscribe");
    }

    @Test
    void aFileThatIsNoDatabaseIsNamed() throws Exception {
        Path bad = dir.resolve("bad.db");
        Files.writeString(bad, "this is not sqlite, just text that is long enough to fill a header page......");
        assertThatThrownBy(() -> SqliteStore.open(bad, Stores.defaultInstance())).isInstanceOf(StoreException.class).hasMessageContaining(bad.toString());
    }
}
