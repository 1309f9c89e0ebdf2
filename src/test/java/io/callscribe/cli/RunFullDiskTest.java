package io.callscribe.cli;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A full out-dir (a 256 KiB tmpfs, so this needs root; skipped otherwise), and a read-only one: the service starts but
 * is not ready; an ended call's transcript waits, on disk in {@code --fallback-dir} (its recording then done) or, with
 * {@code --fallback-dir off}, in memory (its recording not done); once space returns the transcript is written, the
 * recording done and the service ready again.
 */
class RunFullDiskTest {

    private Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream o = Files.newOutputStream(file)) {
            while (true) {
                o.write(block);
                o.flush();
            }
        } catch (IOException full) {
            // no space left: that is the point
        }
    }

    @Test
    void aFullOutDirLosesNothingOnceSpaceReturns(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        assumeThat(run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", out.toString()))
                .as("mounting a tmpfs needs root").isTrue();
        mount = out;
        Path filler = out.resolve("filler");
        fill(filler);
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path stateFile = dir.resolve("state.jsonl");
        Path events = dir.resolve("events.jsonl");
        Path fallback = dir.resolve("waiting"); // another file system than the full out-dir
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", spool.toString(),
                     "--audiosocket", "off", "--http", "127.0.0.1:0", "--out-dir", out.toString(),
                     "--state-file", stateFile.toString(), "--idle-timeout", "2", "--events", events.toString(),
                     "--fallback-dir", fallback.toString())) {
            var ready = RunHarness.get(service, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("transcripts cannot be written to " + out);

            Path rec = spool.resolve("full.wav");
            try (MixMonitorWriter w = MixMonitorWriter.wav(rec, PcmFormat.mono(8000), null)) {
                w.write(audio8k(4, 1));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> RunHarness.get(service, "/metrics").body()
                    .contains("callscribe_transcripts_unwritten 1.0"));
            assertThat(RunHarness.get(service, "/ready").body()).contains("1 waiting");
            // An error event says so to the other sinks (event log, feed, store, Kafka), before the call's call_end.
            List<String> lines = Files.readAllLines(events).stream().filter(l -> l.contains("\"call\":\"full\"")).toList();
            int error = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains("\"event\":\"error\"")).findFirst().orElse(-1);
            int end = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains("\"event\":\"call_end\"")).findFirst().orElse(-1);
            assertThat(error).as("an error event in " + lines).isNotNegative().isLessThan(end);
            assertThat(lines.get(error)).contains("transcript cannot be written to " + out, "No space left on device",
                    "it waits on disk in " + fallback + " (1 waiting)");
            assertThat(fallback.resolve("full.json")).exists();

            // Written durably, though not where it belongs yet: the recording is done (read as text: opening the
            // state file would compact it under the running service).
            Path recAbs = rec.toAbsolutePath().normalize();
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(stateFile).contains("{\"done\":\"" + recAbs));

            Files.delete(filler); // space returns
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(out.resolve("full.json"))
                    && RunHarness.get(service, "/ready").statusCode() == 200);
            assertThat(words(readJson(out.resolve("full.json")), null)).isEqualTo(expectedWords(4 * 16000));
            assertThat(fallback.resolve("full.json")).as("moved, not copied").doesNotExist();
        }
    }

    @Test
    void aReadOnlyOutDirStartsNotReadyAndLosesNothingOnceWritable(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        assumeThat(run("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", out.toString()))
                .as("mounting a tmpfs needs root").isTrue();
        mount = out;
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path stateFile = dir.resolve("state.jsonl");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", spool.toString(),
                     "--audiosocket", "off", "--http", "127.0.0.1:0", "--out-dir", out.toString(),
                     "--state-file", stateFile.toString(), "--idle-timeout", "2", "--fallback-dir", "off")) {
            var ready = RunHarness.get(service, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("transcripts cannot be written to " + out, "Read-only file system");

            Path rec = spool.resolve("ro.wav");
            try (MixMonitorWriter w = MixMonitorWriter.wav(rec, PcmFormat.mono(8000), null)) {
                w.write(audio8k(2, 4));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> RunHarness.get(service, "/metrics").body()
                    .contains("callscribe_transcripts_unwritten 1.0"));
            Path recAbs = rec.toAbsolutePath().normalize();
            assertThat(Files.readString(stateFile)).contains("{\"start\":\"" + recAbs).doesNotContain("{\"done\":\"" + recAbs);

            assertThat(run("mount", "-o", "remount,rw", out.toString())).isTrue(); // the operator fixes the mount
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(out.resolve("ro.json"))
                    && RunHarness.get(service, "/ready").statusCode() == 200);
            assertThat(words(readJson(out.resolve("ro.json")), null)).isEqualTo(expectedWords(2 * 16000));
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(stateFile).contains("{\"done\":\"" + recAbs));
        }
    }
}
