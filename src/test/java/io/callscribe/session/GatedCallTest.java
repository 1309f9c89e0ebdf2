package io.callscribe.session;

import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.MetricsSink;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.ScriptedVoskServer.Fault;
import io.callscribe.testing.ReconnectPolicyBuilder;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.vad.VadMode;
import io.callscribe.vad.VadTuning;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The voice-activity gate on the real client path (CallSession -> VadGate -> ResilientStream ->
 * VoskWebSocketRecognizer -> WebSocket -> scripted Vosk server). Every 200 ms block of the test audio starts with a
 * sample naming the block (then a tone for speech, zeros for silence); the server names each word after the first
 * sample of its audio, so every word says which call audio it was, and its time must be that audio's call time.
 */
class GatedCallTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int BLOCK = 3200;
    private static final int BLOCKS = 90;
    /** Speech runs [first, last] in blocks; everything else is silence. */
    private static final int[][] SPEECH = {{0, 4}, {20, 26}, {45, 47}, {70, 72}};
    /** Lead-in one block, hangover two blocks, onset within the first block: sent audio is whole blocks. */
    private static final VadTuning TUNING = new VadTuning(20, 200, 400, 8, 30, true);
    private static final ReconnectPolicy FAST = ReconnectPolicyBuilder.policy().attempts(30)
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).maxTotal(Duration.ofSeconds(20)).build();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    static byte[] speechAndSilence() {
        byte[] pcm = new byte[BLOCKS * BLOCK];
        for (int k = 0; k < BLOCKS; k++) {
            boolean speech = isSpeech(k);
            for (int i = 0; i < BLOCK / 2; i++) {
                int v = i == 0 ? k + 1 : speech ? (int) Math.round(4000 * Math.sin(2 * Math.PI * 440 * i / 8000.0)) : 0;
                pcm[k * BLOCK + 2 * i] = (byte) v;
                pcm[k * BLOCK + 2 * i + 1] = (byte) (v >> 8);
            }
        }
        return pcm;
    }

    private static boolean isSpeech(int block) {
        for (int[] run : SPEECH) {
            if (block >= run[0] && block <= run[1]) {
                return true;
            }
        }
        return false;
    }

    /** The blocks the gate must send: each run with one block of lead-in before it and two of hangover after it. */
    private static List<String> expectedWords() {
        List<String> words = new ArrayList<>();
        for (int[] run : SPEECH) {
            IntStream.rangeClosed(Math.max(0, run[0] - 1), Math.min(BLOCKS - 1, run[1] + 2)).forEach(k -> words.add("b" + k));
        }
        return words;
    }

    private ScriptedVoskServer server() throws Exception {
        ScriptedVoskServer s = ScriptedVoskServer.start().bytesPerWord(BLOCK).wordsPerFinal(3)
                .namesFromAudio(v -> "b" + (v - 1)).replyDelay(Duration.ofMillis(2));
        toClose.add(s);
        return s;
    }

    private VoskWebSocketRecognizer client(ScriptedVoskServer server) {
        VoskWebSocketRecognizer r = new VoskWebSocketRecognizer(server.uri(), Duration.ofSeconds(2), 8, Duration.ofSeconds(5));
        toClose.add(r);
        return r;
    }

    private record Run(CallOutcome outcome, List<TranscriptEvent> events, int reconnects, double received, double sent) {
        List<TranscriptEvent.Final> finals() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> (TranscriptEvent.Final) e).toList();
        }

        List<String> lines() {
            return PositionalAudio.finals(events, outcome.callId());
        }
    }

    private Run call(String id, VoskWebSocketRecognizer recognizer, SessionSettings settings, byte[] audio)
            throws Exception {
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        double[] meter = new double[2];
        CallSession session = SingleLegCall.of(id, new BurstySource(RATE_8K, audio, BLOCK, false), recognizer,
                SessionSettingsBuilder.from(settings).reconnect(FAST).finishTimeout(Duration.ofSeconds(10)).build(), events::add)
                .onGatedAudio((r, s) -> {
                    synchronized (meter) {
                        meter[0] += r;
                        meter[1] += s;
                    }
                });
        CallOutcome outcome = session.run();
        return new Run(outcome, events, session.reconnects(), meter[0], meter[1]);
    }

    @Test
    void wordsOfGatedAudioKeepTheirCallTimesExactly() throws Exception {
        ScriptedVoskServer server = server();
        Run run = call("gated", client(server), SessionSettingsBuilder.settings().vadTuning(TUNING).build(), speechAndSilence());

        assertThat(run.outcome().ok()).isTrue();
        List<io.callscribe.event.Word> words = run.finals().stream().flatMap(f -> f.words().stream()).toList();
        assertThat(words).extracting(io.callscribe.event.Word::word).containsExactlyElementsOf(expectedWords());
        for (io.callscribe.event.Word w : words) {
            int block = Integer.parseInt(w.word().substring(1));
            assertThat(w.start()).as(w.word() + " start").isCloseTo(block * 0.2, within(1e-9));
            assertThat(w.end()).as(w.word() + " end").isCloseTo((block + 1) * 0.2, within(1e-9));
        }
        for (TranscriptEvent.Final f : run.finals()) {
            assertThat(f.start()).isEqualTo(f.words().get(0).start());
            assertThat(f.end()).isEqualTo(f.words().get(f.words().size() - 1).end());
        }
        // What was sent is exactly the blocks above; the server heard nothing else, and one reset per pause.
        assertThat(server.binarySizes().stream().mapToLong(Integer::longValue).sum())
                .isEqualTo((long) expectedWords().size() * BLOCK);
        assertThat(run.received()).isCloseTo(BLOCKS * 0.2, within(1e-9));
        assertThat(run.sent()).isCloseTo(expectedWords().size() * 0.2, within(1e-9));
        assertThat(run.outcome().audioSeconds()).isCloseTo(BLOCKS * 0.2, within(1e-9));
    }

    @Test
    void gatedWordsAreTheUngatedRunsWordsWithTheSameTimes() throws Exception {
        Run ungated = call("ungated", client(server()), SessionSettingsBuilder.settings().vad(VadMode.OFF).build(), speechAndSilence());
        Run gated = call("gated", client(server()), SessionSettingsBuilder.settings().vadTuning(TUNING).build(), speechAndSilence());
        List<String> all = ungated.finals().stream().flatMap(f -> f.words().stream())
                .map(w -> w.word() + "@" + String.format("%.3f-%.3f", w.start(), w.end())).toList();
        List<String> kept = gated.finals().stream().flatMap(f -> f.words().stream())
                .map(w -> w.word() + "@" + String.format("%.3f-%.3f", w.start(), w.end())).toList();
        assertThat(all).hasSize(BLOCKS);
        assertThat(all).containsAll(kept);
        assertThat(ungated.sent()).isCloseTo(ungated.received(), within(1e-9));
    }

    @Test
    void faultyRunWithTheGateOnEqualsTheCleanRun() throws Exception {
        Run clean = call("clean", client(server()), SessionSettingsBuilder.settings().vadTuning(TUNING).build(), speechAndSilence());
        ScriptedVoskServer faulty = server().faultAt(4, Fault.CLOSE_1011).faultAt(12, Fault.DROP)
                .faultAt(19, Fault.GARBAGE);
        Run run = call("clean", client(faulty), SessionSettingsBuilder.settings().vadTuning(TUNING).build(), speechAndSilence());
        assertThat(run.outcome().errors()).isEmpty();
        assertThat(run.reconnects()).isEqualTo(3);
        assertThat(run.lines()).isEqualTo(clean.lines()).isNotEmpty();
        assertThat(run.sent()).isCloseTo(clean.sent(), within(1e-9));
    }

    @Test
    void aSilentLegSendsNothingAndANoisyLineAlmostNothing() throws Exception {
        Random random = new Random(7);
        byte[] hush = new byte[300 * BLOCK]; // 60 s: digital silence with faint noise (rms ~12, about 22 dB)
        byte[] hiss = new byte[300 * BLOCK]; // 60 s: steady loud hiss (rms ~580, about 55 dB), far above the minimum
        for (int i = 0; i < hush.length; i += 2) {
            int a = (int) Math.round(random.nextGaussian() * 12);
            int b = (int) Math.round(random.nextGaussian() * 580);
            hush[i] = (byte) a;
            hush[i + 1] = (byte) (a >> 8);
            hiss[i] = (byte) b;
            hiss[i + 1] = (byte) (b >> 8);
        }
        ScriptedVoskServer server = server();
        Run silent = call("silent", client(server), SessionSettingsBuilder.settings().vad(VadMode.ON).build(), hush);
        assertThat(silent.outcome().ok()).isTrue();
        assertThat(silent.received()).isCloseTo(60, within(1e-9));
        assertThat(silent.sent()).isZero();
        assertThat(server.binarySizes()).isEmpty();

        Run noisy = call("noisy", client(server()), SessionSettingsBuilder.settings().vad(VadMode.ON).build(), hiss);
        assertThat(noisy.outcome().ok()).isTrue();
        // The noise floor takes up to 2 s to learn a line that starts this loud; after that the hiss stays out.
        assertThat(noisy.sent()).isLessThan(4.0);
    }

    @Test
    void twoLegCallsAreGatedByDefaultAndSingleLegCallsAreNot() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MetricsSink metrics = new MetricsSink(registry);
        ScriptedVoskServer server = server();
        VoskWebSocketRecognizer recognizer = client(server);
        SessionSettings defaults = SessionSettingsBuilder.settings().finishTimeout(Duration.ofSeconds(10)).build();
        CallSession two = new CallSession("two", List.of(
                new CallSession.Leg("caller", new BurstySource(RATE_8K, speechAndSilence(), BLOCK, false)),
                new CallSession.Leg("agent", new BurstySource(RATE_8K, new byte[BLOCKS * BLOCK], BLOCK, false))),
                recognizer, defaults, e -> { }).onGatedAudio(metrics::gatedAudio);
        assertThat(two.run().ok()).isTrue();
        double received = registry.get("callscribe.audio.received.seconds").counter().count();
        double sent = registry.get("callscribe.audio.sent.seconds").counter().count();
        assertThat(received).isCloseTo(2 * BLOCKS * 0.2, within(1e-6));
        assertThat(sent).isLessThan(0.5 * BLOCKS * 0.2).isGreaterThan(0);
        assertThat(two.audioSentSeconds()).isCloseTo(sent, within(1e-6));

        CallSession one = SingleLegCall.of("one", new BurstySource(RATE_8K, new byte[BLOCKS * BLOCK], BLOCK, false),
                recognizer, defaults, e -> { }).onGatedAudio(metrics::gatedAudio);
        assertThat(one.run().ok()).isTrue();
        assertThat(registry.get("callscribe.audio.sent.seconds").counter().count() - sent)
                .isCloseTo(BLOCKS * 0.2, within(1e-6));
    }
}
