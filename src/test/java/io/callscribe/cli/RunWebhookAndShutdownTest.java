package io.callscribe.cli;

import io.callscribe.event.TranscriptEvent;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.EventJson;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.expectedWordsFor;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code callscribe run}: webhooks (good, stalled, failing endpoints) and shutdown with live calls. */
class RunWebhookAndShutdownTest {

    /** A local webhook endpoint: records event kinds; may hold every request or fail the first ones. */
    private static final class Endpoint implements AutoCloseable {
        final HttpServer server;
        final List<JsonNode> received = new CopyOnWriteArrayList<>();
        final AtomicInteger requests = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hold;
        volatile int failFirst;

        Endpoint() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/hook", this::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
        }

        private void handle(HttpExchange ex) throws IOException {
            byte[] body = ex.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            try {
                if (hold && !release.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int status = n <= failFirst ? 503 : 204;
            if (status == 204) {
                received.add(EventJson.MAPPER.readTree(body));
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        List<String> kinds() {
            return received.stream().map(n -> n.get("event").asText()).toList();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void webhooksGetTheCallAndAStalledOrFailingEndpointDoesNotHoldUpTranscription(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        UUID id = UUID.randomUUID();
        try (Endpoint good = new Endpoint(); Endpoint stalled = new Endpoint(); Endpoint failing = new Endpoint();
             ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            stalled.hold = true;
            failing.failFirst = 2;
            try (RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                    "--audiosocket", "127.0.0.1:0", "--http", "off", "--out-dir", out.toString(),
                    "--webhook", good.url() + "," + stalled.url() + "," + failing.url())) {
                try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
                    call.sendAudio(8000, audio8k(3, 1)).hangup();
                }
                // Written while the stalled endpoint still holds its first request.
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(out.resolve(id + ".json")));
                assertThat(stalled.release.getCount()).isEqualTo(1);
                assertThat(stalled.requests.get()).isEqualTo(1);
                JsonNode t = readJson(out.resolve(id + ".json"));
                assertThat(words(t, null)).isEqualTo(expectedWords(3 * 16000));
                int finals = t.get("finals").size();

                await().atMost(Duration.ofSeconds(10)).until(() -> good.kinds().contains("call_end"));
                assertThat(good.kinds()).first().isEqualTo("call_start");
                assertThat(good.kinds()).last().isEqualTo("call_end");
                assertThat(good.kinds()).filteredOn("final"::equals).hasSize(finals);
                assertThat(good.received).allMatch(n -> n.get("call").asText().equals(id.toString()));

                // The failing endpoint answered 503 twice: those events were retried, in order.
                await().atMost(Duration.ofSeconds(15)).until(() -> failing.kinds().contains("call_end"));
                assertThat(failing.kinds()).isEqualTo(good.kinds());
                assertThat(failing.requests.get()).isEqualTo(good.requests.get() + 2);

                stalled.release.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> stalled.kinds().contains("call_end"));
                assertThat(stalled.kinds()).isEqualTo(good.kinds());
            }
        }
    }

    @Test
    void closeEndsLiveCallsWithTheirFinalResultsAndFiles(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        UUID id = UUID.randomUUID();
        AtomicBoolean talking = new AtomicBoolean(true);
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             ExecutorService sources = Executors.newVirtualThreadPerTaskExecutor()) {
            RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", spool.toString(),
                    "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--out-dir", out.toString(),
                    "--idle-timeout", "3", "--shutdown-grace", "10");
            Future<?> asterisk = sources.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id).realTime(true)) {
                    for (int frame = 0; talking.get() && frame < 3000; frame++) {
                        call.sendAudio(8000, audio8k(0.02, frame));
                    }
                } catch (IOException closedByServer) {
                    // the service went away, as Asterisk would see it
                }
                return null;
            });
            sources.submit(() -> {
                try (MixMonitorWriter w = MixMonitorWriter.wav(spool.resolve("rec.wav"), PcmFormat.mono(8000), null)) {
                    w.writeRealTime(audio8k(60, 2), 2.0);
                }
                return null;
            });
            await().atMost(Duration.ofSeconds(15)).until(() -> service.calls().liveCalls().size() == 2
                    && RunHarness.getJson(service, "/calls").get("calls").findValues("finals").stream().allMatch(f -> f.asInt() > 0));

            service.close(); // what SIGTERM does

            assertThat(service.calls().liveCalls()).isEmpty();
            for (String call : List.of(id.toString(), "rec")) {
                assertThat(out.resolve(call + ".json")).as(call).exists();
                assertThat(out.resolve(call + ".txt")).as(call).exists();
                assertThat(out.resolve(call + ".vtt")).as(call).exists();
                JsonNode t = readJson(out.resolve(call + ".json"));
                // Both calls went on when the service stopped: their transcripts say they cover only part of the call.
                assertThat(t.get("end_reason").asText()).as(call).isEqualTo(TranscriptEvent.CallEnded.SHUT_DOWN);
                assertThat(t.get("complete").asBoolean()).as(call).isFalse();
                assertThat(words(t, null)).as(call).isEqualTo(expectedWordsFor(t)).isNotEmpty();
                assertThat(t.has("errors")).as(call).isFalse();
            }
            // Each stream was ended properly: eof sent and answered, not cut.
            assertThat(vosk.texts()).filteredOn(s -> s.contains("eof")).hasSize(2);
            talking.set(false);
            asterisk.get();
            sources.shutdownNow(); // MixMonitor would go on recording; the test is done
        }
    }
}
