package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.audio.Resampler;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.Jdk21;
import io.callscribe.testing.RequiresJdk21;
import io.callscribe.testing.ScriptedVoskServer;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No virtual thread of {@code callscribe run} pins its carrier thread: a real {@code run} process (its own JVM,
 * {@link Main} on the test class path) on a Java 21 runtime, where a virtual thread that blocks or sleeps inside
 * {@code synchronized} (or under a native frame) pins, started with {@code -Djdk.tracePinnedThreads=full} (the JDK then
 * prints a stack trace each time a virtual thread parks while pinned) and one carrier thread
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1}, so a pin would also stall every other call). Load: quiet spool
 * recordings that MixMonitor-like writers grow in bursts with pauses (their legs wait for audio most of the time),
 * one of them an r()/t() pair, AudioSocket calls in real time, the HTTP API polled plus the live feed followed, a
 * webhook endpoint and the event log, all at once, with the default SQLite store; the recogniser is the labelled
 * {@link ScriptedVoskServer} double. Then the output must hold no pinned-thread trace and every call must
 * have its complete transcript. A canary process with a deliberate {@code synchronized} sleep on a virtual thread,
 * run on the same runtime with the same flags, must be reported: so the check cannot pass because the runtime ignores
 * the flag (a JDK 24+, where monitors no longer pin).
 */
