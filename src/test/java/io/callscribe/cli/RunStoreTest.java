package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.StoreSink;
import io.callscribe.store.PostgresStore;
import io.callscribe.store.StoreWrite;
import io.callscribe.store.Stores;
import io.callscribe.store.TranscriptStore;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.LocalPostgres;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code callscribe run} with its transcript store: restarts, a shared PostgreSQL, delete and retention. */
class RunStoreTest {

    /** ScriptedVoskServer names each 0.2 s block of audio by its first sample: an index into this list. */
    static final List<String> VOCABULARY = List.of("hello", "refund", "please", "parcel", "missing", "today",
            "invoice", "wrong", "thanks", "goodbye", "order", "banana");
    private static final String TOKEN = "s3cret-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static ScriptedVoskServer vosk() throws Exception {
        return ScriptedVoskServer.start().namesFromAudio(i -> i < VOCABULARY.size() ? VOCABULARY.get(i) : "x" + i);
    }

    /** 8 kHz audio in which the scripted recogniser hears {@code words}, one per 3200-byte block. */
    static byte[] saying(String... words) {
        byte[] pcm = new byte[words.length * RunHarness.BYTES_PER_WORD];
        for (int w = 0; w < words.length; w++) {
            int index = VOCABULARY.indexOf(words[w]);
            if (index < 0) {
                throw new IllegalArgumentException(words[w] + " is not in the test vocabulary");
            }
            int base = w * RunHarness.BYTES_PER_WORD;
            for (int i = 0; i < RunHarness.BYTES_PER_WORD / 2; i++) {
                short v = i == 0 ? (short) index : (short) (3000 * Math.sin(i * 0.05) + 100);
                pcm[base + 2 * i] = (byte) v;
                pcm[base + 2 * i + 1] = (byte) (v >> 8);
            }
        }
        return pcm;
    }

    static String call(RunCommand.Service service, String... words) throws Exception {
        UUID id = UUID.randomUUID();
        try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
            call.sendAudio(8000, saying(words)).hangup();
        }
        return id.toString();
    }

    static RunCommand.Service run(ScriptedVoskServer vosk, Path out, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--asr", vosk.uri().toString(), "--spool", "off",
                "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--out-dir", out.toString(), "--token", TOKEN));
        args.addAll(List.of(more));
        return RunHarness.start(args.toArray(String[]::new));
    }

    static HttpResponse<String> request(RunCommand.Service s, String method, String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(RunCommand.Service s, String path) throws Exception {
        HttpResponse<String> r = request(s, "GET", path, true);
        assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
        return EventJson.MAPPER.readTree(r.body());
    }

    static List<String> ids(JsonNode list) {
        return list.get("calls").findValuesAsText("id");
    }

    static String q(String text) {
        return "/calls?live=false&q=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void finishedCallsSurviveARestartSearchableAndAreDeletedWithTheirFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        String refund;
        String parcel;
        try (ScriptedVoskServer vosk = vosk()) {
            try (RunCommand.Service service = run(vosk, out)) {
                refund = call(service, "hello", "refund", "please", "thanks", "goodbye", "hello");
                String first = refund;
                // one after the other, so that "newest first" has one answer
                await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out.resolve(first + ".json")));
                parcel = call(service, "parcel", "missing", "today");
                await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out.resolve(refund + ".json"))
                        && Files.exists(out.resolve(parcel + ".json")));
            }
            assertThat(out.resolve("calls.db")).exists();
            try (RunCommand.Service again = run(vosk, out)) {
                JsonNode found = json(again, q("refund"));
                assertThat(ids(found)).containsExactly(refund);
                JsonNode match = found.get("calls").get(0).get("match");
                assertThat(match.get("text").asText()).isEqualTo("hello refund please");
                JsonNode span = match.get("highlights").get(0);
                assertThat(match.get("text").asText().substring(span.get(0).asInt(), span.get(1).asInt())).isEqualTo("refund");
                assertThat(found.get("calls").get(0).get("live").asBoolean()).isFalse();
                assertThat(found.get("calls").get(0).get("recognizer").asText()).isNotEmpty();
                assertThat(ids(json(again, q("Missing")))).containsExactly(parcel);
                assertThat(ids(json(again, "/calls?live=false"))).containsExactly(parcel, refund);
                assertThat(ids(json(again, q("banana")))).isEmpty();
                // by kind of source: these are AudioSocket calls (their stored source is "audiosocket call <uuid> from ...")
                assertThat(found.get("calls").get(0).get("source").asText()).startsWith("audiosocket call ");
                assertThat(ids(json(again, "/calls?live=false&source=audiosocket"))).containsExactly(parcel, refund);
                assertThat(ids(json(again, q("refund") + "&source=AudioSocket"))).containsExactly(refund);
                assertThat(ids(json(again, "/calls?live=false&source=ari"))).isEmpty();

                JsonNode page1 = json(again, "/calls?live=false&limit=1");
                assertThat(ids(page1)).containsExactly(parcel);
                JsonNode page2 = json(again, "/calls?live=false&limit=1&cursor=" + page1.get("next_cursor").asText());
                assertThat(ids(page2)).containsExactly(refund);
                assertThat(page2.get("next_cursor").isNull()).isTrue();
                assertThat(request(again, "GET", "/calls?limit=0", true).statusCode()).isEqualTo(400);
                assertThat(request(again, "GET", "/calls?from=yesterday", true).body()).contains("from must be a date");

                JsonNode transcript = json(again, "/calls/" + refund);
                assertThat(transcript.get("finals")).hasSize(2);
                assertThat(transcript.get("finals").get(1).get("text").asText()).isEqualTo("thanks goodbye hello");
                assertThat(request(again, "GET", "/calls/" + refund + "?format=txt", true).body()).contains("hello refund please");

                assertThat(request(again, "DELETE", "/calls/" + refund, false).statusCode()).isEqualTo(401);
                HttpResponse<String> deleted = request(again, "DELETE", "/calls/" + refund, true);
                assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
                assertThat(out.resolve(refund + ".json")).doesNotExist();
                assertThat(out.resolve(refund + ".txt")).doesNotExist();
                assertThat(out.resolve(refund + ".vtt")).doesNotExist();
                assertThat(ids(json(again, q("refund")))).isEmpty();
                assertThat(request(again, "GET", "/calls/" + refund, true).statusCode()).isEqualTo(404);
                assertThat(request(again, "DELETE", "/calls/" + refund, true).statusCode()).isEqualTo(404);
                assertThat(out.resolve(parcel + ".json")).exists();
            }
        }
    }

    @Test
    void retentionDeletesCallsThatEndedLongerAgo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        try (ScriptedVoskServer vosk = vosk()) {
            String old;
            try (RunCommand.Service service = run(vosk, out)) {
                old = call(service, "invoice", "wrong", "today");
                await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out.resolve(old + ".json")));
            }
            Thread.sleep(2100);
            try (RunCommand.Service service = run(vosk, out, "--retain", "2s")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(out.resolve(old + ".json")));
                String fresh = call(service, "invoice", "thanks", "goodbye");
                await().atMost(Duration.ofSeconds(15)).until(() -> ids(json(service, q("invoice"))).contains(fresh));
                assertThat(ids(json(service, q("invoice")))).containsExactly(fresh);
                assertThat(out.resolve(old + ".txt")).doesNotExist();
            }
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> RunHarness.start("--retain", "forever",
                "--spool", "off", "--http", "off", "--audiosocket", "off", "--out-dir", dir.resolve("x").toString())))
                .hasMessageContaining("--retain: 'forever'");
    }

    @Test
    @Tag("postgresql")
    void twoInstancesOnOnePostgresFindEachOthersCalls(@TempDir Path dir) throws Exception {
        String url = LocalPostgres.get().newDatabase();
        try (ScriptedVoskServer vosk = vosk();
             RunCommand.Service a = run(vosk, dir.resolve("a"), "--store", url);
             RunCommand.Service b = run(vosk, dir.resolve("b"), "--store", url)) {
            String fromA = call(a, "hello", "order", "missing");
            String fromB = call(b, "order", "thanks", "goodbye");
            for (RunCommand.Service s : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> ids(json(s, q("order"))).size() == 2);
                assertThat(ids(json(s, q("order")))).containsExactlyInAnyOrder(fromA, fromB);
                assertThat(ids(json(s, q("missing")))).containsExactly(fromA);
                assertThat(json(s, "/calls/" + fromB).get("finals").get(0).get("text").asText()).isEqualTo("order thanks goodbye");
            }
        }
    }

    /**
     * PostgreSQL stops (as a database host going away) in the middle of a call of {@code callscribe run}: the call
     * goes on and ends as usual with its files, the API says the store is unavailable and the metric shows it, and
     * when the database is back every final of the call is in it.
     */
    @Test
    @Tag("postgresql")
    void theDatabaseGoingAwayMidCallNeitherStallsTheCallNorLosesAFinal(@TempDir Path dir) throws Exception {
        LocalPostgres pg = LocalPostgres.get();
        String url = pg.newDatabase();
        Path out = dir.resolve("out");
        UUID id = UUID.randomUUID();
        try (CapturedLog sinkLog = CapturedLog.of(StoreSink.class); CapturedLog poolLog = CapturedLog.of("com.zaxxer.hikari");
             ScriptedVoskServer vosk = vosk(); RunCommand.Service service = run(vosk, out, "--store", url);
             TranscriptStore observer = PostgresStore.open(url, "observer")) {
            try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
                call.sendAudio(8000, saying("hello", "refund", "please"));
                await().atMost(Duration.ofSeconds(15)).until(() -> observer.find(id.toString())
                        .map(t -> t.finals().size()).orElse(0) == 1);
                pg.stop();
                try {
                    long t0 = System.nanoTime();
                    call.sendAudio(8000, saying("parcel", "missing", "today", "order", "thanks", "goodbye")).hangup();
                    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(out.resolve(id + ".json")));
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
                    JsonNode file = RunHarness.readJson(out.resolve(id + ".json"));
                    assertThat(file.get("end_reason").asText()).isEqualTo("hangup");
                    assertThat(file.get("finals").findValuesAsText("text"))
                            .containsExactly("hello refund please", "parcel missing today", "order thanks goodbye");
                    await().atMost(Duration.ofSeconds(15)).until(() ->
                            request(service, "GET", "/metrics", true).body().contains("callscribe_store_up 0.0"));
                    HttpResponse<String> list = request(service, "GET", "/calls?live=false", true);
                    assertThat(list.statusCode()).as(list.body()).isEqualTo(503);
                    assertThat(list.body()).contains("transcript store unavailable");
                } finally {
                    pg.start();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> observer.find(id.toString())
                    .map(t -> t.call().ended() != null).orElse(false));
            assertThat(observer.find(id.toString()).orElseThrow().finals()).extracting(TranscriptEvent.Final::text)
                    .containsExactly("hello refund please", "parcel missing today", "order thanks goodbye");
            assertThat(observer.find(id.toString()).orElseThrow().call().endReason()).isEqualTo("hangup");
            assertThat(ids(json(service, q("missing")))).containsExactly(id.toString());
            assertThat(request(service, "GET", "/metrics", true).body()).contains("callscribe_store_up 1.0");
            // the outage in one line when it starts and one when it ends; no stack traces from the pool
            assertThat(sinkLog.matching(" is failing: ")).hasSize(1);
            // the "is back" line comes from the sink's writer once its retry got through, which may be just after
            // the store answers the search above
            await().atMost(Duration.ofSeconds(15)).until(() -> !sinkLog.matching(" is back after ").isEmpty());
            assertThat(sinkLog.matching(" is back after ")).hasSize(1);
            assertThat(poolLog.withStackTrace()).isEmpty();
        }
    }

    @Test
    @Tag("postgresql")
    void atStartCallsThisInstanceLeftOpenEndIncompleteAndOthersStayLive(@TempDir Path dir) throws Exception {
        String url = LocalPostgres.get().newDatabase();
        Path outA = dir.resolve("a");
        String nameA = Stores.defaultInstance() + ":" + outA.toAbsolutePath();
        String nameB = Stores.defaultInstance() + ":" + dir.resolve("b").toAbsolutePath();
        java.time.Instant t0 = java.time.Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        // as a killed instance A and a running instance B left them, with A's call having pressed keys
        try (TranscriptStore a = PostgresStore.open(url, nameA); TranscriptStore b = PostgresStore.open(url, nameB)) {
            a.write(List.of(new StoreWrite.CallStart("cut-a", t0, "audiosocket", java.util.Map.of()),
                    new StoreWrite.FinalLine("cut-a", 0, new TranscriptEvent.Final("cut-a", t0.plusSeconds(3), null,
                            "hello refund", 0.5, 2.5, List.of())),
                    new StoreWrite.DtmfKey("cut-a", 0, new TranscriptEvent.Dtmf("cut-a", t0.plusSeconds(4), null, "5", 3.0))));
            b.write(List.of(new StoreWrite.CallStart("live-b", t0, "audiosocket", java.util.Map.of())));
        }
        try (ScriptedVoskServer vosk = vosk(); RunCommand.Service a = run(vosk, outA, "--store", url)) {
            JsonNode cut = json(a, "/calls/cut-a");
            assertThat(cut.get("end_reason").asText()).startsWith("incomplete");
            assertThat(cut.get("ended").asText()).isEqualTo(t0.plusSeconds(3).toString());
            assertThat(cut.get("dtmf").get(0).get("digit").asText()).isEqualTo("5");
            JsonNode live = json(a, "/calls/live-b");
            assertThat(live.has("end_reason") && !live.get("end_reason").isNull()).as(live.toString()).isFalse();
            assertThat(json(a, "/calls?live=false").get("calls").findValuesAsText("id")).contains("cut-a", "live-b");
        }
    }
}
