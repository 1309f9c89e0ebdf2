package io.callscribe.store;

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
        return SqliteStore.open(dir.resolve("state/calls.db"));
    }

    @Override
    TranscriptStore reopen() {
        return open();
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
    void refusesASchemaNewerThanItKnows() throws Exception {
        store.close();
        store = null;
        Path file = dir.resolve("state/calls.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO schema_version (version, script) VALUES (99, 'V99__future.sql')");
        }
        assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99").hasMessageContaining("upgrade callscribe");
    }

    @Test
    void aFileThatIsNoDatabaseIsNamed() throws Exception {
        Path bad = dir.resolve("bad.db");
        Files.writeString(bad, "this is not sqlite, just text that is long enough to fill a header page......");
        assertThatThrownBy(() -> SqliteStore.open(bad)).isInstanceOf(StoreException.class).hasMessageContaining(bad.toString());
    }
}
