package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.service.SpoolState;
import io.callscribe.service.SpoolWatcher;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The issue-11 reproductions against the real {@code callscribe run} (in-process, scripted Vosk server): a call
 * cut by a stop is transcribed again after the restart, a recording made while the service was down is not
 * skipped, names that sanitise alike keep their own transcripts, a reused AudioSocket UUID overwrites nothing,
 * links out of the spool and control characters are refused, the old state file is converted.
 */
class RunDurabilityTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final Duration CALL_END = Duration.ofSeconds(20);

    private static String[] args(ScriptedVoskServer vosk, Path spool, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--asr", vosk.uri().toString(), "--spool", spool.toString(),
                "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--out-dir", out.toString(),
                "--idle-timeout", "2", "--shutdown-grace", "5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static void writeFinished(Path file, byte[] pcm) throws Exception {
        try (MixMonitorWriter w = MixMonitorWriter.wav(file, RATE_8K, null)) {
            w.write(pcm);
        }
    }

    private static boolean complete(Path json) {
        try {
            return Files.exists(json) && readJson(json).path("complete").asBoolean(false);
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<String> transcripts(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList());
        }
    }

    @Test
    void aRecordingCutByAStopIsTranscribedAgainFromTheStartAfterTheRestart(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        byte[] first = audio8k(3, 1);
        byte[] rest = audio8k(5, 2);
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            MixMonitorWriter rec;
            try (RunCommand.Service service = RunHarness.start(args(vosk, spool, out))) {
                rec = MixMonitorWriter.wav(spool.resolve("cut.wav"), RATE_8K, null);
                rec.write(first);
                // The first finals are out: the call is well under way when the service stops (SIGTERM's path).
                await().atMost(CALL_END).until(() -> Files.exists(out.resolve("cut.progress.jsonl")));
            }
            assertThat(readJson(out.resolve("cut.json")).get("audio_seconds").asDouble()).isLessThan(4);
            rec.write(rest);
            rec.close();
            // Made entirely while the service was down.
            writeFinished(spool.resolve("while-down.wav"), audio8k(2, 3));

            try (RunCommand.Service service = RunHarness.start(args(vosk, spool, out))) {
                await().atMost(CALL_END).until(() -> complete(out.resolve("cut.json")) && complete(out.resolve("while-down.json"))
                        && readJson(out.resolve("cut.json")).get("audio_seconds").asDouble() > 7.9);
            }
        }
        JsonNode cut = readJson(out.resolve("cut.json"));
        byte[] whole = new byte[first.length + rest.length];
        assertThat(words(cut, null)).isEqualTo(expectedWords(whole.length));
        assertThat(words(readJson(out.resolve("while-down.json")), null)).isEqualTo(expectedWords(2 * 16000));
        assertThat(transcripts(out)).containsExactly("cut.json", "while-down.json");
        assertThat(Files.exists(out.resolve("cut.progress.jsonl"))).isFalse();
    }

    @Test
    void namesThatSanitiseAlikeGiveTwoTranscriptsAndPairingUsesExactNames(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        List<String> names = List.of("café.wav", "cafè.wav", "x y.wav", "x+y.wav", "a_b.wav");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start(args(vosk, spool, out))) {
            // "a_b.wav" while "a b.wav" is live: not the mix of an r()/t() pair.
            MixMonitorWriter live = MixMonitorWriter.wav(spool.resolve("a b-in.wav"), RATE_8K, null);
            live.write(audio8k(1, 7));
            for (int i = 0; i < names.size(); i++) {
                writeFinished(spool.resolve(names.get(i)), audio8k(1 + 0.2 * i, i));
                Thread.sleep(300);
            }
            live.close();
            await().atMost(CALL_END).until(() -> transcripts(out).size() == 6
                    && transcripts(out).stream().allMatch(n -> complete(out.resolve(n))));
            assertThat(service.calls().callsStarted()).isEqualTo(6);
        }
        Set<String> files = transcripts(out);
        assertThat(files).contains("a_b.json");
        List<String> sources = new ArrayList<>();
        for (String f : files) {
            JsonNode t = readJson(out.resolve(f));
            sources.add(t.get("source").asText());
            assertThat(t.get("call").asText() + ".json").isEqualTo(f);
        }
        for (String n : names) {
            assertThat(sources).as(n).anyMatch(s -> s.endsWith("/" + n));
        }
        // Each transcript holds its own recording: lengths differ by 0.2 s each.
        Set<Double> lengths = new TreeSet<>();
        for (String f : files) {
            lengths.add(readJson(out.resolve(f)).get("audio_seconds").asDouble());
        }
        assertThat(lengths).hasSize(names.size()); // the -in leg is 1 s like café.wav
    }

    @Test
    void anAudioSocketUuidUsedAgainLaterOverwritesNothing(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        UUID id = UUID.randomUUID();
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            try (RunCommand.Service service = RunHarness.start(args(vosk, dir.resolve("spool"), out))) {
                try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
                    call.sendAudio(8000, audio8k(1, 1)).hangup();
                }
                await().atMost(CALL_END).until(() -> complete(out.resolve(id + ".json")));
                try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
                    call.sendAudio(8000, audio8k(2, 2)).hangup();
                }
                await().atMost(CALL_END).until(() -> complete(out.resolve(id + "-2.json")));
            }
            // And after a restart too.
            try (RunCommand.Service service = RunHarness.start(args(vosk, dir.resolve("spool"), out))) {
                try (FakeAsterisk call = FakeAsterisk.call(service.audioSocketPort(), id)) {
                    call.sendAudio(8000, audio8k(1.4, 3)).hangup();
                }
                await().atMost(CALL_END).until(() -> complete(out.resolve(id + "-3.json")));
            }
        }
        assertThat(words(readJson(out.resolve(id + ".json")), null)).isEqualTo(expectedWords(16000));
        assertThat(words(readJson(out.resolve(id + "-2.json")), null)).isEqualTo(expectedWords(2 * 16000));
        assertThat(readJson(out.resolve(id + "-3.json")).get("audio_seconds").asDouble()).isEqualTo(1.4);
    }

    @Test
    void linksOutOfTheSpoolAndControlCharactersAreRefusedOldStateIsConverted(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0:root:/root:/bin/bash\n".repeat(200));
        writeFinished(spool.resolve("old-done.wav"), audio8k(1, 1));
        // An older version listed handled recordings one path per line.
        Files.writeString(out.resolve(".spool-state"), spool.resolve("old-done.wav").toAbsolutePath() + "\n");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             CapturedLog log = CapturedLog.of(SpoolWatcher.class);
             RunCommand.Service service = RunHarness.start(args(vosk, spool, out))) {
            Files.createSymbolicLink(spool.resolve("passwd.wav"), secret);
            writeFinished(spool.resolve("inside.wav"), audio8k(1, 2));
            Files.createSymbolicLink(spool.resolve("alias.wav"), spool.resolve("inside.wav"));
            writeFinished(spool.resolve("evil\nINFO forged.wav"), audio8k(1, 3));
            await().atMost(CALL_END).until(() -> complete(out.resolve("inside.json")) && complete(out.resolve("alias.json")));
            Thread.sleep(1500); // two more scans: nothing else starts, nothing is logged twice
            assertThat(log.matching("outside the spool")).hasSize(1);
            assertThat(log.matching("outside the spool").get(0)).contains("passwd.wav").contains("secret.txt");
            assertThat(log.matching("control characters")).hasSize(1);
            assertThat(log.matching("control characters").get(0)).contains("evil?INFO forged.wav").doesNotContain("\n");
            assertThat(service.calls().callsStarted()).isEqualTo(2); // inside and alias (a link inside the spool)
        }
        assertThat(transcripts(out)).containsExactly("alias.json", "inside.json");
        List<String> state = Files.readAllLines(out.resolve(".spool-state"), StandardCharsets.UTF_8);
        assertThat(state).allMatch(l -> l.startsWith("{"));
        try (SpoolState reread = SpoolState.open(out.resolve(".spool-state"))) {
            Path old = spool.resolve("old-done.wav").toAbsolutePath().normalize();
            assertThat(reread.entry(old, null)).hasValueSatisfying(e -> assertThat(e.done()).isTrue());
        }
    }

    @Test
    void recordingsBeyondTheSpoolCallLimitWaitAndAreAllTranscribed(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             CapturedLog log = CapturedLog.of(SpoolWatcher.class);
             RunCommand.Service service = RunHarness.start(args(vosk, spool, out, "--spool-max-calls", "1", "--spool-legs", "off"))) {
            for (int i = 1; i <= 3; i++) {
                writeFinished(spool.resolve("q" + i + ".wav"), audio8k(i, i));
            }
            await().atMost(CALL_END).until(() -> complete(out.resolve("q1.json")) && complete(out.resolve("q2.json"))
                    && complete(out.resolve("q3.json")));
            assertThat(log.matching("the limit (--spool-max-calls)")).isNotEmpty().allMatch(l -> l.contains("wait in the spool"));
        }
        for (int i = 1; i <= 3; i++) {
            assertThat(words(readJson(out.resolve("q" + i + ".json")), null)).isEqualTo(expectedWords(i * 16000L));
        }
    }
}
