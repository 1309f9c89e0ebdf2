package io.callscribe.sink;

import io.callscribe.event.Word;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.store.CallQuery;
import io.callscribe.store.PostgresStore;
import io.callscribe.store.SqliteStore;
import io.callscribe.store.Stores;
import io.callscribe.store.StoredTranscript;
import io.callscribe.store.TranscriptStore;
import io.callscribe.testing.CallQueryBuilder;
import io.callscribe.testing.FaultyStore;
import io.callscribe.testing.LocalPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StoreSinkTest {

    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    static List<TranscriptEvent> callEvents(String id, int finals) {
        List<TranscriptEvent> events = new ArrayList<>();
        events.add(new TranscriptEvent.CallStarted(id, T0, "audiosocket"));
        for (int i = 0; i < finals; i++) {
            events.add(new TranscriptEvent.Partial(id, T0, "caller", "word" + i));
            events.add(fin(id, i));
        }
        events.add(new TranscriptEvent.CallError(id, T0, "a recogniser hiccup"));
        events.add(new TranscriptEvent.CallEnded(id, T0.plusSeconds(finals), finals * 1.0, "hangup"));
        return events;
    }

    static TranscriptEvent.Final fin(String id, int i) {
        return new TranscriptEvent.Final(id, T0.plusSeconds(i), i % 2 == 0 ? "caller" : "agent", "word" + i + " common",
                i, i + 0.9, List.of(new Word("word" + i, i, i + 0.5, 1), new Word("common", i + 0.5, i + 0.9, 1)));
    }

    @Test
    void storesTheCallAsItGoes() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TranscriptStore store = SqliteStore.open(dir.resolve("calls.db"), Stores.defaultInstance());
             StoreSink sink = new StoreSink(store, id -> "vosk", 1000, meters)) {
            List<TranscriptEvent> events = callEvents("c1", 4);
            for (TranscriptEvent e : events.subList(0, 5)) { // start + two partial/final pairs
                sink.accept(e);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> store.find("c1").map(t -> t.finals().size()).orElse(0) == 2);
            assertThat(store.find("c1").orElseThrow().call().ended()).isNull();
            sink.accept(new TranscriptEvent.Dtmf("c1", T0.plusSeconds(2), "caller", "7", 2.5));
            sink.accept(new TranscriptEvent.Dtmf("c1", T0.plusSeconds(3), "caller", "*", 3.5));
            for (TranscriptEvent e : events.subList(5, events.size())) {
                sink.accept(e);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> store.find("c1").orElseThrow().call().ended() != null);
            StoredTranscript t = store.find("c1").orElseThrow();
            assertThat(t.finals()).extracting(TranscriptEvent.Final::text)
                    .containsExactly("word0 common", "word1 common", "word2 common", "word3 common");
            assertThat(t.errors()).containsExactly("a recogniser hiccup");
            assertThat(t.dtmf()).extracting(TranscriptEvent.Dtmf::digit).containsExactly("7", "*");
            assertThat(t.call().recognizer()).isEqualTo("vosk");
            assertThat(t.call().speakers()).containsExactly("caller", "agent");
            assertThat(t.call().endReason()).isEqualTo("hangup");
            assertThat(meters.get("callscribe.store.up").gauge().value()).isEqualTo(1.0);
        }
    }

    @Test
    void theSourcesPartiesBecomeSearchableMetadata() {
        try (TranscriptStore store = SqliteStore.open(dir.resolve("calls.db"), Stores.defaultInstance());
             StoreSink sink = new StoreSink(store, id -> "vosk", 1000, null)) {
            var caller = new io.callscribe.event.CallParty("Alice", "caller", "PJSIP/alice-1", "1714.1", "1714.1",
                    "+4930123", "Alice", "200", "Support", "", "from-internal", java.util.Map.of("QUEUE", "sales"));
            var callee = new io.callscribe.event.CallParty("Support", "callee", "PJSIP/agent-2", "1714.2", "1714.1",
                    "200", "Support", "+4930123", "Alice", "200", "from-internal", java.util.Map.of());
            sink.accept(new TranscriptEvent.CallStarted("1714.1", T0, "ari", List.of(caller, callee)));
            sink.accept(new TranscriptEvent.CallEnded("1714.1", T0.plusSeconds(5), 5, "hangup"));
            await().atMost(Duration.ofSeconds(5)).until(() -> store.find("1714.1").map(t -> t.call().ended() != null).orElse(false));
            var meta = store.find("1714.1").orElseThrow().call().metadata();
            assertThat(meta).containsEntry("linkedid", "1714.1").containsEntry("caller.number", "+4930123")
                    .containsEntry("caller.name", "Alice").containsEntry("callee.number", "200")
                    .containsEntry("callee.uniqueid", "1714.2").containsEntry("caller.var.QUEUE", "sales")
                    .doesNotContainKey("caller.dialed_exten");
            assertThat(store.search(new CallQuery(null, null, null, "+4930123", null, 10, null)).calls()).hasSize(1);
        }
    }

    @Test
    void aHangingStoreNeverBlocksTheCallAndAFailingOneLosesNothingWhenItReturns() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (FaultyStore store = new FaultyStore(SqliteStore.open(dir.resolve("calls.db"), Stores.defaultInstance()));
             StoreSink sink = new StoreSink(store, id -> null, 10_000, meters)) {
            store.hang();
            long t0 = System.nanoTime();
            for (int c = 0; c < 10; c++) {
                callEvents("call" + c, 50).forEach(sink::accept);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(sink.pending()).isGreaterThan(0);

            store.down(true);
            store.release();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.failedWrites() >= 2);
            assertThat(sink.storeUp()).isFalse();
            assertThat(meters.get("callscribe.store.up").gauge().value()).isEqualTo(0.0);
            assertThat(meters.get("callscribe.store.failures").counter().count()).isGreaterThanOrEqualTo(2);

            store.down(false);
            assertThat(sink.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.storeUp()).isTrue();
            for (int c = 0; c < 10; c++) {
                StoredTranscript t = store.find("call" + c).orElseThrow();
                assertThat(t.finals()).hasSize(50);
                assertThat(t.call().ended()).isNotNull();
            }
            assertThat(store.search(CallQueryBuilder.text("word49").build()).calls()).hasSize(10);
            assertThat(sink.dropped()).isZero();
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (FaultyStore store = new FaultyStore(SqliteStore.open(dir.resolve("calls.db"), Stores.defaultInstance()));
             StoreSink sink = new StoreSink(store, id -> null, 10, meters)) {
            store.hang();
            callEvents("big", 100).forEach(sink::accept);
            assertThat(sink.dropped()).isGreaterThan(80);
            assertThat(meters.get("callscribe.store.dropped").counter().count()).isEqualTo(sink.dropped());
            store.release();
        }
    }

    /** The real thing: PostgreSQL stops mid-call and comes back; every final the call made is stored. */
    @Test
    @Tag("postgresql")
    void postgresGoingAwayMidCallAndComingBackLosesNoFinal() throws Exception {
        LocalPostgres pg = LocalPostgres.get();
        String url = pg.newDatabase();
        try (TranscriptStore store = PostgresStore.open(url, Stores.defaultInstance());
             StoreSink sink = new StoreSink(store, id -> "vosk", 10_000, new SimpleMeterRegistry())) {
            List<TranscriptEvent> events = callEvents("outage", 40);
            int half = events.size() / 2;
            events.subList(0, half).forEach(sink::accept);
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            pg.stop();
            try {
                long t0 = System.nanoTime();
                events.subList(half, events.size()).forEach(sink::accept);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
                await().atMost(Duration.ofSeconds(15)).until(() -> !sink.storeUp());
            } finally {
                pg.start();
            }
            assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
            StoredTranscript t = store.find("outage").orElseThrow();
            assertThat(t.finals()).hasSize(40);
            assertThat(t.call().ended()).isNotNull();
            assertThat(t.errors()).hasSize(1);
        }
    }
}
