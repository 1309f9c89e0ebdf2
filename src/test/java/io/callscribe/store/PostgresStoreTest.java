package io.callscribe.store;

import io.callscribe.testing.CallQueryBuilder;
import io.callscribe.testing.LocalPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("postgresql")
class PostgresStoreTest extends TranscriptStoreContract {

    private String url;

    @Override
    TranscriptStore open() throws Exception {
        url = LocalPostgres.get().newDatabase();
        return PostgresStore.open(url, Stores.defaultInstance());
    }

    @Override
    TranscriptStore reopen() {
        return PostgresStore.open(url, Stores.defaultInstance());
    }

    @Override
    TranscriptStore openAs(String instance) {
        return PostgresStore.open(url, instance);
    }

    @Test
    void aCommonWordIsCheckedOnTheNewestCallsWithTheSameAnswers() {
        PostgresStore.commonWordCallsForTests = 0; // every word "common": the plan without the GIN index
        try {
            textSearchPagesNewestFirstAndRanksWithinThePage();
            textSearchRanksStemsAndHighlightsTheMatchingLine();
        } finally {
            PostgresStore.commonWordCallsForTests = -1;
        }
        assertThat(PostgresStore.commonWordCalls(100_000)).isEqualTo(3162);
    }

    @Test
    void twoStoresOnOneDatabaseSeeEachOthersCalls() {
        try (TranscriptStore other = PostgresStore.open(url, Stores.defaultInstance())) {
            store.write(call("from-a", T0, "spool", Map.of(), "written by the first instance"));
            other.write(call("from-b", T0.plusSeconds(1), "spool", Map.of(), "written by the second instance"));
            assertThat(store.search(CallQueryBuilder.text("instance").build()).calls()).extracting(StoredCall::id)
                    .containsExactlyInAnyOrder("from-a", "from-b");
            assertThat(other.find("from-a")).isPresent();
        }
    }

    @Test
    void aVersion1StoreIsUpgradedAndStaysSearchable() throws Exception {
        String v1 = LocalPostgres.get().newDatabase();
        PostgresStore.Location loc = PostgresStore.Location.parse(v1);
        java.time.Instant t0 = T0;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(loc.jdbcUrl(), loc.user(), "");
             java.sql.Statement st = c.createStatement()) {
            new SchemaMigrations("postgresql", java.util.List.of("V1__calls.sql")).migrate(c, null);
            // a call as version 1 wrote it (no instance, no DTMF table)
            st.execute("INSERT INTO calls (id, source, started, ended, finals, tsv) VALUES ('old', 'spool', '" + t0
                    + "', '" + t0.plusSeconds(60) + "', 1, to_tsvector('english', 'an old refund'))");
            st.execute("INSERT INTO finals (call_id, seq, at, text, words) VALUES ('old', 0, '" + t0 + "', 'an old refund', '[]')");
        }
        try (TranscriptStore upgraded = PostgresStore.open(v1, Stores.defaultInstance())) {
            assertThat(upgraded.search(new CallQuery("refund", null, null, null, null, 50, null)).calls())
                    .extracting(StoredCall::id).containsExactly("old");
            upgraded.write(call("new", T0.plusSeconds(600), "spool", Map.of(), "a new refund"));
            assertThat(upgraded.search(new CallQuery("refund", null, null, null, null, 50, null)).calls())
                    .extracting(StoredCall::id).containsExactly("new", "old");
            assertThat(upgraded.search(new CallQuery(null, null, null, null, "spool", 50, null)).calls())
                    .extracting(StoredCall::id).containsExactly("new", "old");
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(loc.jdbcUrl(), loc.user(), "");
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(PostgresStore.SCHEMA.latest());
        }
    }

    @Test
    void urlFormsAndTheirErrors() {
        PostgresStore.Location loc = PostgresStore.Location.parse("postgresql://u:s%40cret@db.example:6543/calls?sslmode=require");
        assertThat(loc.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/calls?sslmode=require");
        assertThat(loc.user()).isEqualTo("u");
        assertThat(loc.password()).isEqualTo("s@cret");
        assertThat(loc.safe()).doesNotContain("cret");
        assertThat(PostgresStore.Location.parse("jdbc:postgresql://h/db?password=x").safe()).doesNotContain("=x");
        assertThatThrownBy(() -> PostgresStore.Location.parse("postgresql:///nohost"))
                .hasMessageContaining("names no host");
        assertThatThrownBy(() -> PostgresStore.open("postgresql://127.0.0.1:1/none", Stores.defaultInstance()))
                .isInstanceOf(StoreException.class).hasMessageContaining("postgresql://127.0.0.1:1/none");
    }
}
