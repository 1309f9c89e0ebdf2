package io.callscribe.store;

import io.callscribe.event.Word;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.CallQueryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link TranscriptStore} must do; run against SQLite and a real PostgreSQL. */
abstract class TranscriptStoreContract {

    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    TranscriptStore store;

    /** A fresh, empty store. */
    abstract TranscriptStore open() throws Exception;

    /** The same store opened again (as after a restart). */
    abstract TranscriptStore reopen() throws Exception;

    /** The same database opened by another callscribe instance named {@code instance} (beside {@link #store}). */
    abstract TranscriptStore openAs(String instance) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = open();
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    static TranscriptEvent.Final fin(String call, String speaker, String text, double start) {
        List<Word> words = new ArrayList<>();
        double t = start;
        for (String w : text.split(" ")) {
            words.add(new Word(w, t, t + 0.3, 0.9));
            t += 0.4;
        }
        return new TranscriptEvent.Final(call, T0.plusSeconds((long) t), speaker, text, start, t, words);
    }

    static List<StoreWrite> call(String id, Instant started, String source, Map<String, String> meta, String... lines) {
        List<StoreWrite> w = new ArrayList<>();
        w.add(new StoreWrite.CallStart(id, started, source, meta));
        Set<String> speakers = new HashSet<>();
        for (int i = 0; i < lines.length; i++) {
            String speaker = i % 2 == 0 ? "caller" : "agent";
            speakers.add(speaker);
            w.add(new StoreWrite.FinalLine(id, i, fin(id, speaker, lines[i], i * 3.0)));
        }
        w.add(new StoreWrite.CallEnd(id, started.plusSeconds(60), lines.length * 3.0, "hangup", "test-recognizer",
                List.of("caller", "agent")));
        return w;
    }

    @Test
    void storesEveryPartOfACallAndReadsItBack() {
        store.write(call("c1", T0, "audiosocket", Map.of("caller", "+4930123", "linkedid", "1714.5"),
                "hello i want a refund", "sure let me check your order"));
        store.write(List.of(new StoreWrite.ErrorLine("c1", 0, T0.plusSeconds(5), "recogniser reconnected")));

        StoredTranscript t = store.find("c1").orElseThrow();
        assertThat(t.call().source()).isEqualTo("audiosocket");
        assertThat(t.call().recognizer()).isEqualTo("test-recognizer");
        assertThat(t.call().started()).isEqualTo(T0);
        assertThat(t.call().ended()).isEqualTo(T0.plusSeconds(60));
        assertThat(t.call().durationSeconds()).isEqualTo(6.0);
        assertThat(t.call().endReason()).isEqualTo("hangup");
        assertThat(t.call().speakers()).containsExactly("caller", "agent");
        assertThat(t.call().metadata()).containsEntry("caller", "+4930123").containsEntry("linkedid", "1714.5");
        assertThat(t.call().finals()).isEqualTo(2);
        assertThat(t.call().errors()).isEqualTo(1);
        assertThat(t.errors()).containsExactly("recogniser reconnected");
        assertThat(t.finals()).extracting(TranscriptEvent.Final::text)
                .containsExactly("hello i want a refund", "sure let me check your order");
        TranscriptEvent.Final first = t.finals().getFirst();
        assertThat(first.speaker()).isEqualTo("caller");
        assertThat(first.words()).hasSize(5);
        assertThat(first.words().get(4).word()).isEqualTo("refund");
        assertThat(first.words().get(4).start()).isEqualTo(1.6);
        assertThat(store.find("nope")).isEmpty();
    }

    @Test
    void writingABatchTwiceChangesNothing() {
        List<StoreWrite> batch = call("c1", T0, "spool", Map.of(), "one two three", "four five");
        store.write(batch);
        store.write(batch);
        StoredTranscript t = store.find("c1").orElseThrow();
        assertThat(t.finals()).hasSize(2);
        assertThat(t.call().finals()).isEqualTo(2);
        assertThat(store.search(CallQueryBuilder.text("four").build()).calls()).hasSize(1);
    }

    @Test
    void finalsAreSearchableWhileTheCallGoesOn() {
        store.write(List.of(new StoreWrite.CallStart("live1", T0, "spool", Map.of())));
        store.write(List.of(new StoreWrite.FinalLine("live1", 0, fin("live1", null, "the parcel never arrived", 0))));
        CallPage page = store.search(CallQueryBuilder.text("parcel").build());
        assertThat(page.calls()).extracting(StoredCall::id).containsExactly("live1");
        assertThat(page.calls().getFirst().ended()).isNull();
    }

