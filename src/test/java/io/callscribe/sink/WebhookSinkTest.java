package io.callscribe.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.callscribe.event.Word;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WebhookSinkTest {

    private final java.util.Map<TranscriptSink, io.callscribe.testing.SessionFeed> feeds = new java.util.IdentityHashMap<>();

    /** Feeds the sink as a call session does (the call's transcript is the session's). */
    private io.callscribe.testing.SessionFeed feed(TranscriptSink sink) {
        return feeds.computeIfAbsent(sink, io.callscribe.testing.SessionFeed::new);
    }


    private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

    /** A received POST: headers of interest and the parsed body. */
    record Received(String event, String signature, String authorization, JsonNode body) {
    }

    private HttpServer server;
    private WebhookSink sink;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(2));
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private interface Responder {
        int status(int requestNumber) throws Exception;
    }

    private URI serve(Responder responder) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/hook", (HttpExchange ex) -> {
            try {
                byte[] body = ex.getRequestBody().readAllBytes();
                int status = responder.status(requests.incrementAndGet());
                if (status == 200) {
                    received.add(new Received(ex.getRequestHeaders().getFirst("X-Callscribe-Event"),
                            ex.getRequestHeaders().getFirst("X-Callscribe-Signature"),
                            ex.getRequestHeaders().getFirst("Authorization"),
                            EventJson.MAPPER.readTree(new String(body, StandardCharsets.UTF_8))));
                }
                ex.sendResponseHeaders(status, -1);
            } catch (Exception e) {
                ex.sendResponseHeaders(599, -1);
            } finally {
                ex.close();
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    /** A sink whose failures and drops are counted only in its own failed() and dropped(). */
    private static WebhookSink uncounted(WebhookSettings settings) {
        return new WebhookSink(settings, () -> { }, () -> { });
    }

    /** Run's settings (WebhookSettings.of) but with retries 10..50 ms apart and 5 s per request. */
    private static WebhookSettings fast(URI url) {
        return fast(url, false, 10_000, Duration.ofSeconds(5));
    }

    private static WebhookSettings fast(URI url, boolean partials, int queueCapacity, Duration requestTimeout) {
        return new WebhookSettings(url, partials, null, null, queueCapacity, 5, Duration.ofMillis(10), Duration.ofMillis(50),
                requestTimeout);
    }

    private void playCall(TranscriptSink s, String id) {
        feed(s).accept(new TranscriptEvent.CallStarted(id, T0, "file:a.wav"));
        feed(s).accept(new TranscriptEvent.Partial(id, T0, "caller", "hel"));
        feed(s).accept(new TranscriptEvent.Final(id, T0, "caller", "hello world", 0.5, 1.5,
                List.of(new Word("hello", 0.5, 1.0, 0.9), new Word("world", 1.0, 1.5, 0.8))));
        feed(s).accept(new TranscriptEvent.CallError(id, T0, "recogniser hiccup"));
        feed(s).accept(new TranscriptEvent.CallEnded(id, T0.plusSeconds(2), 2.0, "recording closed"));
    }

    @Test
    void postsEachKindAsJsonWithTranscriptAtTheEndAndASignature() throws Exception {
        URI url = serve(n -> 200);
        sink = uncounted(WebhookSettings.of(url, true, "Bearer abc", "k3y"));
        playCall(sink, "c1");

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 4);
        assertThat(received).extracting(Received::event).containsExactly("call_start", "partial", "final", "call_end");
        assertThat(received.get(0).body().get("source").asText()).isEqualTo("file:a.wav");
        assertThat(received.get(1).body().get("text").asText()).isEqualTo("hel");
        JsonNode fin = received.get(2).body();
        assertThat(fin.get("call").asText()).isEqualTo("c1");
        assertThat(fin.get("text").asText()).isEqualTo("hello world");
        assertThat(fin.get("words")).hasSize(2);
        JsonNode end = received.get(3).body();
        assertThat(end.get("event").asText()).isEqualTo("call_end");
        assertThat(end.get("transcript").get("finals").get(0).get("text").asText()).isEqualTo("hello world");
        assertThat(end.get("transcript").get("errors").get(0).asText()).isEqualTo("recogniser hiccup");
        assertThat(end.get("transcript").get("end_reason").asText()).isEqualTo("recording closed");
        for (Received r : received) {
            assertThat(r.authorization()).isEqualTo("Bearer abc");
            assertThat(r.signature()).isEqualTo("sha256=" + WebhookSink.signature("k3y",
                    r.body().toString().getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(sink.delivered()).isEqualTo(4);
    }

    @Test
    void partialsAreLeftOutUnlessAskedFor() throws Exception {
        URI url = serve(n -> 200);
        sink = uncounted(fast(url));
        playCall(sink, "c2");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3);
        assertThat(received).extracting(Received::event).containsExactly("call_start", "final", "call_end");
    }

    @Test
    void aBlockedEndpointNeverHoldsUpTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        URI url = serve(n -> {
            release.await(20, TimeUnit.SECONDS); // a receiver that hangs until the test lets it go
            return 200;
        });
        sink = uncounted(fast(url, false, 10_000, Duration.ofSeconds(30)));
        feed(sink).accept(new TranscriptEvent.CallStarted("slow", T0, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.pending() == 1); // first POST is in flight and stuck
        for (int i = 0; i < 1000; i++) {
            feed(sink).accept(new TranscriptEvent.Final("slow", T0, null, "line " + i, i, i + 0.5, List.of()));
        }
        // All 1000 accepts returned while the receiver still holds the first request.
        assertThat(release.getCount()).isEqualTo(1);
        assertThat(received).isEmpty();
        assertThat(sink.pending()).isEqualTo(1001);
        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1001);
        assertThat(received.get(1000).body().get("text").asText()).isEqualTo("line 999");
        assertThat(sink.dropped()).isZero();
    }

    @Test
    void aFullQueueDropsPartialsFirstAndKeepsTheEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        URI url = serve(n -> {
            release.await(20, TimeUnit.SECONDS);
            return 200;
        });
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MetricsSink metrics = new MetricsSink(meters);
        sink = new WebhookSink(fast(url, true, 10, Duration.ofSeconds(5)), metrics::webhookFailed, metrics::webhookDropped);
        feed(sink).accept(new TranscriptEvent.CallStarted("full", T0, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.pending() == 1);
        for (int i = 0; i < 20; i++) {
            feed(sink).accept(new TranscriptEvent.Partial("full", T0, null, "p" + i));
        }
        for (int i = 0; i < 10; i++) {
            feed(sink).accept(new TranscriptEvent.Final("full", T0, null, "f" + i, i, i + 1, List.of()));
        }
        feed(sink).accept(new TranscriptEvent.CallEnded("full", T0, 10, "done"));
        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.pending() == 0);
        assertThat(received).extracting(Received::event).doesNotContain("partial").contains("call_end");
        assertThat(received.stream().filter(r -> r.event().equals("final"))).hasSize(10);
        assertThat(sink.dropped()).isEqualTo(20);
        assertThat(meters.get("callscribe.webhook.dropped").counter().count()).isEqualTo(20);
    }

    @Test
    void retriesAfterAServerError() throws Exception {
        URI url = serve(n -> n == 1 ? 500 : 200);
        sink = uncounted(fast(url));
        feed(sink).accept(new TranscriptEvent.CallStarted("r1", T0, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(sink.failed()).isZero();
        assertThat(sink.delivered()).isEqualTo(1);
    }

    @Test
    void aDeadEndpointCountsFailuresAndNeverThrows() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MetricsSink metrics = new MetricsSink(meters);
        sink = new WebhookSink(new WebhookSettings(URI.create("http://127.0.0.1:" + closedPort + "/hook"), false, null, null,
                10_000, 2, Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofSeconds(5)), metrics::webhookFailed, metrics::webhookDropped);
        playCall(sink, "dead");
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.failed() == 3);
        assertThat(sink.delivered()).isZero();
        assertThat(meters.get("callscribe.webhook.failures").counter().count()).isEqualTo(3);
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(n -> {
            calls.incrementAndGet();
            return 404;
        });
        sink = uncounted(fast(url));
        feed(sink).accept(new TranscriptEvent.CallStarted("gone", T0, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.failed() == 1);
        assertThat(calls).hasValue(1);
    }

    @Test
    void backoffDoublesWithinBounds() {
        WebhookSink s = uncounted(WebhookSettings.of(URI.create("http://127.0.0.1:9/x"), false, null, null));
        try {
            for (int i = 0; i < 50; i++) {
                assertThat(s.backoffMillis(1)).isBetween(250L, 500L);
                assertThat(s.backoffMillis(3)).isBetween(1000L, 2000L);
                assertThat(s.backoffMillis(10)).isBetween(15_000L, 30_000L);
            }
        } finally {
            s.close(Duration.ZERO);
        }
    }

    @Test
    void refusesAUrlThatIsNotHttp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebhookSettings.of(URI.create("ftp://example/x"), false, null, null))
                .hasMessageContaining("ftp://example/x").hasMessageContaining("http");
    }
}
