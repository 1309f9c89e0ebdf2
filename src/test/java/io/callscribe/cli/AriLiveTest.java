package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.Sphinx4Settings;
import io.callscribe.engine.sphinx.WordErrorRate;
import io.callscribe.event.EventJson;
import io.callscribe.session.CallSession;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.source.ari.AriException;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.asterisk.DocSnippets;
import io.callscribe.testing.asterisk.HeardAudio;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code callscribe run --ari} on a real Asterisk: a two-party bridged call (Local channel pairs, each side playing
 * its own sentence) is found by ARI events, each party snooped and streamed back by externalMedia (AudioSocket or
 * RTP), transcribed as two speakers of one call whose id is the linkedid, ended when the parties hang up, and
 * nothing callscribe created stays in Asterisk.
 */
@RequiresAsterisk
class AriLiveTest {

    private static final double LEAD_IN = 5.0;
    /** The callee starts this much after the caller. */
    private static final double CALLEE_OFFSET = 0.3;
    private static final String FRESH_STREAMS = Sphinx4Settings.PROPERTY_PREFIX + "freshStreams";
    private static final String TRUTH_CALLER = "I would like to check the status of my order.";
    private static final String TRUTH_CALLEE = "Please send me a refund for the damaged item.";
    private static final Path CLIP = Path.of("src/test/resources/speech/two-utterances-16k.wav");

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    static TestAudio.Clip callerSays;
    static TestAudio.Clip calleeSays;
    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions(("""
                [ari-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(all)="Alice Caller" <1001>)
                 same => n,Set(CALLSCRIBE_TEAM=support)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()

                """ + TestCalls.ariPlayContext(dir.resolve("asterisk")) + DocSnippets.asterisk("ari-off"))).start();
        TestAudio.Clip speech = TestAudio.read(CLIP);
        callerSays = speech.slice(1.0, 4.4);
        calleeSays = speech.slice(5.1, 8.5);
    }

    @AfterEach
    void noCallLeft() {
        asterisk.hangupAll();
    }

    private RunCommand.Service callscribe(Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--ari", asterisk.httpBaseUri().toString(),
                "--ari-user", asterisk.ariUser(), "--ari-password", asterisk.ariPassword(),
                "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--out-dir", out.toString(),
                "--events", out.resolve("events.jsonl").toString(), "--ari-variables", "CALLSCRIBE_TEAM"));
        if (List.of(extra).contains("--audiosocket")) {
            int at = args.indexOf("--audiosocket");
            args.subList(at, at + 2).clear(); // the test chose the listener's address
        }
        args.addAll(List.of(extra));
        System.setProperty(FRESH_STREAMS, "true"); // read once, when the service creates its engine
        try {
            return RunHarness.start(args.toArray(String[]::new));
        } finally {
            System.clearProperty(FRESH_STREAMS);
        }
    }

    @Test
    void aCallInProgressIsPickedUpAndBothSpeakersAreTranscribedOverAudioSocket() throws Exception {
        Path out = dir.resolve("audiosocket");
        // The call begins first: callscribe finds it with GET /bridges when it connects. Both sides talk only
        // after a lead-in, so that the words come after the snoop is up even on a busy machine.
        TestCalls.BridgedCall call = call16k("as1", "ari-tests", callerSays.delayedBy(LEAD_IN),
                calleeSays.delayedBy(LEAD_IN + CALLEE_OFFSET));
        await().atMost(Duration.ofSeconds(5)).until(() -> asterisk.cli("bridge show all").contains("simple_bridge"));
        try (RunCommand.Service service = callscribe(out, "--keep-audio", out.resolve("kept").toString())) {
            checkCall(service, out, call, "as1");
        }
    }

    @Test
    void rtpTransportGivesTheSameTranscript() throws Exception {
        Path out = dir.resolve("rtp");
        try (RunCommand.Service service = callscribe(out, "--ari-transport", "rtp", "--keep-audio", out.resolve("kept").toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            TestCalls.BridgedCall call = call16k("rtp1", "ari-tests", callerSays.delayedBy(LEAD_IN),
                    calleeSays.delayedBy(LEAD_IN + CALLEE_OFFSET));
            checkCall(service, out, call, "rtp1");
        }
    }

    private static TestCalls.BridgedCall call16k(String id, String context, TestAudio.Clip caller, TestAudio.Clip callee)
            throws Exception {
        return TestCalls.bridgedByAri(asterisk, id, context, caller, callee, null);
    }

    @Test
    void chanWebSocketTransportGivesTheSameTranscript() throws Exception {
        Path out = dir.resolve("websocket");
        try (RunCommand.Service service = callscribe(out, "--ari-transport", "websocket", "--keep-audio", out.resolve("kept").toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            TestCalls.BridgedCall call = call16k("ws1", "ari-tests", callerSays.delayedBy(LEAD_IN),
                    calleeSays.delayedBy(LEAD_IN + CALLEE_OFFSET));
            checkCall(service, out, call, "ws1");
        }
    }

    private void checkCall(RunCommand.Service service, Path out, TestCalls.BridgedCall call, String id)
            throws Exception {
        // The hang-up: the caller's Playback ends, the Local pairs go. Our streams must end within 2 s of it.
        await().atMost(Duration.ofSeconds((long) call.seconds() * 4 + 10)).pollInterval(Duration.ofMillis(50))
                .until(() -> service.calls().callsStarted() > 0);
        await().atMost(Duration.ofSeconds((long) call.seconds() * 4 + 10)).pollInterval(Duration.ofMillis(50))
                .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/" + id + "@")));
        long hungUp = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> service.ari().activeParties() == 0);
        double streamsEnded = (System.nanoTime() - hungUp) / 1e9;
        assertThat(streamsEnded).as("s from the hang-up to both streams ended and our channels removed").isLessThan(2.0);
        asterisk.awaitNoChannels(Duration.ofSeconds(2));
        assertThat(asterisk.cli("bridge show all")).doesNotContain("callscribe-br-");

        Path json = await().atMost(Duration.ofSeconds(120)).until(() -> transcript(out), p -> p != null);
        JsonNode t = RunHarness.readJson(json);
        String callId = t.get("call").asText();
        assertThat(callId).as("the call id is the linkedid").matches("[0-9]+\\.[0-9]+");
        JsonNode parties = t.get("parties");
        assertThat(parties).hasSize(2);
        JsonNode caller = parties.get(0);
        JsonNode callee = parties.get(1);
        assertThat(caller.get("role").asText()).isEqualTo("caller");
        assertThat(caller.get("caller_number").asText()).isEqualTo("1001");
        assertThat(caller.get("caller_name").asText()).isEqualTo("Alice Caller");
        assertThat(caller.get("speaker").asText()).isEqualTo("Alice Caller");
        assertThat(caller.get("linkedid").asText()).isEqualTo(callId);
        assertThat(caller.get("uniqueid").asText()).isNotEqualTo(callee.get("uniqueid").asText());
        assertThat(caller.get("channel").asText()).startsWith("Local/" + id + "@ari-tests");
        assertThat(callee.get("role").asText()).isEqualTo("callee");
        assertThat(callee.get("channel").asText()).startsWith("Local/" + id + "@callscribe-callee");
        assertThat(caller.get("dialed_exten").asText()).isEqualTo(id);
        String callerSpeaker = caller.get("speaker").asText();
        String calleeSpeaker = callee.get("speaker").asText();
        assertThat(calleeSpeaker).as("the callee is named by the caller's connected line: what it dialled")
                .isEqualTo(id).isEqualTo(callee.get("caller_number").asText());
        assertThat(caller.get("variables").path("CALLSCRIBE_TEAM").asText()).isEqualTo("support");

        // What callscribe received from each party (--keep-audio): the played sentence, sample for sample, and the
        // reference the live words are held to, fed directly as a finished two-leg call to the same engine.
        Path kept = out.resolve("kept");
        TestAudio.Clip callerKept = RunHarness.keptAudio(kept, t, "Local/" + id + "@ari-tests");
        TestAudio.Clip calleeKept = RunHarness.keptAudio(kept, t, "Local/" + id + "@callscribe-callee");
        assertReceived(id + " caller", callerSays, callerKept);
        assertReceived(id + " callee", calleeSays, calleeKept);
        JsonNode fed = directTwoLeg(id + "-kept", callerSpeaker, callerKept, calleeSpeaker, calleeKept);
        assertLikeKeptAudioFedDirectly(id, TRUTH_CALLER, RunHarness.words(t, callerSpeaker), RunHarness.words(fed, callerSpeaker));
        assertLikeKeptAudioFedDirectly(id, TRUTH_CALLEE, RunHarness.words(t, calleeSpeaker), RunHarness.words(fed, calleeSpeaker));

        // Ended within 2 s of the hang-up, and none of our channels or bridges is left.
        assertThat(callEnd(out, callId)).isPositive();
    }

    /**
     * The party's sentence reached callscribe: at most 0.25 s of its speech not found sample for sample in what
     * callscribe received (none on a quiet machine; Asterisk's audiohook drops frames under heavy load, up to 4%
     * measured at load 15-21 on the long call).
     */
    private static void assertReceived(String who, TestAudio.Clip played, TestAudio.Clip received) {
        List<String> lost = HeardAudio.missing(played, List.of(received));
        double lostSeconds = HeardAudio.lostSeconds(played, List.of(received));
        System.out.printf("ARI: %s played %.2f s (%.2f s speech), callscribe received %.2f s; lost %s%n", who,
                played.seconds(), HeardAudio.speechSeconds(played), received.seconds(), lost);
        assertThat(lostSeconds).as("%s: speech not received: %s", who, lost).isLessThanOrEqualTo(0.25);
    }

    /**
     * The live words against the same engine's words for the very audio callscribe received, fed directly: within 2
     * errors of the sentence's nine or ten words (equal in every run measured). Held to what was received and not to the played sentence
     * after some lead-in, because Sphinx4's words for a sentence this short depend on the silence before it by tens
     * of milliseconds (the callee's sentence: "damage item" or "damage i am", once "leave that neither of them
     * further damage i am"), and the party's stream starts when the snoop is up, somewhere in the played lead-in.
     */
    private static void assertLikeKeptAudioFedDirectly(String id, String truth, List<String> live, List<String> fed) {
        int words = WordErrorRate.normalise(truth).size();
        int liveErrors = WordErrorRate.errors(truth, String.join(" ", live));
        int fedErrors = WordErrorRate.errors(truth, String.join(" ", fed));
        String said = String.format("%s '%s' (%d words): %d errors live %s, %d errors for the received audio fed directly %s",
                id, truth, words, liveErrors, live, fedErrors, fed);
        System.out.println("ARI: " + said);
        assertThat(Math.abs(liveErrors - fedErrors)).as(said).isLessThanOrEqualTo(2);
        assertThat(live).as("some words: " + said).isNotEmpty();
    }

    /** When call_end was emitted (epoch seconds). */
    private static double callEnd(Path out, String callId) throws IOException {
        for (String line : Files.readAllLines(out.resolve("events.jsonl"))) {
            JsonNode n = EventJson.MAPPER.readTree(line);
            if (n.get("call").asText().equals(callId) && n.get("event").asText().equals("call_end")) {
                return java.time.Instant.parse(n.get("at").asText()).toEpochMilli() / 1000.0;
            }
        }
        throw new AssertionError("no call_end for " + callId);
    }

    private static Path transcript(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return null;
        }
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).findFirst().orElse(null);
        }
    }

    /**
     * Issue 9's bound, on a call long enough for it to mean something: the bundled 62 s support call (the caller's
     * and the agent's side, about 70 words each; one word is 1.4 points), both sides through ARI snoop +
     * externalMedia over AudioSocket, with a tap between Asterisk and callscribe's listener ({@code --ari-media-host
     * HOST:PORT}). What Asterisk sent is checked against what was played (every speech frame of each side arrives,
     * unchanged), then fed directly, as a finished two-leg call, to the same engine with the same settings: the live
     * call's word error rate must be within 3 points of the direct one.
     */
    @Test
    void aLongCallThroughAriIsWithinThreeWerPointsOfTheSameAudioFedDirectly() throws Exception {
        Path out = dir.resolve("long");
        TestAudio.Clip callerSide = TestAudio.read(Path.of("samples/support-call-in.wav")).at(16000);
        TestAudio.Clip agentSide = TestAudio.read(Path.of("samples/support-call-out.wav")).at(16000);
        int listenerPort;
        try (ServerSocket s = new ServerSocket(0)) {
            listenerPort = s.getLocalPort();
        }
        Path kept = dir.resolve("long-kept");
        try (AudioSocketTap tap = new AudioSocketTap(listenerPort);
             RunCommand.Service service = callscribe(out, "--audiosocket", "127.0.0.1:" + listenerPort,
                     "--ari-media-host", "127.0.0.1:" + tap.port(), "--keep-audio", kept.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            TestCalls.BridgedCall call = call16k("long1", "ari-tests", callerSide.delayedBy(LEAD_IN), agentSide.delayedBy(LEAD_IN));
            await().atMost(Duration.ofSeconds((long) call.seconds() * 3 + 10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/long1@")));
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().activeParties() == 0);
            asterisk.awaitNoChannels(Duration.ofSeconds(2));
            Path json = await().atMost(Duration.ofSeconds(180)).until(() -> transcript(out), p -> p != null);
            JsonNode live = RunHarness.readJson(json);
            String callerSpeaker = live.get("parties").get(0).get("speaker").asText();
            String agentSpeaker = live.get("parties").get(1).get("speaker").asText();

            assertThat(tap.connections()).as("one AudioSocket connection per party").isEqualTo(2);
            byte[][] tapped = {tap.audioOf(0), tap.audioOf(1)};
            // Which connection is whose: the one holding more of the caller's speech frames is the caller's.
            boolean firstIsCaller = speechFramesFound(callerSide.pcm(), tapped[0]) >= speechFramesFound(callerSide.pcm(), tapped[1]);
            byte[] callerHeard = tapped[firstIsCaller ? 0 : 1];
            byte[] agentHeard = tapped[firstIsCaller ? 1 : 0];
            double callerIntact = speechFramesFound(callerSide.pcm(), callerHeard);
            double agentIntact = speechFramesFound(agentSide.pcm(), agentHeard);
            System.out.printf("ARI long call: speech frames arrived unchanged: caller %.4f, agent %.4f%n", callerIntact, agentIntact);
            // All of them on a quiet machine; at load 15-21 Asterisk's audiohook dropped up to 4% before callscribe got them.
            assertThat(callerIntact).as("caller's speech frames that reached callscribe unchanged").isGreaterThanOrEqualTo(0.95);
            assertThat(agentIntact).as("agent's speech frames that reached callscribe unchanged").isGreaterThanOrEqualTo(0.95);
            // --keep-audio against an independent tap: each party's kept WAV is the bytes Asterisk sent, all of them.
            String callId = live.get("call").asText();
            assertThat(keptAudio(kept, callId, callerSpeaker).pcm()).as("the caller's kept audio is what the tap saw")
                    .isEqualTo(callerHeard);
            assertThat(keptAudio(kept, callId, agentSpeaker).pcm()).as("the agent's kept audio is what the tap saw")
                    .isEqualTo(agentHeard);

            JsonNode fed = directTwoLeg("long1-direct", callerSpeaker, new TestAudio.Clip(callerHeard, 16000),
                    agentSpeaker, new TestAudio.Clip(agentHeard, 16000));
            assertWithinPoints("audiosocket", live, fed, 0.03);
        }
    }

    /**
     * The same long call over RTP and over chan_websocket, followed at once by two callscribe instances with their own
     * {@code --ari-app} on one Asterisk (each must leave the other's snoop bridges alone). Neither transport can be
     * tapped, so each instance keeps what it received ({@code --keep-audio}, checked against a tap in the AudioSocket
     * test above): those very bytes are the reference, fed directly as a finished two-leg call to the same engine with
     * the same settings, and the live call's word error rate must be within 3 points of it, per transport.
     */
    @Test
    void aLongCallOverRtpAndChanWebSocketIsWithinThreeWerPointsOfItsKeptAudioFedDirectly() throws Exception {
        Path outRtp = dir.resolve("long-rtp");
        Path outWs = dir.resolve("long-ws");
        Path keptRtp = dir.resolve("long-rtp-kept");
        Path keptWs = dir.resolve("long-ws-kept");
        TestAudio.Clip callerSide = TestAudio.read(Path.of("samples/support-call-in.wav")).at(16000).delayedBy(LEAD_IN);
        TestAudio.Clip agentSide = TestAudio.read(Path.of("samples/support-call-out.wav")).at(16000).delayedBy(LEAD_IN);
        try (RunCommand.Service rtp = callscribe(outRtp, "--ari-transport", "rtp", "--ari-app", "callscribe-rtp",
                "--keep-audio", keptRtp.toString());
             RunCommand.Service ws = callscribe(outWs, "--ari-transport", "websocket", "--ari-app", "callscribe-ws",
                     "--keep-audio", keptWs.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> rtp.ari().connected() && ws.ari().connected());
            TestCalls.BridgedCall call = call16k("long2", "ari-tests", callerSide, agentSide);
            await().atMost(Duration.ofSeconds((long) call.seconds() * 3 + 10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/long2@")));
            await().atMost(Duration.ofSeconds(5)).until(() -> rtp.ari().activeParties() == 0 && ws.ari().activeParties() == 0);
            asterisk.awaitNoChannels(Duration.ofSeconds(2));
            JsonNode viaRtp = RunHarness.readJson(await().atMost(Duration.ofSeconds(180)).until(() -> transcript(outRtp), p -> p != null));
            JsonNode viaWs = RunHarness.readJson(await().atMost(Duration.ofSeconds(180)).until(() -> transcript(outWs), p -> p != null));
            assertThat(rtp.calls().callsStarted()).as("rtp: one call, not the other instance's snoop bridges").isEqualTo(1);
            assertThat(ws.calls().callsStarted()).as("websocket: one call, not the other instance's snoop bridges").isEqualTo(1);
            assertWithinPoints("rtp", viaRtp, keptFedDirectly("long2-rtp-direct", viaRtp, keptRtp, callerSide, agentSide), 0.03);
            assertWithinPoints("websocket", viaWs, keptFedDirectly("long2-ws-direct", viaWs, keptWs, callerSide, agentSide), 0.03);
        }
    }

    /** A party's kept audio ({@code --keep-audio}): {@code <call>.audio.<speaker>.wav}, finished. */
    private static TestAudio.Clip keptAudio(Path kept, String callId, String speaker) throws IOException {
        Path wav = kept.resolve(callId + ".audio." + io.callscribe.event.CallIds.sanitize(speaker) + ".wav");
        assertThat(wav).as("kept audio of " + speaker).exists();
        try (Stream<Path> files = Files.list(kept)) {
            assertThat(files.map(Path::toString)).as("no partial file left").noneMatch(f -> f.endsWith(".partial.wav"));
        }
        return TestAudio.read(wav);
    }

    /**
     * The live call's kept audio, both parties, fed directly as a two-leg call with the live call's speaker names,
     * after checking it is the played audio (its speech frames arrived unchanged: the bound catches broken audio).
     */
    private static JsonNode keptFedDirectly(String id, JsonNode live, Path kept, TestAudio.Clip callerSide,
                                            TestAudio.Clip agentSide) throws Exception {
        String callId = live.get("call").asText();
        String callerSpeaker = live.get("parties").get(0).get("speaker").asText();
        String agentSpeaker = live.get("parties").get(1).get("speaker").asText();
        TestAudio.Clip caller = keptAudio(kept, callId, callerSpeaker);
        TestAudio.Clip agent = keptAudio(kept, callId, agentSpeaker);
        double callerIntact = speechFramesFound(callerSide.pcm(), caller.pcm());
        double agentIntact = speechFramesFound(agentSide.pcm(), agent.pcm());
        System.out.printf("ARI long call %s: kept %.2f s / %.2f s, speech frames unchanged: caller %.4f, agent %.4f%n", id,
                caller.seconds(), agent.seconds(), callerIntact, agentIntact);
        // 0.96-1.00 measured; what Asterisk's audiohook dropped under load is not in the reference either.
        assertThat(callerIntact).as(id + ": caller's speech frames in the kept audio").isGreaterThanOrEqualTo(0.9);
        assertThat(agentIntact).as(id + ": agent's speech frames in the kept audio").isGreaterThanOrEqualTo(0.9);
        return directTwoLeg(id, callerSpeaker, caller, agentSpeaker, agent);
    }

    /** The support call's dialogue, per side: the agent says the odd lines (it speaks first), the caller the even ones. */
    private static String truthOf(boolean agent) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("samples/support-call.txt"));
        StringBuilder sb = new StringBuilder();
        for (int i = agent ? 0 : 1; i < lines.size(); i += 2) {
            sb.append(lines.get(i)).append(' ');
        }
        return sb.toString();
    }

    /** The live call's WER over both sides within {@code bound} of the direct feed's (fed with the same speaker names). */
    private static void assertWithinPoints(String how, JsonNode live, JsonNode fed, double bound) throws IOException {
        String callerSpeaker = live.get("parties").get(0).get("speaker").asText();
        String agentSpeaker = live.get("parties").get(1).get("speaker").asText();
        String callerTruth = truthOf(false);
        String agentTruth = truthOf(true);
        int words = WordErrorRate.normalise(callerTruth).size() + WordErrorRate.normalise(agentTruth).size();
        int liveErrors = WordErrorRate.errors(callerTruth, String.join(" ", RunHarness.words(live, callerSpeaker)))
                + WordErrorRate.errors(agentTruth, String.join(" ", RunHarness.words(live, agentSpeaker)));
        int fedErrors = WordErrorRate.errors(callerTruth, String.join(" ", RunHarness.words(fed, callerSpeaker)))
                + WordErrorRate.errors(agentTruth, String.join(" ", RunHarness.words(fed, agentSpeaker)));
        String said = String.format("%s: WER over %d words: %.3f through ARI, %.3f fed directly; via ARI caller %s agent %s; "
                        + "fed caller %s agent %s", how, words, (double) liveErrors / words, (double) fedErrors / words,
                RunHarness.words(live, callerSpeaker), RunHarness.words(live, agentSpeaker),
                RunHarness.words(fed, callerSpeaker), RunHarness.words(fed, agentSpeaker));
        System.out.println("ARI long call: " + said);
        assertThat(Math.abs(liveErrors - fedErrors) / (double) words).as(said).isLessThanOrEqualTo(bound + 1e-9);
        assertThat((double) fedErrors / words).as("a bound that catches broken audio: " + said).isLessThan(0.7);
    }

    /**
     * The share of {@code played}'s speech frames (20 ms, not near-silent) found unchanged, at any sample offset, in
     * {@code heard}: the snoop's audiohook may shift the frame grid (a partial frame of silence when its timer fires
     * early) but must not alter or drop samples. Each frame is looked up by its first 8 samples, then compared whole.
     */
    private static double speechFramesFound(byte[] played, byte[] heard) {
        int frame = 640;
        java.util.Map<Long, Integer> at = new java.util.HashMap<>();
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(heard).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + frame <= heard.length; i += 2) {
            at.putIfAbsent(h.getLong(i) ^ h.getLong(i + 8) * 31, i);
        }
        java.nio.ByteBuffer p = java.nio.ByteBuffer.wrap(played).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int speech = 0;
        int found = 0;
        for (int start = 0; start + frame <= played.length; start += frame) {
            int peak = 0;
            for (int i = start; i < start + frame; i += 2) {
                peak = Math.max(peak, Math.abs((short) ((played[i] & 0xff) | (played[i + 1] << 8))));
            }
            if (peak < 300) {
                continue; // silence: matches anywhere, proves nothing
            }
            speech++;
            Integer where = at.get(p.getLong(start) ^ p.getLong(start + 8) * 31);
            if (where != null && java.util.Arrays.equals(played, start, start + frame, heard, where, where + frame)) {
                found++;
            }
        }
        assertThat(speech).as("speech frames in the played side").isGreaterThan(100);
        return (double) found / speech;
    }

    /** Two sides fed to the engine directly as one finished two-leg call, with the service's settings. */
    private static JsonNode directTwoLeg(String id, String speakerA, TestAudio.Clip a, String speakerB, TestAudio.Clip b)
            throws Exception {
        Path wavA = dir.resolve(id + "-a.wav");
        Path wavB = dir.resolve(id + "-b.wav");
        a.writeWav(wavA);
        b.writeWav(wavB);
        Path out = dir.resolve("direct");
        try (var engine = new Sphinx4Recognizer(Sphinx4Settings.fromSystemProperties().withFreshStreams(true));
             var sink = new TranscriptFileSink(out)) {
            new CallSession(id, List.of(new CallSession.Leg(speakerA, RecordingTailer.open(wavA, 0, 1, TailOptions.defaults())),
                    new CallSession.Leg(speakerB, RecordingTailer.open(wavB, 0, 1, TailOptions.defaults()))), engine,
                    SessionSettingsBuilder.defaults(), sink).run();
        }
        return RunHarness.readJson(out.resolve(id + ".json"));
    }

    /**
     * callscribe restarted while a bridged call goes on: the first run writes the call's first part under the
     * linkedid (cut by the shutdown), the second picks the call up again under {@code <linkedid>-2}, from the same
     * id allocator as the other sources, and never overwrites the first part's transcript.
     */
    @Test
    void aCallPickedUpAgainAfterARestartGetsItsOwnIdAndLeavesTheFirstPartsTranscript() throws Exception {
        Path out = dir.resolve("restart");
        TestCalls.BridgedCall call = call16k("re1", "ari-tests", callerSays.delayedBy(1.0).paddedTo(30),
                calleeSays.delayedBy(16.0));
        await().atMost(Duration.ofSeconds(5)).until(() -> asterisk.cli("bridge show all").contains("simple_bridge"));
        try (RunCommand.Service service = callscribe(out)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> service.calls().callsStarted() > 0);
            Thread.sleep(2000);
        }
        Path firstPart = transcript(out);
        assertThat(firstPart).as("the first run's transcript").isNotNull();
        String linkedid = RunHarness.readJson(firstPart).get("call").asText();
        assertThat(firstPart.getFileName().toString()).isEqualTo(linkedid + ".json");
        byte[] before = Files.readAllBytes(firstPart);
        assertThat(asterisk.channels()).as("the call still goes on").anyMatch(c -> c.startsWith("Local/re1@"));

        try (RunCommand.Service service = callscribe(out)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> service.calls().callsStarted() > 0);
            await().atMost(Duration.ofSeconds((long) call.seconds() * 3 + 10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/re1@")));
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().activeParties() == 0);
            Path secondPart = out.resolve(linkedid + "-2.json");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(secondPart));
            JsonNode second = RunHarness.readJson(secondPart);
            assertThat(second.get("call").asText()).isEqualTo(linkedid + "-2");
            assertThat(second.at("/parties/0/linkedid").asText()).isEqualTo(linkedid);
        }
        assertThat(Files.readAllBytes(firstPart)).as("the first part's transcript is left as it was").isEqualTo(before);
    }

    @Test
    void aChannelWithCallscribeOffIsLeftAlone() throws Exception {
        Path out = dir.resolve("off");
        try (RunCommand.Service service = callscribe(out)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            TestCalls.bridged(asterisk, "off1", "ari-off", callerSays.slice(0, 1), calleeSays.slice(0, 1));
            await().atMost(Duration.ofSeconds(5)).until(() -> asterisk.cli("bridge show all").contains("simple_bridge"));
            Thread.sleep(500);
            assertThat(asterisk.channels()).noneMatch(c -> c.startsWith("Snoop/") || c.startsWith("AudioSocket/"));
            assertThat(service.calls().callsStarted()).isZero();
        }
    }

    @Test
    void wrongCredentialsStopTheStartWithOneClearLine() {
        assertThatThrownBy(() -> RunHarness.start("--ari", asterisk.httpBaseUri().toString(), "--ari-user", asterisk.ariUser(),
                "--ari-password", "wrong", "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off",
                "--out-dir", dir.resolve("wrong").toString()))
                .isInstanceOf(AriException.class)
                .hasMessageContaining("401")
                .hasMessageContaining("user '" + asterisk.ariUser() + "' was refused");
    }

    @Test
    void anAriThatIsDownAtStartIsWaitedFor() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (RunCommand.Service service = RunHarness.start("--ari", "http://127.0.0.1:" + port, "--ari-user", "u",
                "--ari-password", "p", "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off",
                "--out-dir", dir.resolve("down").toString())) {
            Thread.sleep(700);
            assertThat(service.ari().connected()).isFalse();
        }
    }
}
