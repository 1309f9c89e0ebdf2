package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A blind transfer on a real Asterisk, followed by {@code callscribe run --ari}: caller A and callee B are bridged and
 * transcribed; mid-call A is redirected ({@code channel redirect}, what a blind transfer does) to an extension that
 * dials a third party C, so B is hung up and A ends up bridged with C. Then: B's stream ends with the first call; A's
 * snoop is handed from the first call to the second (linkedid, then linkedid-2) without a gap, so every 0.1 s of A's
 * audio is in one of the two transcripts; the new pair A-C is transcribed; nothing of ours is left in Asterisk. The
 * recogniser is the labelled {@link ScriptedVoskServer} double (one word per 0.1 s of audio received, VAD off).
 */
@RequiresAsterisk
class AriTransferTest {

    private static final double CALL_SECONDS = 16.0;
    /** When A is transferred, after the call began. */
    private static final double TRANSFER_AT = 6.0;

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    @AutoClose
    static ScriptedVoskServer vosk;

    @BeforeAll
    static void start() throws Exception {
        Path sounds = dir.resolve("asterisk").resolve("sounds");
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions("""
                [xfer-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(num)=${EXTEN}00)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()
                ; the blind transfer's target: dial the third party
                exten => _third-[0-9a-zA-Z].,1,Dial(Local/${EXTEN}@xfer-third/n)
                 same => n,Hangup()

                [xfer-third]
                exten => _third-[0-9a-zA-Z].,1,Answer()
                 same => n,Playback(SOUNDS/${EXTEN})
                 same => n,Wait(600)

                """.replace("SOUNDS", sounds.toString()) + TestCalls.ariPlayContext(dir.resolve("asterisk"))).start();
        vosk = ScriptedVoskServer.start();
    }

    @Test
    void aBlindTransferMovesTheStayingPartyToANewCallWithoutLosingItsAudio() throws Exception {
        Path out = dir.resolve("out");
        TestAudio.Clip speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav")).paddedTo(CALL_SECONDS);
        TestAudio.place(asterisk, "third-tr", speech.paddedTo(CALL_SECONDS));
        try (RunCommand.Service service = RunHarness.start("--ari", asterisk.httpBaseUri().toString(), "--ari-user",
                asterisk.ariUser(), "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--store", "off",
                "--out-dir", out.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            long placed = System.nanoTime();
            TestCalls.bridgedByAri(asterisk, "tr", "xfer-tests", speech, speech, null);
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().activeParties() == 2);
            Thread.sleep(Math.max(0, (long) (TRANSFER_AT * 1000) - (System.nanoTime() - placed) / 1_000_000));
            String a = asterisk.channels().stream().filter(c -> c.startsWith("Local/tr@xfer-tests-") && c.endsWith(";2"))
                    .findFirst().orElseThrow(() -> new AssertionError("no caller party in " + asterisk.channels()));
            String reply = asterisk.cli("channel redirect " + a + " xfer-tests,third-tr,1");
            assertThat(reply).as("redirect").doesNotContainIgnoringCase("fail").doesNotContainIgnoringCase("no such");

            // The caller's playback ends the call: A hangs up, C with it.
            await().atMost(Duration.ofSeconds((long) CALL_SECONDS + 15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/")));
            await().atMost(Duration.ofSeconds(10)).until(() -> service.ari().activeParties() == 0
                    && service.calls().liveCalls().isEmpty());
            asterisk.awaitNoChannels(Duration.ofSeconds(3));
            assertThat(asterisk.cli("bridge show all")).doesNotContain("callscribe-br-");

            List<JsonNode> transcripts = new ArrayList<>();
            try (Stream<Path> files = Files.list(out)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    transcripts.add(RunHarness.readJson(p));
                }
            }
            assertThat(transcripts).as("the first pair and the pair after the transfer").hasSize(2);
            JsonNode first = transcripts.stream().filter(t -> !t.get("call").asText().endsWith("-2")).findFirst().orElseThrow();
            JsonNode second = transcripts.stream().filter(t -> t.get("call").asText().endsWith("-2")).findFirst().orElseThrow();
            assertThat(second.get("call").asText()).isEqualTo(first.get("call").asText() + "-2");
            for (JsonNode t : transcripts) {
                assertThat(t.has("errors")).as("%s", t).isFalse();
            }
            String speakerA = speaker(first, "Local/tr@xfer-tests-");
            String speakerB = speaker(first, "Local/tr@callscribe-callee-");
            assertThat(speaker(second, "Local/tr@xfer-tests-")).as("A in the second call").isNotEmpty();
            String speakerC = speaker(second, "Local/third-tr@xfer-third-");

            double bSeconds = seconds(first, speakerB);
            double aFirst = seconds(first, speakerA);
            double aSecond = seconds(second, speaker(second, "Local/tr@xfer-tests-"));
            double cSeconds = seconds(second, speakerC);
            // B left at the transfer: its stream ended then, not at the end of the call.
            assertThat(bSeconds).as("B, heard until the transfer").isBetween(TRANSFER_AT - 2.5, TRANSFER_AT + 1.5);
            // A's snoop was handed over with an overlap, not a gap: all of A's call after its first setup is heard.
            assertThat(aFirst).as("A in the first call").isGreaterThan(TRANSFER_AT - 2.5);
            assertThat(aFirst + aSecond).as("A over both calls (first %.1f s + second %.1f s), of a %.1f s call",
                    aFirst, aSecond, CALL_SECONDS + 0.5).isGreaterThan(CALL_SECONDS + 0.5 - 1.5);
            // The new pair: C from its answer to the hang-up.
            assertThat(cSeconds).as("C after the transfer").isGreaterThan(CALL_SECONDS + 0.5 - TRANSFER_AT - 3.0);
        }
    }

    /** The speaker of the party whose channel name starts with {@code channelPrefix}. */
    private static String speaker(JsonNode transcript, String channelPrefix) {
        for (JsonNode p : transcript.get("parties")) {
            if (p.path("channel").asText().startsWith(channelPrefix)) {
                return p.path("speaker").asText();
            }
        }
        throw new AssertionError("no party " + channelPrefix + "* in " + transcript.get("parties"));
    }

    /** Seconds of audio the double heard from {@code speaker}: one word per 0.1 s (3200 bytes at 16 kHz). */
    private static double seconds(JsonNode transcript, String speaker) {
        return RunHarness.words(transcript, speaker).size() / 10.0;
    }
}