    @Test
    void textSearchRanksStemsAndHighlightsTheMatchingLine() {
        store.write(call("a", T0, "spool", Map.of(), "good morning", "i would like a refund for my order",
                "the refund should arrive friday"));
        store.write(call("b", T0.plusSeconds(10), "spool", Map.of(), "good morning", "my invoice is wrong"));
        store.write(call("c", T0.plusSeconds(20), "spool", Map.of(), "i asked for refunds twice", "refund refund refund"));

        CallPage page = store.search(CallQueryBuilder.text("Refund").build());
        assertThat(page.calls()).extracting(StoredCall::id).containsExactlyInAnyOrder("a", "c");
        StoredCall a = page.calls().stream().filter(c -> c.id().equals("a")).findFirst().orElseThrow();
        assertThat(a.match()).isNotNull();
        String line = a.match().text();
        assertThat(line).contains("refund");
        int[] span = a.match().highlights().getFirst();
        assertThat(line.substring(span[0], span[1])).isEqualTo("refund");

        CallPage both = store.search(CallQueryBuilder.text("refund order").build());
        assertThat(both.calls()).extracting(StoredCall::id).containsExactly("a");
        assertThat(both.calls().getFirst().match().text()).isEqualTo("i would like a refund for my order");
        assertThat(both.calls().getFirst().match().highlights()).hasSize(2);

        assertThat(store.search(CallQueryBuilder.text("invoices").build()).calls()).extracting(StoredCall::id).containsExactly("b");
        assertThat(store.search(CallQueryBuilder.text("spaceship").build()).calls()).isEmpty();
        // query syntax of the engine is never parsed from user input
        assertThat(store.search(CallQueryBuilder.text("refund OR \"invoice* NEAR(").build()).calls()).isEmpty();
        assertThat(store.search(CallQueryBuilder.text("!!!").build()).calls()).isEmpty();
    }

