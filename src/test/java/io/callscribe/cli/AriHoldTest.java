package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import io.callscribe.testing.RawWebSocketClient;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.HeardAudio;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A party put on hold and taken back, on a real Asterisk whose calls an ARI application controls (the test's own
 * application {@value #APP}, as an ARI-based PBX or contact centre does): agent and customer are in one mixing
 * bridge; the agent is taken out of it ({@code POST /bridges/{id}/removeChannel}), held (in a holding bridge, or
 * outside any bridge with music on hold), then added back. Meanwhile another call of the PBX starts and ends (its
 * bridge is destroyed). Checked: the pair stays one call with one stream per party (no second call, no second snoop),
 * every 50 ms of speech each party played before, during and after the hold is, sample for sample, in the audio
 * callscribe received from it ({@code --keep-audio}) and the recogniser's words match that audio; the call ends within
 * 2 s of the hang-up; nothing of ours is left in Asterisk. The recogniser is the labelled {@link ScriptedVoskServer}
 * double (one word per 0.1 s of 16 kHz audio, VAD off).
 */
@RequiresAsterisk
class AriHoldTest {

    /** The test's ARI application, which owns the call's bridge (callscribe's own app only listens). */
    static final String APP = "holdctl";
    /** When the agent is taken out of the bridge, and added back, after the call began. */
    private static final double HOLD_AT = 5.0;
    private static final double BACK_AT = 10.5;

    @TempDir
    static Path dir;
    static PrivateAsterisk asterisk;
    static ScriptedVoskServer vosk;
    static RawWebSocketClient app;

    @BeforeAll
    static void start() throws Exception {
        Path sounds = dir.resolve("asterisk").resolve("sounds");
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk"))
                .file("musiconhold.conf", """
                        [default]
                        mode = files
                        directory = %s/moh
                        """.formatted(sounds))
                .extensions("""
                        ; each party of the ARI-controlled calls: the Local pair's ;1 is in Stasis(holdctl), this ;2 speaks
                        [hold-play]
                        exten => _[0-9a-zA-Z].,1,Answer()
                         same => n,Playback(SOUNDS/${EXTEN})
                         same => n,Hangup()

                        """.replace("SOUNDS", sounds.toString()))
                .start();
        Files.createDirectories(sounds.resolve("moh"));
        byte[] tone = new byte[32000];
        for (int i = 0; i < tone.length / 2; i++) {
            short v = (short) (800 * Math.sin(2 * Math.PI * 440 * i / 16000.0));
            tone[2 * i] = (byte) v;
            tone[2 * i + 1] = (byte) (v >> 8);
        }
        new TestAudio.Clip(tone, 16000).writeWav(sounds.resolve("moh/tone.wav16"));
        asterisk.cli("moh reload");
        app = RawWebSocketClient.connect(URI.create("ws://127.0.0.1:" + asterisk.httpPort() + "/ari/events?app=" + APP
                + "&api_key=" + enc(asterisk.ariUser() + ":" + asterisk.ariPassword())));
        vosk = ScriptedVoskServer.start();
        vosk.bytesPerWord(3200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.abort();
        }
        if (asterisk != null) {
            asterisk.close();
        }
        if (vosk != null) {
            vosk.close();
        }
    }

    private enum Hold { HOLDING_BRIDGE, MUSIC_OUTSIDE_ANY_BRIDGE }

    @Test
    void aPartyHeldInAHoldingBridgeAndAddedBackStaysInItsCallWithoutLosingSpeech() throws Exception {
        holdAndBack("hb", Hold.HOLDING_BRIDGE);
    }

    @Test
    void aPartyHeldOutsideAnyBridgeWhileAnotherCallEndsStaysInItsCallWithoutLosingSpeech() throws Exception {
        holdAndBack("mo", Hold.MUSIC_OUTSIDE_ANY_BRIDGE);
    }

    private void holdAndBack(String id, Hold how) throws Exception {
        Path out = dir.resolve("out-" + id);
        Path kept = Files.createDirectories(dir.resolve("kept-" + id));
        // Utterance 1 is at 1.2-4.0 s of the clip, utterance 2 at 5.2-8.1 s: both speak before, during and after the hold.
        TestAudio.Clip clip = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        TestAudio.Clip agent = clip.then(clip.inverted());
        TestAudio.Clip customer = clip.delayedBy(0.3).then(clip.inverted());
        String agentId = id + "-agent";
        String customerId = id + "-cust";
        TestAudio.place(asterisk, agentId, agent);
        TestAudio.place(asterisk, customerId, customer);
        String bridge = id + "-call";
        try (RunCommand.Service service = RunHarness.start("--ari", asterisk.httpBaseUri().toString(), "--ari-user",
                asterisk.ariUser(), "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--store", "off",
                "--keep-audio", kept.toString(), "--out-dir", out.toString())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            originate(agentId, "Agent <201>");
            originate(customerId, "Customer <301>");
            asterisk.ariOk("POST", "/bridges?type=mixing&bridgeId=" + bridge);
            addWhenInStasis(bridge, agentId);
            addWhenInStasis(bridge, customerId);
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().activeParties() == 2);

            sleepUntil(t0, HOLD_AT);
            asterisk.ariOk("POST", "/bridges/" + bridge + "/removeChannel?channel=" + agentId);
            String holding = id + "-hold";
            if (how == Hold.HOLDING_BRIDGE) {
                asterisk.ariOk("POST", "/bridges?type=holding&bridgeId=" + holding);
                asterisk.ariOk("POST", "/bridges/" + holding + "/addChannel?channel=" + agentId + "&role=participant");
            } else {
                asterisk.ariOk("POST", "/channels/" + agentId + "/moh?mohClass=default");
            }
            // Another call of the PBX, a short one, comes and goes while the agent is held.
            TestCalls.bridged(asterisk, id + "-other", clip.slice(1.2, 2.2), clip.slice(1.2, 2.2));
            await().atMost(Duration.ofSeconds(3)).until(() -> asterisk.channels().stream().anyMatch(c -> c.contains(id + "-other")));
            await().atMost(Duration.ofSeconds(5)).until(() -> asterisk.channels().stream().noneMatch(c -> c.contains(id + "-other")));
            sleepUntil(t0, BACK_AT - 0.5);
            assertThat(snoopsOn(agentId)).as("the held agent's snoop goes on").isEqualTo(1);

            sleepUntil(t0, BACK_AT);
            if (how == Hold.HOLDING_BRIDGE) {
                asterisk.ariOk("POST", "/bridges/" + holding + "/removeChannel?channel=" + agentId);
                asterisk.ariOk("DELETE", "/bridges/" + holding);
            } else {
                asterisk.ariOk("DELETE", "/channels/" + agentId + "/moh");
            }
            asterisk.ariOk("POST", "/bridges/" + bridge + "/addChannel?channel=" + agentId);
            Thread.sleep(1500);
            assertThat(service.ari().activeParties()).as("parties followed after the agent is back").isEqualTo(2);
            assertThat(snoopsOn(agentId)).as("snoops on the agent after it is back").isEqualTo(1);
            assertThat(snoopsOn(customerId)).as("snoops on the customer").isEqualTo(1);

            // Both hang up when their speech ends.
            long hungUp = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                if (asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/"))) {
                    hungUp = System.nanoTime();
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(hungUp).as("the parties hung up; channels: %s", asterisk.channels()).isNotZero();
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> service.calls().liveCalls().isEmpty());
            double endedAfter = (System.nanoTime() - hungUp) / 1e9;
            System.out.printf("hold (%s): the call ended %.2f s after the hang-up%n", how, endedAfter);
            assertThat(endedAfter).as("the call ended within 2 s of the hang-up").isLessThan(2.0);
            asterisk.ariOk("DELETE", "/bridges/" + bridge); // the application's own bridge
            await().atMost(Duration.ofSeconds(3)).until(() -> service.ari().activeParties() == 0);
            asterisk.awaitNoChannels(Duration.ofSeconds(3));
            assertThat(asterisk.ariOk("GET", "/bridges")).doesNotContain("callscribe-");

            List<JsonNode> ours = new ArrayList<>();
            try (Stream<Path> files = Files.list(out)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    JsonNode t = RunHarness.readJson(p);
                    if (t.get("parties").toString().contains("Local/" + agentId + "@")) {
                        ours.add(t);
                    }
                }
            }
            assertThat(ours).as("transcripts with the agent: the call, kept whole over the hold").hasSize(1);
            JsonNode call = ours.get(0);
            assertThat(call.has("errors")).as("%s", call).isFalse();
            String agentParty = "Local/" + agentId + "@";
            String customerParty = "Local/" + customerId + "@";
            // Each named by its own caller id (the application originated both; neither dialled the other).
            List<String> speakers = new ArrayList<>();
            call.get("parties").forEach(p -> speakers.add(p.path("channel").asText().substring(0, p.path("channel").asText().indexOf('@') + 1)
                    + " " + p.path("speaker").asText() + " " + p.path("caller_number").asText()));
            assertThat(speakers).containsExactlyInAnyOrder(agentParty + " Agent 201", customerParty + " Customer 301");
            assertHeard(how, "agent", agent, RunHarness.keptAudio(kept, call, agentParty));
            assertHeard(how, "customer", customer, RunHarness.keptAudio(kept, call, customerParty));
            for (JsonNode p : call.get("parties")) {
                String speaker = p.get("speaker").asText();
                int bytes = RunHarness.keptAudio(kept, call, p.get("channel").asText()).pcm().length;
                assertThat(RunHarness.words(call, speaker).size()).as("words of %s", speaker)
                        .isBetween(bytes / 3200 - 1, bytes / 3200 + 1);
            }
        } finally {
            if (!asterisk.channels().isEmpty()) {
                asterisk.hangupAll();
            }
        }
    }

    private static void assertHeard(Hold how, String party, TestAudio.Clip played, TestAudio.Clip received) {
        List<String> lost = HeardAudio.missing(played, List.of(received));
        System.out.printf("hold (%s): %s played %.1f s (%.1f s speech), callscribe received %.2f s; lost %s%n", how, party,
                played.seconds(), HeardAudio.speechSeconds(played), received.seconds(), lost);
        assertThat(lost).as("%s's speech not received (played %.1f s, received %.1f s)", party, played.seconds(),
                received.seconds()).isEmpty();
    }

    /** Originates {@code Local/ID@hold-play/n} into the test's application, its ;1 half with the channel id {@code id}. */
    private static void originate(String id, String callerId) throws Exception {
        asterisk.ariOk("POST", "/channels?endpoint=" + enc("Local/" + id + "@hold-play/n") + "&app=" + APP
                + "&channelId=" + id + "&callerId=" + enc(callerId) + "&formats=slin16");
    }

    /** Adds a channel to a bridge of the test's application once the channel is in Stasis (ARI answers 422 before). */
    private static void addWhenInStasis(String bridge, String channel) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            var r = asterisk.ari("POST", "/bridges/" + bridge + "/addChannel?channel=" + channel);
            if (r.statusCode() / 100 == 2) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("cannot add " + channel + " to " + bridge + ": " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(50);
        }
    }

    /** callscribe's snoop channels on channel {@code id} now (GET /channels). */
    private static int snoopsOn(String id) throws Exception {
        String uniqueid = EventJson.MAPPER.readTree(asterisk.ariOk("GET", "/channels/" + id)).get("id").asText();
        int n = 0;
        for (JsonNode c : EventJson.MAPPER.readTree(asterisk.ariOk("GET", "/channels"))) {
            if (c.get("id").asText().startsWith("callscribe-sn-") && c.get("name").asText().startsWith("Snoop/" + uniqueid + "-")) {
                n++;
            }
        }
        return n;
    }

    private static void sleepUntil(long t0, double seconds) throws InterruptedException {
        Thread.sleep(Math.max(0, (long) (seconds * 1000) - (System.nanoTime() - t0) / 1_000_000));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
