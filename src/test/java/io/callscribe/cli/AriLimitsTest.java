package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.rtp.RtpReceiver;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ARI mode's limits on a real Asterisk, with the labelled {@link ScriptedVoskServer} double as the recogniser:
 * {@code --ari-max-calls} (a call beyond it is not picked up: one log line, no snoop, the call in progress goes on
 * whole, and once it ended a new call is taken again) and the RTP transport's audio buffer ({@code --ari-buffer-seconds}
 * + {@code --ari-max-spill-seconds}: a party whose recogniser fell behind beyond both ends with an error, its snoop
 * is removed while the call goes on, and what arrived before is transcribed).
 */
@RequiresAsterisk
class AriLimitsTest {

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    @AutoClose
    static ScriptedVoskServer vosk;
    static TestAudio.Clip speech;

    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions("""
                [ari-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(num)=${EXTEN}00)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()

                """ + TestCalls.ariPlayContext(dir.resolve("asterisk"))).start();
        vosk = ScriptedVoskServer.start();
        speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
    }

    @AfterEach
    void noCallLeft() throws InterruptedException {
        vosk.resumeReplies();
        asterisk.hangupAll();
        asterisk.awaitNoChannels(Duration.ofSeconds(10));
    }

    private static RunCommand.Service run(Path out, String... more) throws Exception {
        String[] base = {"--ari", asterisk.ariBaseUri().toString(), "--ari-user", asterisk.ariUser(),
                "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--store", "off", "--out-dir", out.toString()};
        return RunHarness.start(Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new));
    }

    private static long snoops() {
        return asterisk.channels().stream().filter(c -> c.startsWith("Snoop/")).count();
    }

    private static boolean callsUp() {
        return asterisk.channels().stream().anyMatch(c -> c.startsWith("Local/"));
    }

    @Test
    void aCallBeyondTheCallLimitIsNotPickedUpAndTheCallInProgressGoesOnWhole() throws Exception {
        Path out = dir.resolve("out-max-calls");
        try (CapturedLog log = CapturedLog.of(AriSource.class);
             RunCommand.Service service = run(out, "--ari-max-calls", "1")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            TestCalls.bridgedByAri(asterisk, "first", "ari-tests", speech.paddedTo(8), speech.paddedTo(8), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> service.ari().activeParties() == 2 && snoops() == 2);
            TestCalls.bridgedByAri(asterisk, "second", "ari-tests", speech.paddedTo(4), speech.paddedTo(4), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.matching("(--ari-max-calls)").isEmpty());
            assertThat(log.matching("(--ari-max-calls)")).singleElement().asString()
                    .contains("not transcribed: 1 calls are being transcribed, the limit (--ari-max-calls)")
                    .contains("Local/second@ari-tests");
            assertThat(snoops()).as("no snoop for the call beyond the limit").isEqualTo(2);
            assertThat(service.ari().activeParties()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !callsUp());
            await().atMost(Duration.ofSeconds(10)).until(() -> service.ari().activeParties() == 0
                    && service.calls().liveCalls().isEmpty());

            // The limit is a number of calls at once: with the first ended, the next one is taken.
            TestCalls.bridgedByAri(asterisk, "third", "ari-tests", speech.paddedTo(4), speech.paddedTo(4), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> service.ari().activeParties() == 2);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !callsUp());
            await().atMost(Duration.ofSeconds(10)).until(() -> service.calls().liveCalls().isEmpty());
            Map<String, JsonNode> byCall = transcripts(out);
            assertThat(byCall).containsOnlyKeys("first", "third");
            for (String id : byCall.keySet()) {
                JsonNode t = byCall.get(id);
                assertThat(t.has("errors")).as("%s: %s", id, t).isFalse();
                assertThat(RunHarness.words(t, id + "00")).as("%s caller", id).isNotEmpty();
                assertThat(RunHarness.words(t, id)).as("%s callee", id).isNotEmpty();
            }
            assertThat(log.matching("(--ari-max-calls)")).as("the third call was not refused").hasSize(1);
            assertThat(log.withStackTrace()).isEmpty();
        }
    }

    @Test
    void aPartyWhoseRecogniserFallsBehindBeyondItsRtpBufferEndsWithAnErrorKeepingWhatArrived() throws Exception {
        Path out = dir.resolve("out-rtp-buffer");
        try (CapturedLog log = CapturedLog.of(RtpReceiver.class);
             RunCommand.Service service = run(out, "--ari-transport", "rtp", "--ari-buffer-seconds", "1",
                     "--ari-max-spill-seconds", "1")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            vosk.pauseReplies(); // the recogniser stops answering: both parties' audio piles up in callscribe
            TestCalls.bridgedByAri(asterisk, "lagging", "ari-tests", speech.paddedTo(12), speech.paddedTo(12), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> snoops() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.matching("audio buffer full").size() == 2);
            // Each party's stream ended at its limit: its snoop goes while the call itself goes on.
            await().atMost(Duration.ofSeconds(5)).until(() -> snoops() == 0);
            assertThat(callsUp()).as("the call goes on").isTrue();
            assertThat(log.matching("audio buffer full")).allSatisfy(l -> assertThat(l)
                    .contains("(--ari-buffer-seconds + --ari-max-spill-seconds)").contains("s received are transcribed"));
            vosk.resumeReplies();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !callsUp());
            await().atMost(Duration.ofSeconds(10)).until(() -> service.calls().liveCalls().isEmpty());
            JsonNode t = transcripts(out).get("lagging");
            assertThat(t.path("errors").toString()).contains("audio buffer full: more than 2 s of audio waiting for the recogniser");
            assertThat(t.get("audio_seconds").asDouble()).as("received before the limit: %s", t).isGreaterThanOrEqualTo(2.0).isLessThan(8.0);
            assertThat(RunHarness.words(t, "lagging00")).as("the caller's audio before the limit").isNotEmpty();
            assertThat(RunHarness.words(t, "lagging")).as("the callee's audio before the limit").isNotEmpty();
            assertThat(log.withStackTrace()).isEmpty();
        }
    }

    /** Each transcript in {@code out}, by the extension its caller dialled. */
    private static Map<String, JsonNode> transcripts(Path out) throws Exception {
        Map<String, JsonNode> byCall = new HashMap<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                JsonNode t = RunHarness.readJson(p);
                byCall.put(t.get("parties").get(0).get("dialed_exten").asText(), t);
            }
        }
        return byCall;
    }
}
