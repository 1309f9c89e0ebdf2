package io.callscribe.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.Word;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.MetricsSink;
import io.callscribe.sink.SinkFanout;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private CallRegistry registry;
    private PrometheusMeterRegistry prometheus;
    private MetricsSink metrics;
    private SinkFanout sink;
    private io.callscribe.testing.SessionFeed feed;
    private WebServer server;

    @BeforeEach
    void start() {
        registry = new CallRegistry(3);
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new MetricsSink(prometheus).lagFrom(registry::maxLagSeconds);
        sink = new SinkFanout(List.of(registry, metrics));
        feed = new io.callscribe.testing.SessionFeed(sink);
        server = WebServer.start(new WebSettings("127.0.0.1", 0, null), registry, prometheus);
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

    private void playFinishedCall(String id, String text) {
        feed.accept(new TranscriptEvent.CallStarted(id, T0, "file:" + id + ".wav"));
        feed.accept(new TranscriptEvent.Partial(id, T0.plusSeconds(1), "caller", text.split(" ")[0]));
        feed.accept(new TranscriptEvent.Final(id, T0.plusSeconds(2), "caller", text, 0.5, 2.25,
                List.of(new Word(text.split(" ")[0], 0.5, 1.0, 0.9))));
        feed.accept(new TranscriptEvent.CallError(id, T0.plusSeconds(3), "recogniser connection lost"));
        feed.accept(new TranscriptEvent.CallEnded(id, T0.plusSeconds(4), 4.0, "recording closed"));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body());
    }

    @Test
    void listsLiveAndFinishedCallsWithSearchAndFilter() throws Exception {
        playFinishedCall("done-1", "the parcel arrived damaged");
        feed.accept(new TranscriptEvent.CallStarted("live-1", T0, "audiosocket:abc"));
        feed.accept(new TranscriptEvent.Final("live-1", T0, null, "I want a refund", 1.0, 3.5, List.of()));
        registry.attach("live-1", new CallControl("vosk ws://127.0.0.1:2700", () -> { }, () -> 1.25, () -> 7.5));

        JsonNode all = json(get("/calls")).get("calls");
        assertThat(all).hasSize(2);
        JsonNode live = all.get(0);
        assertThat(live.get("id").asText()).isEqualTo("live-1");
        assertThat(live.get("live").asBoolean()).isTrue();
        assertThat(live.get("recognizer").asText()).isEqualTo("vosk ws://127.0.0.1:2700");
        assertThat(live.get("lag_seconds").asDouble()).isEqualTo(1.25);
        assertThat(live.get("audio_seconds").asDouble()).isEqualTo(7.5);
        assertThat(live.get("source").asText()).isEqualTo("audiosocket:abc");
        JsonNode done = all.get(1);
        assertThat(done.get("live").asBoolean()).isFalse();
        assertThat(done.get("ended").asText()).isEqualTo(T0.plusSeconds(4).toString());
        assertThat(done.get("audio_seconds").asDouble()).isEqualTo(4.0);
        assertThat(done.get("finals").asInt()).isEqualTo(1);
        assertThat(done.get("errors").asInt()).isEqualTo(1);

        assertThat(json(get("/calls?q=DAMAGED")).get("calls")).extracting(n -> n.get("id").asText()).containsExactly("done-1");
        assertThat(json(get("/calls?q=refund")).get("calls")).extracting(n -> n.get("id").asText()).containsExactly("live-1");
        assertThat(json(get("/calls?q=2025-05-01")).get("calls")).hasSize(2);
        assertThat(json(get("/calls?live=false")).get("calls")).extracting(n -> n.get("id").asText()).containsExactly("done-1");
        assertThat(json(get("/calls?live=true")).get("calls")).extracting(n -> n.get("id").asText()).containsExactly("live-1");
        assertThat(get("/calls?live=maybe").statusCode()).isEqualTo(400);
    }

    @Test
    void keepsOnlyTheLastFinishedCalls() throws Exception {
        for (int i = 1; i <= 5; i++) {
            playFinishedCall("c" + i, "call number " + i);
        }
        assertThat(json(get("/calls")).get("calls")).extracting(n -> n.get("id").asText()).containsExactly("c5", "c4", "c3");
        assertThat(get("/calls/c1").statusCode()).isEqualTo(404);
    }

    @Test
    void servesATranscriptInThreeFormats() throws Exception {
        playFinishedCall("call.42", "hello there general");

        HttpResponse<String> j = get("/calls/call.42");
        assertThat(j.statusCode()).isEqualTo(200);
        assertThat(j.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode t = json(j);
        assertThat(t.get("call").asText()).isEqualTo("call.42");
        assertThat(t.get("finals").get(0).get("text").asText()).isEqualTo("hello there general");
        assertThat(t.get("finals").get(0).get("speaker").asText()).isEqualTo("caller");
        assertThat(t.get("errors").get(0).asText()).isEqualTo("recogniser connection lost");

        HttpResponse<String> txt = get("/calls/call.42?format=txt&download=1");
        assertThat(txt.body()).isEqualTo("hello there general\n");
        assertThat(txt.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"call.42.txt\"");

        HttpResponse<String> vtt = get("/calls/call.42?format=vtt");
        assertThat(vtt.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/vtt"));
        assertThat(vtt.body()).startsWith("WEBVTT\n").contains("00:00:00.500 --> 00:00:02.250\n<v caller>hello there general");

        HttpResponse<String> bad = get("/calls/call.42?format=pdf");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).contains("json, txt or vtt");
    }

    @Test
    void rejectsBadIdsAndReportsUnknownOnes() throws Exception {
        for (String path : List.of("/calls/..%2F..%2Fetc%2Fpasswd", "/calls/.hidden", "/calls/a%20b", "/calls/%2E%2E")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isIn(400, 404);
            assertThat(r.body()).as(path).startsWith("{");
            assertThat(json(r).has("error")).as(path).isTrue();
            assertThat(r.body()).doesNotContain("root:");
        }
        assertThat(get("/calls/.hidden").statusCode()).isEqualTo(400);
        assertThat(get("/calls/-dash").statusCode()).isEqualTo(400);
        assertThat(post("/calls/bad%20id/hangup").statusCode()).isEqualTo(400);
        assertThat(get("/feed?call=../x").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = get("/calls/nobody");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("no call 'nobody'");
        HttpResponse<String> noRoute = get("/nowhere");
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(json(noRoute).has("error")).isTrue();
    }

    @Test
    void hangupStopsALiveCallOnly() throws Exception {
        AtomicInteger stops = new AtomicInteger();
        feed.accept(new TranscriptEvent.CallStarted("live-2", T0, "x"));
        registry.registerHangup("live-2", stops::incrementAndGet);
        playFinishedCall("ended-2", "bye");
        feed.accept(new TranscriptEvent.CallStarted("nohook", T0, "x"));

        assertThat(post("/calls/live-2/hangup").statusCode()).isEqualTo(202);
        assertThat(stops).hasValue(1);
        assertThat(post("/calls/ghost/hangup").statusCode()).isEqualTo(404);
        HttpResponse<String> ended = post("/calls/ended-2/hangup");
        assertThat(ended.statusCode()).isEqualTo(409);
        assertThat(json(ended).get("error").asText()).contains("already ended");
        assertThat(post("/calls/nohook/hangup").statusCode()).isEqualTo(409);

        feed.accept(new TranscriptEvent.CallEnded("live-2", T0, 1, "hangup"));
        assertThat(post("/calls/live-2/hangup").statusCode()).isEqualTo(409);
        assertThat(stops).hasValue(1);
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(json(get("/ready")).get("ready").asBoolean()).isTrue();
        server.readiness(() -> Readiness.notReady("vosk server at ws://127.0.0.1:2700 unreachable"));
        HttpResponse<String> r = get("/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("error").asText()).contains("unreachable");
        server.readiness(() -> { throw new IllegalStateException("probe broke"); });
        assertThat(get("/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void metricsCarryTheDocumentedNames() throws Exception {
        playFinishedCall("m1", "one two three");
        feed.accept(new TranscriptEvent.CallStarted("m2", T0, "x"));
        feed.accept(new TranscriptEvent.CallError("m2", T0, "cannot read audio source: truncated WAV header"));
        registry.attach("m2", new CallControl("vosk", null, () -> 2.5, null));
        metrics.webhookFailed();
        metrics.reconnected();

        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        String body = r.body();
        assertThat(body).contains("callscribe_calls_live 1.0", "callscribe_calls_total 2.0",
                "callscribe_audio_seconds_total 4.0", "callscribe_recognised_seconds_total 1.75",
                "callscribe_lag_seconds 2.5", "callscribe_errors_total{kind=\"recogniser\"} 1.0",
                "callscribe_errors_total{kind=\"audio\"} 1.0", "callscribe_errors_total{kind=\"other\"} 0.0",
                "callscribe_webhook_failures_total 1.0", "callscribe_reconnects_total 1.0");
    }

    @Test
    void feedReplaysLiveCallsThenStreamsEvents() throws Exception {
        feed.accept(new TranscriptEvent.CallStarted("f1", T0, "src"));
        feed.accept(new TranscriptEvent.Final("f1", T0, null, "before subscribing", 0, 1, List.of()));
        feed.accept(new TranscriptEvent.Partial("f1", T0, null, "half a sen"));
        playFinishedCall("old", "not replayed");

        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "feed")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        BlockingQueue<String> lines = readLines(r.body());

        assertThat(next(lines, "event:")).isEqualTo("event: snapshot");
        assertThat(data(lines).get("events").asInt()).isEqualTo(3);
        JsonNode start = data(lines);
        assertThat(start.get("event").asText()).isEqualTo("call_start");
        assertThat(start.get("call").asText()).isEqualTo("f1");
        assertThat(data(lines).get("text").asText()).isEqualTo("before subscribing");
        JsonNode partial = data(lines);
        assertThat(partial.get("event").asText()).isEqualTo("partial");
        assertThat(partial.get("text").asText()).isEqualTo("half a sen");

        TranscriptEvent.Final live = new TranscriptEvent.Final("f1", T0.plusSeconds(5), "agent", "after subscribing",
                1.5, 2.5, List.of(new Word("after", 1.5, 2.0, 1.0)));
        feed.accept(live);
        String line = next(lines, "data:");
        assertThat(line).isEqualTo("data: " + EventJson.toLine(live));
        feed.accept(new TranscriptEvent.CallEnded("f1", T0.plusSeconds(6), 3, "hangup"));
        assertThat(data(lines).get("event").asText()).isEqualTo("call_end");
        assertThat(registry.subscriberCount()).isEqualTo(1);
    }

    @Test
    void feedOfOneCallReplaysItEvenWhenFinishedAndIgnoresOthers() throws Exception {
        playFinishedCall("one", "only this call");
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "feed?call=one")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BlockingQueue<String> lines = readLines(r.body());
        assertThat(next(lines, "event:")).isEqualTo("event: snapshot");
        assertThat(data(lines).get("events").asInt()).isEqualTo(4);
        List<String> kinds = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            kinds.add(data(lines).get("event").asText());
        }
        assertThat(kinds).containsExactly("call_start", "final", "error", "call_end");
        feed.accept(new TranscriptEvent.CallStarted("other", T0, "x"));
        feed.accept(new TranscriptEvent.CallError("one", T0, "late error"));
        assertThat(data(lines).get("message").asText()).isEqualTo("late error");
    }

    @Test
    void slowFollowerIsDroppedWithoutBlockingTheCall() throws Exception {
        FeedSubscription slow = registry.subscribe(null, 5);
        for (int i = 0; i < 100; i++) {
            feed.accept(new TranscriptEvent.Partial("busy", T0, null, "word " + i));
        }
        assertThat(slow.isOpen()).isFalse();
        assertThat(slow.closeReason()).contains("behind");
        assertThat(registry.subscriberCount()).isZero();
        assertThat(slow.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void tokenIsRequiredEverywhereButHealthWhenConfigured() throws Exception {
        server.close();
        server = WebServer.start(new WebSettings("127.0.0.1", 0, "s3cret-token"), registry, prometheus);
        playFinishedCall("tok", "secret words");

        assertThat(get("/health").statusCode()).isEqualTo(200);
        for (String path : List.of("/calls", "/calls/tok", "/metrics", "/ready", "/feed")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(json(r).get("error").asText()).as(path).contains("token");
        }
        assertThat(get("/calls?token=wrong").statusCode()).isEqualTo(401);
        assertThat(post("/calls/tok/hangup").statusCode()).isEqualTo(401);
        assertThat(get("/calls?token=s3cret-token").statusCode()).isEqualTo(200);
        HttpResponse<String> withHeader = http.send(HttpRequest.newBuilder(URI.create(server.url() + "calls/tok"))
                .header("Authorization", "Bearer s3cret-token").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withHeader.statusCode()).isEqualTo(200);
        assertThat(json(withHeader).get("call").asText()).isEqualTo("tok");
        // The page itself holds no call data and must load to ask for the token.
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/app.js").statusCode()).isEqualTo(200);
    }

    @Test
    void deletingNeedsATokenAndAnEndedCall() throws Exception {
        java.util.List<String> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.removeFiles(removed::add);
        playFinishedCall("done", "old words");
        // no --token: nobody may delete, even from loopback
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(server.url() + "calls/done"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(json(noToken).get("error").asText()).contains("--token");

        server.close();
        server = WebServer.start(new WebSettings("127.0.0.1", 0, "s3cret-token"), registry, prometheus);
        server.removeFiles(removed::add);
        feed.accept(new TranscriptEvent.CallStarted("running", T0, "audiosocket"));
        java.util.function.Function<String, HttpResponse<String>> delete = id -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(server.url() + "calls/" + id))
                        .header("Authorization", "Bearer s3cret-token").DELETE().build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
        assertThat(delete.apply("running").statusCode()).isEqualTo(409);
        assertThat(json(delete.apply("running")).get("error").asText()).contains("hang it up first");
        assertThat(registry.isLive("running")).isTrue();
        assertThat(removed).isEmpty();

        HttpResponse<String> ok = delete.apply("done");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(removed).containsExactly("done");
        assertThat(delete.apply("done").statusCode()).isEqualTo(404);
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutToken() {
        assertThat(new WebSettings("0.0.0.0", 0, null).tokenRequired()).isTrue();
        assertThat(new WebSettings("127.0.0.1", 0, "t").tokenRequired()).isTrue();
        assertThat(new WebSettings("localhost", 0, null).tokenRequired()).isFalse();
        assertThatThrownBy(() -> WebServer.start(new WebSettings("0.0.0.0", 0, null), registry, prometheus))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0")
                .hasMessageContaining("access token");
        assertThatThrownBy(() -> WebServer.start(new WebSettings("::", 0, "  "), registry, prometheus))
                .hasMessageContaining("access token");
    }

    @Test
    void servesTheDashboard() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"app.js\"></script>");
        assertThat(get("/style.css").statusCode()).isEqualTo(200);
        assertThat(get("/app.js").body()).doesNotContain("innerHTML");
    }

    // ---- SSE reading helpers ----

    private static BlockingQueue<String> readLines(InputStream in) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // connection closed at test end
            }
        });
        return lines;
    }

    private static String next(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("feed line starting with " + prefix).isNotNull();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    private static JsonNode data(BlockingQueue<String> lines) throws Exception {
        return EventJson.MAPPER.readTree(next(lines, "data:").substring(5).strip());
    }
}