    @Test
    void filtersByDateSourceAndNumberAndPages() {
        for (int i = 0; i < 7; i++) {
            // sources as calls describe them: the filter names the kind, the first word
            store.write(call("call-" + i, T0.plus(Duration.ofDays(i)), i % 2 == 0 ? "recording /var/spool/asterisk/monitor/" + i + ".wav"
                            : "audiosocket call 0000000" + i + "-0000-0000-0000-000000000000 from 127.0.0.1:4000",
                    Map.of("caller", "+49" + i, "callee", "200"), "hello number " + i));
        }
        assertThat(store.search(CallQueryBuilder.all().build()).calls()).extracting(StoredCall::id)
                .containsExactly("call-6", "call-5", "call-4", "call-3", "call-2", "call-1", "call-0");
        assertThat(store.search(new CallQuery(null, T0.plus(Duration.ofDays(2)), T0.plus(Duration.ofDays(4)), null, null, 50, null))
                .calls()).extracting(StoredCall::id).containsExactly("call-3", "call-2");
        assertThat(store.search(new CallQuery(null, null, null, null, "AudioSocket", 50, null)).calls())
                .extracting(StoredCall::id).containsExactly("call-5", "call-3", "call-1");
        assertThat(store.search(new CallQuery(null, null, null, null, "audiosocket call", 50, null)).calls()).isEmpty();
        assertThat(store.search(new CallQuery(null, null, null, "+494", null, 50, null)).calls())
                .extracting(StoredCall::id).containsExactly("call-4");
        assertThat(store.search(new CallQuery("hello", null, null, "200", "recording", 50, null)).calls()).hasSize(4);

        List<String> seen = new ArrayList<>();
        CallQuery q = CallQueryBuilder.all().limit(3).build();
        CallPage page;
        int pages = 0;
        do {
            page = store.search(q);
            page.calls().forEach(c -> seen.add(c.id()));
            q = CallQueryBuilder.from(q).cursor(page.nextCursor()).build();
            pages++;
        } while (page.nextCursor() != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("call-6", "call-5", "call-4", "call-3", "call-2", "call-1", "call-0");

        List<String> ranked = new ArrayList<>();
        q = CallQueryBuilder.text("hello").limit(2).build();
        do {
            page = store.search(q);
            page.calls().forEach(c -> ranked.add(c.id()));
            q = CallQueryBuilder.from(q).cursor(page.nextCursor()).build();
        } while (page.nextCursor() != null);
        assertThat(ranked).hasSize(7).doesNotHaveDuplicates();

        assertThatThrownBy(() -> store.search(CallQueryBuilder.all().cursor("garbage!").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
    }

    @Test
    void deleteAndRetentionRemoveEverything() {
        store.write(call("old", T0, "spool", Map.of("caller", "1"), "an old complaint"));
        store.write(call("new", T0.plus(Duration.ofDays(100)), "spool", Map.of(), "a new complaint"));
        store.write(List.of(new StoreWrite.CallStart("running", T0, "spool", Map.of()),
                new StoreWrite.FinalLine("running", 0, fin("running", null, "still a complaint", 0))));

        assertThat(store.deleteEndedBefore(T0.plus(Duration.ofDays(50)))).containsExactly("old");
        assertThat(store.find("old")).isEmpty();
        assertThat(store.search(CallQueryBuilder.text("complaint").build()).calls()).extracting(StoredCall::id)
                .containsExactlyInAnyOrder("new", "running");
        assertThat(store.search(new CallQuery(null, null, null, "1", null, 50, null)).calls()).isEmpty();

        assertThat(store.delete("new")).isTrue();
        assertThat(store.delete("new")).isFalse();
        assertThat(store.find("new")).isEmpty();
        assertThat(store.search(CallQueryBuilder.text("complaint").build()).calls()).extracting(StoredCall::id).containsExactly("running");
        // the same id can be used again after a delete
        store.write(call("new", T0, "spool", Map.of(), "fresh words"));
        assertThat(store.search(CallQueryBuilder.text("complaint").build()).calls()).extracting(StoredCall::id).containsExactly("running");
        assertThat(store.search(CallQueryBuilder.text("fresh").build()).calls()).extracting(StoredCall::id).containsExactly("new");
    }

    @Test
    void aFinalWhoseStartWasLostStillMakesACall() {
        store.write(List.of(new StoreWrite.FinalLine("orphan", 0, fin("orphan", null, "words without a start", 0))));
        assertThat(store.find("orphan").orElseThrow().finals()).hasSize(1);
    }

    @Test
    void callsSurviveReopening() throws Exception {
        store.write(call("kept", T0, "spool", Map.of(), "please keep this transcript"));
        store.close();
        store = reopen();
        assertThat(store.search(CallQueryBuilder.text("transcript").build()).calls()).extracting(StoredCall::id).containsExactly("kept");
        assertThat(store.find("kept").orElseThrow().finals()).hasSize(1);
    }

    @Test
    void textSearchPagesNewestFirstAndRanksWithinThePage() {
        // 12 calls a minute apart, all saying "parcel"; the odd ones say it three times
        for (int i = 0; i < 12; i++) {
            store.write(call("p" + i, T0.plusSeconds(60L * i), "spool", Map.of("caller", i < 6 ? "+491" : "+492"),
                    i % 2 == 1 ? "parcel parcel parcel" : "my parcel is late", "thanks goodbye"));
        }
        CallPage first = store.search(CallQueryBuilder.text("parcel").limit(4).build());
        // the newest four (p11..p8), the ones saying it most first, then newest first among equals
        assertThat(first.calls()).extracting(StoredCall::id).containsExactly("p11", "p9", "p10", "p8");
        List<String> all = new ArrayList<>(first.calls().stream().map(StoredCall::id).toList());
        CallQuery q = CallQueryBuilder.text("parcel").limit(4).cursor(first.nextCursor()).build();
        CallPage page;
        do {
            page = store.search(q);
            all.addAll(page.calls().stream().map(StoredCall::id).toList());
            q = CallQueryBuilder.from(q).cursor(page.nextCursor()).build();
        } while (page.nextCursor() != null);
        assertThat(all).hasSize(12).doesNotHaveDuplicates();
        assertThat(all.subList(4, 8)).containsExactlyInAnyOrder("p7", "p6", "p5", "p4");

        // words with a date range, with a number, with both, with a source: each newest first
        assertThat(store.search(new CallQuery("parcel", T0.plusSeconds(120), T0.plusSeconds(300), null, null, 50, null))
                .calls()).extracting(StoredCall::id).containsExactlyInAnyOrder("p2", "p3", "p4");
        assertThat(store.search(new CallQuery("late", null, null, "+491", null, 50, null)).calls())
                .extracting(StoredCall::id).containsExactly("p4", "p2", "p0");
        assertThat(store.search(new CallQuery("late", T0.plusSeconds(60), null, "+491", "spool", 2, null)).calls())
                .extracting(StoredCall::id).containsExactly("p4", "p2");
        assertThat(store.search(new CallQuery("late", null, null, null, "audiosocket", 50, null)).calls()).isEmpty();
        CallPage byNumber = store.search(new CallQuery(null, null, null, "+492", null, 4, null));
        assertThat(byNumber.calls()).extracting(StoredCall::id).containsExactly("p11", "p10", "p9", "p8");
        assertThat(store.search(new CallQuery(null, null, null, "+492", null, 4, byNumber.nextCursor())).calls())
                .extracting(StoredCall::id).containsExactly("p7", "p6");
    }

    @Test
    void callsStartingInTheSameMillisecondAllPage() {
        for (int i = 0; i < 5; i++) {
            store.write(call("same-" + i, T0, "spool", Map.of(), "same moment"));
        }
        List<String> seen = new ArrayList<>();
        for (CallQuery q : List.of(CallQueryBuilder.all().limit(2).build(), CallQueryBuilder.text("moment").limit(2).build())) {
            CallPage page;
            do {
                page = store.search(q);
                page.calls().forEach(c -> seen.add(c.id()));
                q = CallQueryBuilder.from(q).cursor(page.nextCursor()).build();
            } while (page.nextCursor() != null);
        }
        assertThat(seen).hasSize(10);
        assertThat(new HashSet<>(seen)).hasSize(5);
    }

    @Test
    void dtmfKeysAreStoredWithTheCall() {
        List<StoreWrite> w = new ArrayList<>(call("keys", T0, "ari", Map.of(), "press one for sales"));
        w.add(1, new StoreWrite.DtmfKey("keys", 0, new TranscriptEvent.Dtmf("keys", T0.plusSeconds(4), "caller", "1", 3.5)));
        w.add(2, new StoreWrite.DtmfKey("keys", 1, new TranscriptEvent.Dtmf("keys", T0.plusSeconds(5), "caller", "#", 4.25)));
        store.write(w);
        store.write(w); // again: nothing doubles
        StoredTranscript t = store.find("keys").orElseThrow();
        assertThat(t.dtmf()).extracting(TranscriptEvent.Dtmf::digit).containsExactly("1", "#");
        assertThat(t.dtmf().get(1).start()).isEqualTo(4.25);
        assertThat(t.dtmf().get(1).speaker()).isEqualTo("caller");
        assertThat(t.dtmf().get(1).at()).isEqualTo(T0.plusSeconds(5));
        assertThat(t.snapshot().dtmf()).hasSize(2);
        assertThat(store.delete("keys")).isTrue();
        store.write(call("keys", T0, "ari", Map.of(), "again"));
        assertThat(store.find("keys").orElseThrow().dtmf()).isEmpty();
    }

    @Test
    void callsLeftOpenAreEndedAsIncompleteOnlyForTheirOwnInstance() throws Exception {
        try (TranscriptStore other = openAs("other-host:/var/lib/callscribe")) {
            store.write(List.of(new StoreWrite.CallStart("mine", T0, "spool", Map.of()),
                    new StoreWrite.FinalLine("mine", 0, fin("mine", null, "cut short here", 2.0))));
            store.write(call("mine-done", T0, "spool", Map.of(), "finished properly"));
            other.write(List.of(new StoreWrite.CallStart("theirs", T0, "spool", Map.of())));
            Instant now = T0.plusSeconds(3600);
            store.write(List.of(new StoreWrite.CallStart("mine-new", now, "spool", Map.of())));

            assertThat(store.endLeftOpen(now, "incomplete: test")).containsExactly("mine");

            StoredCall mine = store.find("mine").orElseThrow().call();
            assertThat(mine.endReason()).isEqualTo("incomplete: test");
            assertThat(mine.ended()).isEqualTo(fin("mine", null, "cut short here", 2.0).at());
            assertThat(mine.durationSeconds()).isGreaterThan(2.0);
            assertThat(store.find("mine-done").orElseThrow().call().endReason()).isEqualTo("hangup");
            assertThat(store.find("theirs").orElseThrow().call().ended()).isNull();
            assertThat(store.find("mine-new").orElseThrow().call().ended()).isNull();
            assertThat(store.endLeftOpen(now, "incomplete: test")).isEmpty();
            assertThat(other.endLeftOpen(now, "incomplete: theirs")).containsExactly("theirs");

            // transcribed again (a cut spool recording after the restart): live again, then ended anew
            store.write(List.of(new StoreWrite.CallStart("mine", now.plusSeconds(5), "spool", Map.of())));
            assertThat(store.find("mine").orElseThrow().call().ended()).isNull();
            assertThat(store.search(CallQueryBuilder.text("cut").build()).calls()).extracting(StoredCall::id).containsExactly("mine");
        }
    }
}
