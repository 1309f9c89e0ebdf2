package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.HeardAudio;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.callscribe.cli.RunHarness.channels;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real {@code callscribe run --ari} process (its own JVM, through {@link Main} on the test class path) killed with
 * SIGKILL in the middle of a bridged call on a real Asterisk, then started again while the call goes on. The call's
 * transcript so far must survive the kill, marked incomplete, with the words that were final; the new instance must
 * remove the snoop, externalMedia channel and bridges the dead one left in Asterisk, pick the call up again as a
 * call of its own, and transcribe it from then on to its end, the audio of both parties unbroken from the pick-up
 * to the hang-up ({@code --keep-audio}). The recogniser is the labelled {@link ScriptedVoskServer} double (one word
 * per 0.1 s of 16 kHz audio), so words are a function of the audio received.
 */
@RequiresAsterisk
class AriCrashRestartTest {

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    @AutoClose
    static ScriptedVoskServer vosk;

    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions("""
                [crash-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(num)=${EXTEN}00)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()

                """ + TestCalls.ariPlayContext(dir.resolve("asterisk"))).start();
        vosk = ScriptedVoskServer.start();
        vosk.bytesPerWord(3200);
    }

    @Test
    void killedMidCallTheTranscriptSoFarSurvivesAndTheRestartedServicePicksTheCallUpAgain() throws Exception {
        Path out = dir.resolve("out");
        Path kept = Files.createDirectories(dir.resolve("kept"));
        TestAudio.Clip clip = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        TestAudio.Clip callerAudio = clip.then(clip.inverted());
        TestAudio.Clip calleeAudio = clip.inverted().then(clip).delayedBy(0.3);
        int audioSocketPort;
        try (ServerSocket s = new ServerSocket(0)) {
            audioSocketPort = s.getLocalPort();
        }
        List<String> args = List.of("run", "--ari", asterisk.httpBaseUri().toString(), "--ari-user", asterisk.ariUser(),
                "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                "--audiosocket", "127.0.0.1:" + audioSocketPort, "--http", "off", "--spool", "off", "--store", "off",
                "--keep-audio", kept.toString(), "--out-dir", out.toString(), "--shutdown-grace", "5");
        Path log0 = dir.resolve("service-0.log");
        Path log1 = dir.resolve("service-1.log");
        Process first = startService(args, log0);
        Process second = null;
        try {
            TestCalls.BridgedCall call = TestCalls.bridgedByAri(asterisk, "crash", "crash-tests", callerAudio, calleeAudio, null);
            // Killed once both parties are streaming and some words are final (the in-progress log holds them).
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.readString(log0).split("snooping", -1).length - 1 == 2);
            Thread.sleep(5000);
            first.destroyForcibly(); // SIGKILL
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(asterisk.channels()).as("the parties are still talking, with the dead instance's snoops")
                    .anyMatch(c -> c.startsWith("Snoop/")).anyMatch(c -> c.startsWith("Local/crash@crash-tests"));

            second = startService(args, log1);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.readString(log1).split("snooping", -1).length - 1 == 2);
            String restartLog = Files.readString(log1);
            assertThat(restartLog).contains("callscribe stopped before the call ended")
                    .containsPattern("ARI: removed [0-9]+ channel\\(s\\)/bridge\\(s\\) left by an earlier run");

            // The call ends when its parties hang up; then nothing of either instance is left in Asterisk.
            await().atMost(Duration.ofSeconds((long) call.seconds() + 15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> transcripts(out).size() == 2 && transcripts(out).stream().anyMatch(t -> t.path("complete").asBoolean()));
            asterisk.awaitNoChannels(Duration.ofSeconds(5));
            assertThat(asterisk.ariOk("GET", "/bridges")).doesNotContain("callscribe-");

            List<JsonNode> ts = transcripts(out);
            JsonNode cut = ts.stream().filter(t -> !t.get("complete").asBoolean()).findFirst()
                    .orElseThrow(() -> new AssertionError("no transcript marked incomplete among " + ts));
            JsonNode again = ts.stream().filter(t -> t.get("complete").asBoolean()).findFirst()
                    .orElseThrow(() -> new AssertionError("no complete transcript among " + ts));
            System.out.printf("crash restart: cut call %s (%s, %d finals), picked up as %s (%d finals); the restart logged:%n%s%n",
                    cut.get("call").asText(), cut.get("end_reason").asText(), cut.get("finals").size(), again.get("call").asText(),
                    again.get("finals").size(), restartLog.lines().filter(l -> l.contains("ARI") || l.contains("stopped before"))
                            .reduce("", (x, y) -> x + "  " + y + "\n"));
            assertThat(cut.get("end_reason").asText()).startsWith("incomplete");
            assertThat(again.get("call").asText()).as("the pick-up is a call of its own; the cut one is not overwritten")
                    .isNotEqualTo(cut.get("call").asText()).startsWith(cut.get("call").asText());
            assertThat(channels(again)).as("the same two parties").containsExactlyInAnyOrderElementsOf(channels(cut));
            for (JsonNode p : cut.get("parties")) {
                String speaker = p.get("speaker").asText();
                assertThat(words(cut, speaker)).as("words of %s final before the kill", speaker).isNotEmpty();
            }

            // From the pick-up to the hang-up, each party's audio reached the new instance whole.
            String callerPrefix = "Local/crash@crash-tests-";
            String calleePrefix = "Local/crash@callscribe-callee-";
            assertWholeFromPickUp("caller", callerAudio, RunHarness.keptAudio(kept, again, callerPrefix));
            assertWholeFromPickUp("callee", calleeAudio, RunHarness.keptAudio(kept, again, calleePrefix));
            // ... and the recogniser got it: one word per 3200 bytes of what was kept.
            for (JsonNode p : again.get("parties")) {
                int bytes = RunHarness.keptAudio(kept, again, p.get("channel").asText()).pcm().length;
                assertThat(words(again, p.get("speaker").asText()).size()).as("words of %s", p.get("speaker"))
                        .isBetween(bytes / 3200 - 1, bytes / 3200 + 1);
            }
        } finally {
            first.destroyForcibly();
            if (second != null) {
                RunHarness.stopProcess(second);
            }
        }
    }

    /**
     * The picked-up call holds the party's speech from where it was picked up to the end: every 50 ms of speech after
     * the first sample it holds ({@link HeardAudio#missing}; quiet stretches are not checked, a stream may end a
     * frame or two before the played file does).
     */
    private static void assertWholeFromPickUp(String party, TestAudio.Clip played, TestAudio.Clip received) {
        String spans = HeardAudio.coverage(played, List.of(received)).getFirst();
        System.out.printf("crash restart: %s played %.1f s, the picked-up call holds %s%n", party, played.seconds(), spans);
        assertThat(spans).as("%s: the picked-up call holds some of its audio", party).isNotEmpty();
        double from = Double.parseDouble(spans.substring(0, spans.indexOf('-')));
        assertThat(from).as("%s: picked up mid-call", party).isGreaterThan(3.0);
        // from + 0.01: the coverage is printed to 0.01 s, so the pick-up itself may lie up to 0.005 s after "from"
        assertThat(HeardAudio.missing(played.slice(from + 0.01, played.seconds()), List.of(received)))
                .as("%s: speech after the pick-up at %.2f s not received (the call held %s)", party, from, spans).isEmpty();
    }

    private static List<JsonNode> transcripts(Path out) throws Exception {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        List<JsonNode> ts = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                ts.add(readJson(p));
            }
        }
        return ts;
    }


    private static Process startService(List<String> args, Path log) throws Exception {
        Process p = RunHarness.startProcess(args, log);
        try {
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("callscribe run exited: " + Files.readString(log));
                }
                return Files.readString(log).contains("ARI events connected to ");
            });
        } catch (AssertionError exited) {
            p.destroyForcibly();
            throw exited;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            p.destroyForcibly();
            long t0 = System.nanoTime();
            String diag;
            try {
                diag = "GET /asterisk/info: " + asterisk.ari("GET", "/asterisk/info").statusCode();
            } catch (Exception x) {
                diag = "GET /asterisk/info failed: " + x;
            }
            diag += " after " + (System.nanoTime() - t0) / 1_000_000 + " ms\n" + asterisk.cli("ari show apps") + "\n"
                    + asterisk.cli("core show channels") + "\n" + asterisk.cli("http show status") + "\n" + asterisk.cli("core show threads");
            throw new AssertionError("callscribe run did not connect to ARI within 45 s; its log:\n" + Files.readString(log)
                    + "\nAsterisk:\n" + diag, e);
        }
        return p;
    }
}