@RequiresJdk21
class VirtualThreadPinningTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int RECORDINGS = 4;
    private static final int SOCKET_CALLS = 6;
    /** The JDK's trace of a virtual thread parked while pinned runs through this frame... */
    private static final String PIN_HOOK = "VThreadContinuation.onPinned";
    /** ... and marks each frame that holds a monitor (no such frame: pinned by a native frame). */
    private static final String MONITOR_MARK = "<== monitors";
    private static final List<String> JVM_FLAGS = List.of("-Djdk.tracePinnedThreads=full",
            "-Djdk.virtualThreadScheduler.parallelism=1", "-Xmx256m", "-XX:TieredStopAtLevel=1");

    @Test
    void quietRecordingsAudioSocketCallsAndTheApiNeverPinACarrier(@TempDir Path dir) throws Exception {
        Path runtime = Jdk21.java().orElseThrow();
        assertCanaryIsReported(runtime, dir.resolve("canary.log"));

        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        Path log = dir.resolve("service.log");
        int audioSocketPort = freePort();
        int httpPort = freePort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + httpPort);
        ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
        Process service = null;
        Map<String, Integer> webhookEvents = new ConcurrentHashMap<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.setExecutor(load);
        webhook.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            webhookEvents.merge(io.callscribe.event.EventJson.MAPPER.readTree(body).path("event").asText("?"), 1, Integer::sum);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            List<String> cmd = new ArrayList<>(List.of(runtime.toString()));
            cmd.addAll(JVM_FLAGS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "run", "--asr", vosk.uri().toString(), "--spool", spool.toString(),
                    "--audiosocket", "127.0.0.1:" + audioSocketPort, "--http", "127.0.0.1:" + httpPort,
                    "--out-dir", out.toString(), "--store", "sqlite:" + dir.resolve("calls.db"),
                    "--state-file", dir.resolve("spool-state.json").toString(),
                    "--events", dir.resolve("events.jsonl").toString(),
                    "--webhook", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook",
                    "--idle-timeout", "10", "--vad", "off"));
            Process started = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            service = started;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!started.isAlive()) {
                    throw new AssertionError("callscribe run exited: " + Files.readString(log));
                }
                return get(http, base.resolve("/ready")) == 200;
            });

            // The API under polling and the live feed followed, for the whole run.
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger polls = new AtomicInteger();
            Map<String, Integer> badStatus = new ConcurrentHashMap<>();
            Future<?> poller = load.submit(() -> {
                List<String> paths = List.of("/calls", "/metrics", "/health", "/calls?live=true", "/ready");
                for (int i = 0; !done.get(); i++) {
                    String path = paths.get(i % paths.size());
                    int status = get(http, base.resolve(path));
                    if (status != 200) {
                        badStatus.merge(path + " " + status, 1, Integer::sum);
                    }
                    polls.incrementAndGet();
                    Thread.sleep(20);
                }
                return null;
            });
            AtomicInteger feedFinals = new AtomicInteger();
            AtomicReference<InputStream> feedBody = new AtomicReference<>();
            Future<?> feed = load.submit(() -> {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(base.resolve("/feed")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                feedBody.set(r.body());
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("data:") && line.contains("\"event\":\"final\"")) {
                            feedFinals.incrementAndGet();
                        }
                    }
                } catch (IOException closedByTheTest) {
                    // the test closes the feed at the end
                }
                return null;
            });

            // Quiet recordings: 3 bursts of 1.5 s of audio (written at twice real time) with 2.5 s pauses. With
            // MixMonitor's 32 KiB buffer the file grows only every ~2 s of audio: the legs wait most of the time.
            // The last one is an r()/t() pair (pair-in.wav, pair-out.wav): one call, two legs.
            List<Future<?>> work = new ArrayList<>();
            Map<String, Integer> recorded = new ConcurrentHashMap<>();
            List<String> files = new ArrayList<>();
            for (int i = 0; i < RECORDINGS; i++) {
                files.add("rec" + i);
            }
            files.addAll(List.of("pair-in", "pair-out"));
            for (int i = 0; i < files.size(); i++) {
                int n = i;
                String name = files.get(i);
                work.add(load.submit(() -> {
                    Thread.sleep(300L * Math.min(n, RECORDINGS));
                    int bytes = 0;
                    try (MixMonitorWriter w = MixMonitorWriter.wav(spool.resolve(name + ".wav"), RATE_8K, null)) {
                        for (int burst = 0; burst < 3; burst++) {
                            byte[] pcm = audio8k(1.5, 10 * n + burst);
                            w.writeRealTime(pcm, 2.0);
                            bytes += pcm.length;
                            Thread.sleep(2500);
                        }
                    }
                    recorded.put(name, bytes);
                    return null;
                }));
            }
            // AudioSocket calls in real time, started while the recordings wait.
            Map<UUID, Integer> sent = new ConcurrentHashMap<>();
            for (int i = 0; i < SOCKET_CALLS; i++) {
                int n = i;
                work.add(load.submit(() -> {
                    Thread.sleep(1000 + 900L * n);
                    UUID id = UUID.randomUUID();
                    byte[] pcm = audio8k(2 + n % 3, 20 + n);
                    try (FakeAsterisk call = FakeAsterisk.call(audioSocketPort, id)) {
                        call.realTime(true).sendAudio(8000, pcm).hangup();
                        call.serverClosed(5000);
                    }
                    sent.put(id, pcm.length);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> complete(out, "rec", RECORDINGS) && done(out, "pair")
                            && sent.keySet().stream().allMatch(id -> done(out, id.toString()))
                            && webhookEvents.getOrDefault("call_end", 0) == RECORDINGS + 1 + SOCKET_CALLS);
            done.set(true);
            poller.get(10, TimeUnit.SECONDS);
            if (feedBody.get() != null) {
                feedBody.get().close();
            }
            feed.get(10, TimeUnit.SECONDS);

            for (int i = 0; i < RECORDINGS; i++) {
                JsonNode t = readJson(out.resolve("rec" + i + ".json"));
                assertThat(words(t, null)).as("rec%d", i).isEqualTo(expectedWords(recorded.get("rec" + i)));
            }
            JsonNode pair = readJson(out.resolve("pair.json"));
            assertThat(words(pair, "caller")).as("pair, caller").isEqualTo(expectedWords(recorded.get("pair-in")));
            assertThat(words(pair, "agent")).as("pair, agent").isEqualTo(expectedWords(recorded.get("pair-out")));
            for (Map.Entry<UUID, Integer> call : sent.entrySet()) {
                JsonNode t = readJson(out.resolve(call.getKey() + ".json"));
                assertThat(t.get("complete").asBoolean()).as("call %s complete", call.getKey()).isTrue();
                assertThat(words(t, null)).as("call %s", call.getKey()).isEqualTo(expectedWords(call.getValue()));
            }
            assertThat(badStatus).as("API answers other than 200").isEmpty();
            assertThat(polls.get()).as("API requests answered while the calls ran").isGreaterThan(50);
            assertThat(feedFinals.get()).as("finals seen on the live feed").isGreaterThan(0);
            assertThat(RunHarness.startedCalls(dir.resolve("events.jsonl"))).as("event log").hasSize(RECORDINGS + 1 + SOCKET_CALLS);
            assertThat(webhookEvents.get("call_start")).as("webhook call_start posts").isEqualTo(RECORDINGS + 1 + SOCKET_CALLS);
        } finally {
            webhook.stop(0);
            load.shutdownNow();
            if (service != null) {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
        String output = Files.readString(log);
        assertThat(pinnedTraces(output)).as("pinned virtual threads reported by %s with -Djdk.tracePinnedThreads=full"
                + " (a monitor or native frame held while parking; use java.util.concurrent locks)", runtime).isEmpty();
    }

    /**
     * {@code callscribe run} with the default engine, the embedded Sphinx4 (it decodes on a thread of its own per
     * stream, fed by the calls' virtual threads), under the same flags: real speech with a pause in the middle in an
     * AudioSocket call and in a quiet spool recording, at once. Sphinx4 needs about 0.4 s of a core per second of
     * audio and loads its models first (7 s on a quiet machine, 25 s beside other builds): generous timeouts.
     */
    @Test
    void theDefaultEngineFedByVirtualThreadsNeverPinsACarrier(@TempDir Path dir) throws Exception {
        Path runtime = Jdk21.java().orElseThrow();
        byte[] wav = Files.readAllBytes(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        byte[] pcm16 = Arrays.copyOfRange(wav, 44, Math.min(wav.length, 44 + 4 * 32000)); // the first utterance
        Resampler down = new Resampler(16000, 8000);
        byte[] pcm8 = new byte[2 * down.maxOutputSamples(pcm16.length / 2)];
        byte[] speech = Arrays.copyOf(pcm8, down.process(pcm16, 0, pcm16.length, pcm8, 0));
        byte[] firstHalf = Arrays.copyOf(speech, speech.length / 4 * 2);
        byte[] secondHalf = Arrays.copyOfRange(speech, firstHalf.length, speech.length);
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        Path log = dir.resolve("service.log");
        int audioSocketPort = freePort();
        List<String> cmd = new ArrayList<>(List.of(runtime.toString()));
        cmd.addAll(List.of("-Djdk.tracePinnedThreads=full", "-Djdk.virtualThreadScheduler.parallelism=1", "-Xmx1g"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--spool", spool.toString(), "--audiosocket", "127.0.0.1:" + audioSocketPort, "--http", "off",
                "--out-dir", out.toString(), "--store", "off", "--idle-timeout", "10", "--finish-timeout", "150"));
        Process service = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!service.isAlive()) {
                    throw new AssertionError("callscribe run exited: " + Files.readString(log));
                }
                return canConnect(audioSocketPort);
            });
            List<UUID> calls = List.of(UUID.randomUUID());
            List<Future<?>> work = new ArrayList<>();
            for (UUID id : calls) {
                work.add(load.submit(() -> {
                    try (FakeAsterisk call = FakeAsterisk.call(audioSocketPort, id)) {
                        call.realTime(true).sendAudio(8000, firstHalf);
                        Thread.sleep(1500);
                        call.sendAudio(8000, secondHalf).hangup();
                        call.serverClosed(180_000);
                    }
                    return null;
                }));
            }
            work.add(load.submit(() -> {
                try (MixMonitorWriter w = MixMonitorWriter.wav(spool.resolve("speech.wav"), RATE_8K, null)) {
                    w.writeRealTime(firstHalf, 1.0);
                    Thread.sleep(2500);
                    w.writeRealTime(secondHalf, 1.0);
                }
                return null;
            }));
            for (Future<?> f : work) {
                f.get(200, TimeUnit.SECONDS);
            }
            List<String> ids = new ArrayList<>(calls.stream().map(UUID::toString).toList());
            ids.add("speech");
            await().atMost(Duration.ofSeconds(200)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ids.stream().allMatch(id -> done(out, id)));
            for (String id : ids) {
                JsonNode t = readJson(out.resolve(id + ".json"));
                assertThat(words(t, null)).as("words of %s: %s", id, t.path("errors")).isNotEmpty();
            }
        } finally {
            load.shutdownNow();
            service.destroy();
            service.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(pinnedTraces(Files.readString(log))).as("pinned virtual threads reported by %s", runtime).isEmpty();
    }

    private static boolean canConnect(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true; // listening (this empty connection is closed before its UUID: logged, harmless)
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The canary pins on purpose: the runtime and flags in use must report it. */
    private static void assertCanaryIsReported(Path runtime, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(runtime.toString()));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PinningCanary.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("canary finished").isTrue();
        String output = Files.readString(log);
        assertThat(p.exitValue()).as("canary exit; output:%n%s", output).isZero();
        assertThat(pinnedTraces(output)).as("%s reports a synchronized sleep on a virtual thread; output:%n%s", runtime, output)
                .anyMatch(line -> line.contains(PinningCanary.class.getSimpleName()));
    }

    /**
     * The pinned-thread stack traces in a process's output, one entry per trace: its header line (which thread, and on
     * JDK 21 updates the reason) and the frames marked as holding a monitor.
     */
    static List<String> pinnedTraces(String output) {
        List<String> found = new ArrayList<>();
        String[] lines = output.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].contains(PIN_HOOK)) {
                continue;
            }
            int header = i;
            while (header > 0 && lines[header].startsWith(" ")) {
                header--;
            }
            StringBuilder trace = new StringBuilder(lines[header].strip());
            int end = i;
            for (; end < lines.length && lines[end].startsWith(" "); end++) {
                if (lines[end].contains(MONITOR_MARK)) {
                    trace.append(" | ").append(lines[end].strip());
                }
            }
            found.add(trace.toString());
            i = end - 1;
        }
        return found;
    }

    private static boolean complete(Path out, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            if (!done(out, prefix + i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean done(Path out, String id) {
        Path json = out.resolve(id + ".json");
        try {
            return Files.exists(json) && readJson(json).path("complete").asBoolean(false);
        } catch (IOException beingWritten) {
            return false;
        }
    }

    private static int get(HttpClient http, URI uri) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Run by {@link #assertCanaryIsReported}: a virtual thread sleeps inside {@code synchronized}, which pins on JDK 21. */
    static final class PinningCanary {
        private static final Object MONITOR = new Object();

        public static void main(String[] args) throws InterruptedException {
            Thread t = Thread.ofVirtual().start(() -> {
                synchronized (MONITOR) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            t.join();
        }
    }
}
