package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills a real {@code callscribe run} process (its own JVM, started through {@link Main} on the test class path:
 * the jar's code) with SIGKILL, and once with SIGTERM, at random moments while 10 spool recordings are being
 * written and 10 AudioSocket calls are live; restarts it each time. Then every recording's transcript must equal
 * the one a clean run over the same finished recordings gives, and every AudioSocket call must have a transcript:
 * complete, or, for a call the kill cut, marked incomplete and holding a prefix of its words. The recogniser is the
 * labelled {@link ScriptedVoskServer} double, so transcripts are a deterministic function of the audio.
 */
class CrashRestartTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int RECORDINGS = 10;
    private static final int SOCKET_CALLS = 10;

    @Test
    void killedMidCallAndRestartedEveryRecordingIsTranscribedCompletely(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CrashRestartTest seed " + seed + " (-Dcrash.seed=" + seed + " repeats this run)");
        Random random = new Random(seed);
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        int audioSocketPort;
        try (ServerSocket s = new ServerSocket(0)) {
            audioSocketPort = s.getLocalPort();
        }
        ExecutorService load = Executors.newVirtualThreadPerTaskExecutor();
        Map<UUID, Integer> sent = new ConcurrentHashMap<>();
        Map<UUID, Boolean> cut = new ConcurrentHashMap<>();
        Map<UUID, Long> ended = new ConcurrentHashMap<>();
        List<Long> kills = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            List<String> args = List.of("run", "--asr", vosk.uri().toString(), "--spool", spool.toString(),
                    "--audiosocket", "127.0.0.1:" + audioSocketPort, "--http", "off", "--out-dir", out.toString(),
                    "--idle-timeout", "3", "--shutdown-grace", "5", "--store", "off");
            Process service = startService(args, dir.resolve("service-0.log"), audioSocketPort);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < RECORDINGS; i++) {
                Path file = spool.resolve("rec" + i + ".wav");
                byte[] pcm = audio8k(4 + random.nextInt(5), i);
                long delay = random.nextInt(3000);
                work.add(load.submit(() -> {
                    Thread.sleep(delay);
                    try (MixMonitorWriter w = MixMonitorWriter.wav(file, RATE_8K, null)) {
                        w.writeRealTime(pcm, 2.0);
                    }
                    return null;
                }));
            }
            for (int i = 0; i < SOCKET_CALLS; i++) {
                UUID id = UUID.randomUUID();
                byte[] pcm = audio8k(1 + random.nextInt(3), 20 + i);
                long delay = random.nextInt(5000);
                work.add(load.submit(() -> {
                    Thread.sleep(delay);
                    socketCall(audioSocketPort, id, pcm, sent, cut);
                    ended.put(id, System.nanoTime());
                    return null;
                }));
            }
            // Three kills at random moments while the calls go on: SIGKILL, SIGKILL, SIGTERM.
            for (int k = 1; k <= 3; k++) {
                Thread.sleep(700 + random.nextInt(1300));
                if (k == 1) {
                    // The first kill waits for a recording under way (a call lasts >= 2 s), so that at least one is cut
                    // whatever the random delays and however fast the machine is.
                    Path log0 = dir.resolve("service-0.log");
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                            .until(() -> Files.readString(log0).matches("(?s).*call rec\\d+ started.*"));
                }
                kills.add(System.nanoTime());
                if (k < 3) {
                    service.destroyForcibly(); // SIGKILL
                } else {
                    service.destroy(); // SIGTERM
                }
                service.waitFor(20, TimeUnit.SECONDS);
                Thread.sleep(random.nextInt(500));
                service = startService(args, dir.resolve("service-" + k + ".log"), audioSocketPort);
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            final Process last = service;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> allComplete(out, RECORDINGS));
            } finally {
                RunHarness.stopProcess(last);
            }
            StringBuilder logs = new StringBuilder();
            for (int k = 0; k <= 3; k++) {
                logs.append(Files.readString(dir.resolve("service-" + k + ".log")));
            }
            assertThat(logs.toString()).as("a kill cut at least one recording, transcribed again after the restart")
                    .contains("was not transcribed to its end before the last stop");

            // The clean run: the same (now finished) recordings, transcribed without interruption.
            Path cleanSpool = Files.createDirectories(dir.resolve("clean-spool"));
            Path cleanOut = dir.resolve("clean-out");
            for (int i = 0; i < RECORDINGS; i++) {
                Files.copy(spool.resolve("rec" + i + ".wav"), cleanSpool.resolve("rec" + i + ".wav"));
            }
            try (RunCommand.Service clean = RunHarness.start("--asr", vosk.uri().toString(), "--spool", cleanSpool.toString(),
                    "--spool-include-existing", "--audiosocket", "off", "--http", "off", "--out-dir", cleanOut.toString(),
                    "--store", "off")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> allComplete(cleanOut, RECORDINGS));
            }
            for (int i = 0; i < RECORDINGS; i++) {
                JsonNode crashed = readJson(out.resolve("rec" + i + ".json"));
                JsonNode clean = readJson(cleanOut.resolve("rec" + i + ".json"));
                assertThat(words(crashed, null)).as("rec%d (seed %d)", i, seed).isEqualTo(words(clean, null));
                assertThat(crashed.get("audio_seconds").asDouble()).as("rec%d", i).isEqualTo(clean.get("audio_seconds").asDouble());
                assertThat(words(clean, null)).isEqualTo(expectedWords(Math.round(clean.get("audio_seconds").asDouble() * 16000)));
            }
            try (var files = Files.list(out)) {
                assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("rec")))
                        .as("one transcript per recording, never a second one").hasSize(RECORDINGS * 3);
            }
            // A hangup sent just before a kill may never have been read: that call was cut too.
            for (UUID id : sent.keySet()) {
                long end = ended.get(id);
                if (kills.stream().anyMatch(k -> k - end > -TimeUnit.SECONDS.toNanos(1) && k - end < TimeUnit.SECONDS.toNanos(1))) {
                    cut.put(id, true);
                }
            }
            // AudioSocket: every call that reached the service left a transcript; cut ones are marked incomplete.
            for (Map.Entry<UUID, Integer> call : sent.entrySet()) {
                Path json = out.resolve(call.getKey() + ".json");
                if (!Files.exists(json)) {
                    assertThat(cut.get(call.getKey())).as("call %s has no transcript but was not cut", call.getKey()).isTrue();
                    continue;
                }
                JsonNode t = readJson(json);
                List<String> expected = expectedWords(call.getValue());
                if (t.get("complete").asBoolean()) {
                    List<String> got = words(t, null);
                    assertThat(got.size()).as("call %s", call.getKey()).isLessThanOrEqualTo(expected.size());
                    assertThat(got).as("call %s: a prefix of its words", call.getKey()).isEqualTo(expected.subList(0, got.size()));
                    if (!cut.get(call.getKey())) {
                        assertThat(got).as("call %s (seed %d)", call.getKey(), seed).isEqualTo(expected);
                    }
                } else {
                    assertThat(t.get("end_reason").asText()).startsWith("incomplete");
                    List<String> got = words(t, null);
                    assertThat(got.size()).as("call %s", call.getKey()).isLessThanOrEqualTo(expected.size());
                    assertThat(got).as("call %s: a prefix of its words", call.getKey()).isEqualTo(expected.subList(0, got.size()));
                }
            }
        } finally {
            load.shutdownNow();
        }
    }

    /** One AudioSocket call in real time; a kill of the service cuts it (recorded in {@code cut}). */
    private static void socketCall(int port, UUID id, byte[] pcm, Map<UUID, Integer> sent, Map<UUID, Boolean> cut) {
        FakeAsterisk call;
        try {
            call = FakeAsterisk.call(port, id);
        } catch (IOException serviceDown) {
            return; // Asterisk would fail this call's AudioSocket() too
        }
        sent.put(id, pcm.length);
        cut.put(id, false);
        try (call) {
            call.realTime(true).sendAudio(8000, pcm).hangup();
            call.serverClosed(3000);
        } catch (IOException killed) {
            cut.put(id, true);
        }
    }

    private static boolean allComplete(Path out, int recordings) throws IOException {
        for (int i = 0; i < recordings; i++) {
            Path json = out.resolve("rec" + i + ".json");
            if (!Files.exists(json) || !readJson(json).path("complete").asBoolean(false)) {
                return false;
            }
        }
        return true;
    }

    private static Process startService(List<String> args, Path log, int audioSocketPort) throws Exception {
        Process p = RunHarness.startProcess(args, log);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("callscribe run exited: " + Files.readString(log));
            }
            try (Socket s = new Socket("127.0.0.1", audioSocketPort)) {
                return true; // listening (this empty connection is closed before its UUID: logged, harmless)
            } catch (IOException notYet) {
                return false;
            }
        });
        return p;
    }
}
