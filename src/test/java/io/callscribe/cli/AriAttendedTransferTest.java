package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.DocSnippets;
import io.callscribe.testing.asterisk.HeardAudio;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.callscribe.cli.RunHarness.channels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An attended transfer on a real Asterisk, done the way a phone user does it: caller A, bridged with B by
 * {@code Dial(...,T)}, presses the attended-transfer key ({@code features.conf} {@code atxfer => *7}, the snippet
 * {@code features-atxfer} of docs/asterisk.md, sent by A's side with {@code SendDTMF}); Asterisk puts B on hold, dials
 * the transfer target C ({@code TRANSFER_CONTEXT} / {@code TRANSFER_EXTEN}) and bridges A with C for the consultation; A hangs up, which completes the transfer: B and C
 * are bridged. callscribe transcribes the three pairs one after the other: A-B (the linkedid), A-C (linkedid-2), B-C
 * (linkedid-3), each party handed from one call to the next without a gap. Checked: every 50 ms of speech each party
 * played is, sample for sample, in the audio callscribe received from it ({@code --keep-audio}, what the recogniser
 * was fed), and the recogniser's words match that audio; the calls end within 2 s of the last hang-up; nothing of
 * ours is left in Asterisk. The recogniser is the labelled {@link ScriptedVoskServer} double (one word per 0.1 s of
 * 16 kHz audio received, VAD off).
 */
@RequiresAsterisk
class AriAttendedTransferTest {

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    @AutoClose
    static ScriptedVoskServer vosk;

    @BeforeAll
    static void start() throws Exception {
        Path sounds = dir.resolve("asterisk").resolve("sounds");
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk"))
                .file("features.conf", DocSnippets.asterisk("features-atxfer"))
                .extensions("""
                        ; A's side of the call: the caller's party (the Local pair's ;2) dials B, may transfer (T)
                        [atx-tests]
                        exten => _[0-9a-zA-Z].,1,Set(CALLERID(num)=${EXTEN}00)
                         same => n,Set(TRANSFER_CONTEXT=atx-third)
                         same => n,Set(TRANSFER_EXTEN=third-${EXTEN})
                         same => n,Dial(Local/${EXTEN}@callscribe-callee/n,,T)
                         same => n,Hangup()

                        ; what A says: before the transfer, then to C while B is on hold; then A hangs up
                        [atx-play]
                        exten => _[0-9a-zA-Z].,1,Playback(SOUNDS/${EXTEN}-before)
                         same => n,SendDTMF(*7)
                         same => n,Playback(SOUNDS/${EXTEN}-consult)
                         same => n,Hangup()

                        ; the transfer target C: answers, speaks, hangs up
                        [atx-third]
                        exten => _third-[0-9a-zA-Z].,1,Answer()
                         same => n,Playback(SOUNDS/${EXTEN})
                         same => n,Hangup()

                        """.replace("SOUNDS", sounds.toString()))
                .start();
        vosk = ScriptedVoskServer.start();
        vosk.bytesPerWord(3200);
    }

    @Test
    void anAttendedTransferHandsEachPartyOnToTheNextPairWithoutLosingSpeech() throws Exception {
        Path out = dir.resolve("out");
        Path kept = Files.createDirectories(dir.resolve("kept"));
        // Utterance 1 is at 1.2-4.0 s of the clip, utterance 2 at 5.2-8.1 s.
        TestAudio.Clip clip = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        TestAudio.Clip aBefore = clip.slice(0, 4.6);
        TestAudio.Clip aConsult = clip.slice(4.4, clip.seconds()).paddedTo(5.5);
        TestAudio.Clip b = clip.then(clip.inverted());
        TestAudio.Clip c = clip.then(clip.inverted()).delayedBy(0.5);
        TestAudio.place(asterisk, "att-before", aBefore);
        TestAudio.place(asterisk, "att-consult", aConsult);
        TestAudio.place(asterisk, "att-callee", b);
        TestAudio.place(asterisk, "third-att", c);
        try (RunCommand.Service service = RunHarness.start("--ari", asterisk.httpBaseUri().toString(), "--ari-user",
                asterisk.ariUser(), "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--store", "off",
                "--keep-audio", kept.toString(), "--out-dir", out.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            // Originated by ARI at 16 kHz end to end (see TestCalls.bridgedByAri), A's side playing from atx-play.
            asterisk.ariOk("POST", "/channels?endpoint=" + enc("Local/att@atx-tests/n") + "&extension=att"
                    + "&context=atx-play&priority=1&formats=slin16");
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().activeParties() == 2);

            // A hangs up after the consultation, C after its speech: then B is hung up too.
            long lastHangup = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (System.nanoTime() < deadline) {
                if (asterisk.channels().stream().noneMatch(ch -> ch.startsWith("Local/"))) {
                    lastHangup = System.nanoTime();
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(lastHangup).as("the parties hung up; channels: %s", asterisk.channels()).isNotZero();
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> service.calls().liveCalls().isEmpty());
            double endedAfter = (System.nanoTime() - lastHangup) / 1e9;
            System.out.printf("attended transfer: every call ended %.2f s after the last hang-up%n", endedAfter);
            assertThat(endedAfter).as("every call ended within 2 s of the last hang-up").isLessThan(2.0);
            await().atMost(Duration.ofSeconds(3)).until(() -> service.ari().activeParties() == 0);
            asterisk.awaitNoChannels(Duration.ofSeconds(3));
            assertThat(asterisk.ariOk("GET", "/bridges")).doesNotContain("callscribe-");
            assertThat(asterisk.cli("bridge show all")).doesNotContain("callscribe-br-");

            Map<String, JsonNode> byCall = new LinkedHashMap<>();
            try (Stream<Path> files = Files.list(out)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    JsonNode t = RunHarness.readJson(p);
                    byCall.put(t.get("call").asText(), t);
                }
            }
            assertThat(byCall).as("A-B, then A-C (consultation), then B-C (transferred)").hasSize(3);
            String linkedid = byCall.keySet().stream().filter(id -> !id.matches(".*-[0-9]+$")).findFirst()
                    .orElseThrow(() -> new AssertionError("no call named by the linkedid alone: " + byCall.keySet()));
            JsonNode ab = byCall.get(linkedid);
            JsonNode ac = byCall.get(linkedid + "-2");
            JsonNode bc = byCall.get(linkedid + "-3");
            assertThat(ac).as("A-C is %s-2 in %s", linkedid, byCall.keySet()).isNotNull();
            assertThat(bc).as("B-C is %s-3 in %s", linkedid, byCall.keySet()).isNotNull();
            for (JsonNode t : byCall.values()) {
                assertThat(t.has("errors")).as("%s", t).isFalse();
            }
            String partyA = "Local/att@atx-tests-";
            String partyB = "Local/att@callscribe-callee-";
            String partyC = "Local/third-att@atx-third-";
            assertThat(channels(ab)).as("A-B").satisfiesExactlyInAnyOrder(n -> assertThat(n).startsWith(partyA),
                    n -> assertThat(n).startsWith(partyB));
            assertThat(channels(ac)).as("A-C").satisfiesExactlyInAnyOrder(n -> assertThat(n).startsWith(partyA),
                    n -> assertThat(n).startsWith(partyC));
            assertThat(channels(bc)).as("B-C").satisfiesExactlyInAnyOrder(n -> assertThat(n).startsWith(partyB),
                    n -> assertThat(n).startsWith(partyC));

            // Every 50 ms of each party's speech reached callscribe, in one call or the next.
            TestAudio.Clip aPlayed = aBefore.then(aConsult);
            assertHeard("A", aPlayed, List.of(RunHarness.keptAudio(kept, ab, partyA), RunHarness.keptAudio(kept, ac, partyA)));
            assertHeard("B", b, List.of(RunHarness.keptAudio(kept, ab, partyB), RunHarness.keptAudio(kept, bc, partyB)));
            assertHeard("C", c, List.of(RunHarness.keptAudio(kept, ac, partyC), RunHarness.keptAudio(kept, bc, partyC)));
            // ... and the recogniser got it: its words (one per 3200 bytes) are those of the audio kept.
            for (JsonNode t : byCall.values()) {
                for (JsonNode p : t.get("parties")) {
                    String speaker = p.get("speaker").asText();
                    int bytes = RunHarness.keptAudio(kept, t, p.get("channel").asText()).pcm().length;
                    assertThat(RunHarness.words(t, speaker).size()).as("words of %s in %s", speaker, t.get("call"))
                            .isBetween(bytes / 3200 - 1, bytes / 3200 + 1);
                }
            }
        }
    }

    private static void assertHeard(String party, TestAudio.Clip played, List<TestAudio.Clip> received) {
        List<String> lost = HeardAudio.missing(played, received);
        double heardSeconds = received.stream().mapToDouble(TestAudio.Clip::seconds).sum();
        List<String> coverage = HeardAudio.coverage(played, received);
        System.out.printf("attended transfer: %s played %.1f s (%.1f s speech), callscribe received %s s holding %s; lost %s%n",
                party, played.seconds(), HeardAudio.speechSeconds(played),
                received.stream().map(r -> String.format("%.2f", r.seconds())).toList(), coverage, lost);
        assertThat(lost).as("%s's speech not received (played %.1f s, received %.1f s over its calls; each call held %s)",
                party, played.seconds(), heardSeconds, coverage).isEmpty();
    }


    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
