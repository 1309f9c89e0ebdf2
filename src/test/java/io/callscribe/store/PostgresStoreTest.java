package io.callscribe.store;

import io.callscribe.testing.CallQueryBuilder;
import io.callscribe.testing.LocalPostgres;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
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
    void aNumberWithManyCallsTakesTheWordsFromTheIndexNewestFirst() throws Exception {
        // 30 calls of extension 200 a minute apart, every third asking for its parcel; extension 201's calls all do
        List<String> parcels = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            store.write(call("x" + i, T0.plusSeconds(60L * i), i % 2 == 0 ? "spool" : "ari call", Map.of("callee", "200",
                    "caller", "+49" + i), i % 3 == 0 ? "where is my parcel" : "where is my invoice"));
            store.write(call("y" + i, T0.plusSeconds(60L * i + 30), "spool", Map.of("callee", "201"), "where is my parcel"));
            if (i % 3 == 0) {
                parcels.addFirst("x" + i);
            }
        }
        CallQuery all = new CallQuery("parcel", null, null, "200", null, 3, null);
        CallQuery range = new CallQuery("parcel", T0.plusSeconds(300), T0.plusSeconds(1200), "200", null, 2, null);
        CallQuery ari = new CallQuery("parcel", null, null, "200", "ari", 2, null);
        // the same line in every matching call: the same score, so each page and the pages in turn are newest first
        for (long many : new long[]{-1, 0}) { // the number's 30 calls checked one by one, then the words' from the index
            PostgresStore.manyNumberCallsForTests = many;
            try {
                assertThat(wordsFirst(all)).isEqualTo(many == 0);
                assertThat(pagedIds(all)).containsExactlyElementsOf(parcels);
                assertThat(pagedIds(range)).containsExactly("x18", "x15", "x12", "x9", "x6");
                assertThat(pagedIds(ari)).containsExactly("x27", "x21", "x15", "x9", "x3");
                assertThat(pagedIds(new CallQuery("invoice parcel", null, null, "200", null, 3, null))).isEmpty();
                assertThat(pagedIds(new CallQuery("parcel", null, null, "201", null, 50, null))).hasSize(30);
            } finally {
                PostgresStore.manyNumberCallsForTests = -1;
            }
        }
        assertThat(PostgresStore.manyNumberCalls(100_000)).isEqualTo(632);
    }

    /** Every page of {@code q}'s results in turn, following the cursor. */
    private List<String> pagedIds(CallQuery q) {
        List<String> ids = new ArrayList<>();
        CallQuery next = q;
        CallPage page;
        do {
            page = store.search(next);
            page.calls().forEach(call -> ids.add(call.id()));
            next = CallQueryBuilder.from(next).cursor(page.nextCursor()).build();
        } while (page.nextCursor() != null);
        return ids;
    }

    /** Whether the store serves {@code q} from the words' calls, and if so that no plan loops over the number's calls. */
    private boolean wordsFirst(CallQuery q) throws Exception {
        PostgresStore.Location loc = PostgresStore.Location.parse(url);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(loc.jdbcUrl(), loc.user(), "")) {
            c.setAutoCommit(false); // the plan settings are SET LOCAL
            JdbcStore.Select select = ((PostgresStore) store).select(c, q, List.of(q.text()), null, q.limit() + 1);
            boolean wordsFirst = select.sql().startsWith("/* words first */");
            try (java.sql.PreparedStatement ps = c.prepareStatement("EXPLAIN " + select.sql())) {
                for (int i = 0; i < select.params().size(); i++) {
                    select.params().get(i).bind(ps, i + 1);
                }
                StringBuilder plan = new StringBuilder();
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                if (wordsFirst) {
                    assertThat(plan.toString()).contains("Hash").doesNotContain("Nested Loop").doesNotContain("calls_pkey");
                }
            }
            c.rollback();
            return wordsFirst;
        }
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
