package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.startedCalls;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code callscribe run} with the MixMonitor spool: several recordings written at once by MixMonitor-like
 * writers (10x real time), an r()/t() pair, recordings present at start-up, and a restart with the state file.
 */
class RunSpoolTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final double SPEED = 10.0;

    private static Callable<Void> writer(Path file, byte[] pcm, long delayMillis) {
        return () -> {
            Thread.sleep(delayMillis);
            try (MixMonitorWriter w = MixMonitorWriter.wav(file, RATE_8K, null)) {
                w.writeRealTime(pcm, SPEED);
            }
            return null;
        };
    }

    private static void writeFinished(Path file, byte[] pcm) throws Exception {
        try (MixMonitorWriter w = MixMonitorWriter.wav(file, RATE_8K, null)) {
            w.write(pcm);
        }
    }

    @Test
    void concurrentRecordingsPairsStartupFilesAndRestart(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        Path events1 = dir.resolve("events1.jsonl");
        Path events2 = dir.resolve("events2.jsonl");

        // Finished before the service starts: never transcribed.
        writeFinished(spool.resolve("old.wav"), audio8k(2, 9));
        Path oldSln = spool.resolve("old2.sln");
        Files.write(oldSln, audio8k(2, 8));
        Files.setLastModifiedTime(oldSln, FileTime.from(Instant.now().minusSeconds(3600)));

        byte[] a = audio8k(10, 1);
        byte[] b = audio8k(6, 2);
        byte[] cIn = audio8k(8, 3);
        byte[] cOut = audio8k(8.4, 4);
        byte[] g = audio8k(12, 5);

        ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            // Still being written when the service starts: picked up from where the file begins.
            Path growing = spool.resolve("growing.wav");
            // Its second half is written only once the service runs, so it is still open at start-up however long
            // the service takes to start (the whole file takes 1.2 s at SPEED).
            CountDownLatch serviceUp = new CountDownLatch(1);
            Future<Void> gDone = writers.submit(() -> {
                try (MixMonitorWriter w = MixMonitorWriter.wav(growing, RATE_8K, null)) {
                    w.writeRealTime(Arrays.copyOfRange(g, 0, g.length / 2), SPEED);
                    serviceUp.await();
                    w.writeRealTime(Arrays.copyOfRange(g, g.length / 2, g.length), SPEED);
                }
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(growing) && Files.size(growing) > 44);

            // --vad off: the scripted server's words are byte counts of the (synthetic) audio, so all of it is sent.
            // The default idle timeout (15 s): at start-up a recording that has not grown for that long counts as
            // finished, and "growing" flushes only every ~2 s, so a shorter one made it look finished whenever the
            // service took a moment to start (a loaded machine).
            String[] args = {"--asr", vosk.uri().toString(), "--spool", spool.toString(), "--out-dir", out.toString(),
                    "--audiosocket", "off", "--http", "127.0.0.1:0", "--idle-timeout", "15", "--vad", "off",
                    "--events", events1.toString()};
            List<Future<Void>> done = new ArrayList<>();
            try (RunCommand.Service service = RunHarness.start(args)) {
                serviceUp.countDown();
                done.add(writers.submit(writer(spool.resolve("A.wav"), a, 0)));
                done.add(writers.submit(writer(spool.resolve("B.wav"), b, 300)));
                done.add(writers.submit(writer(spool.resolve("C-in.wav"), cIn, 150)));
                done.add(writers.submit(writer(spool.resolve("C-out.wav"), cOut, 150)));
                done.add(gDone);
                for (Future<Void> f : done) {
                    f.get();
                }
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        List.of("A", "B", "C", "growing").stream().allMatch(id -> Files.exists(out.resolve(id + ".vtt"))));
                await().atMost(Duration.ofSeconds(5)).until(() -> service.calls().liveCalls().isEmpty());

                JsonNode listed = RunHarness.getJson(service, "/calls");
                assertThat(listed.get("calls").findValuesAsText("id")).containsExactlyInAnyOrder("A", "B", "C", "growing");
            }

            assertThat(startedCalls(events1)).containsExactlyInAnyOrder("A", "B", "C", "growing");
            assertThat(out.resolve("old.json")).doesNotExist();
            assertThat(out.resolve("old2.json")).doesNotExist();

            for (String[] single : new String[][]{{"A", "10"}, {"B", "6"}, {"growing", "12"}}) {
                JsonNode t = readJson(out.resolve(single[0] + ".json"));
                long bytes = (long) (Double.parseDouble(single[1]) * 16000);
                assertThat(t.get("audio_seconds").asDouble()).as(single[0]).isEqualTo(Double.parseDouble(single[1]));
                assertThat(words(t, null)).as(single[0]).isEqualTo(expectedWords(bytes));
                assertThat(t.get("end_reason").asText()).as(single[0]).isNotBlank();
                assertThat(out.resolve(single[0] + ".txt")).isNotEmptyFile();
                assertThat(Files.readString(out.resolve(single[0] + ".vtt"))).startsWith("WEBVTT").contains("w1");
            }

            // The r()/t() pair is one call with two speakers, ordered by when things were said.
            JsonNode c = readJson(out.resolve("C.json"));
            assertThat(words(c, "caller")).isEqualTo(expectedWords(cIn.length));
            assertThat(words(c, "agent")).isEqualTo(expectedWords(cOut.length));
            List<Double> starts = new ArrayList<>();
            List<String> speakers = new ArrayList<>();
            for (JsonNode f : c.get("finals")) {
                starts.add(f.get("start").asDouble());
                speakers.add(f.get("speaker").asText());
            }
            assertThat(starts).isSorted();
            int changes = 0;
            for (int i = 1; i < speakers.size(); i++) {
                changes += speakers.get(i).equals(speakers.get(i - 1)) ? 0 : 1;
            }
            assertThat(changes).as("speaker turns in %s", speakers).isGreaterThan(3);
            List<String> txtLines = Files.readAllLines(out.resolve("C.txt"));
            assertThat(txtLines).isEqualTo(c.get("finals").findValuesAsText("text"));
            assertThat(Files.readString(out.resolve("C.vtt"))).contains("<v caller>").contains("<v agent>");
            assertThat(vosk.connectionsOpened()).isEqualTo(5);

            // Restart, asking for existing recordings too: the state file still keeps handled ones out.
            FileTime aWritten = Files.getLastModifiedTime(out.resolve("A.json"));
            writeFinished(spool.resolve("D.wav"), audio8k(3, 6));
            String[] again = args.clone();
            again[again.length - 1] = events2.toString();
            List<String> withExisting = new ArrayList<>(List.of(again));
            withExisting.add("--spool-include-existing");
            try (RunCommand.Service service = RunHarness.start(withExisting.toArray(String[]::new))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(out.resolve("D.json")));
                await().atMost(Duration.ofSeconds(5)).until(() -> service.calls().liveCalls().isEmpty());
            }
            assertThat(startedCalls(events2)).containsExactly("D");
            assertThat(words(readJson(out.resolve("D.json")), null)).isEqualTo(expectedWords(3 * 16000));
            assertThat(Files.getLastModifiedTime(out.resolve("A.json"))).isEqualTo(aWritten);
        } finally {
            writers.shutdownNow();
        }
    }
}
