package io.callscribe.session;

import io.callscribe.audio.PcmFormat;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.Sphinx4Settings;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.vad.VadMode;
import io.callscribe.vad.VadTuning;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The voice-activity gate in front of the real embedded Sphinx4 engine, on real speech: the first 24 s of the demo
 * call's two MixMonitor legs (each silent while the other talks), fed as fast as the engine takes them.
 */
class GatedSphinx4CallTest {

    private static final PcmFormat FORMAT = PcmFormat.mono(8000);
    private static final int SECONDS = 24;
    private static Sphinx4Recognizer engine;

    @BeforeAll
    static void loadEngine() throws Exception {
        engine = new Sphinx4Recognizer(Sphinx4Settings.defaults());
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @Test
    void sphinx4EndsUtterancesItselfWithinTheHangoverSoTheGateSendsNoReset() {
        assertThat(engine.endpointSilence()).contains(Duration.ofMillis(200));
        assertThat(VadTuning.STANDARD.forEngine(engine.endpointSilence()).resetOnPause()).isFalse();
        assertThat(new Sphinx4Recognizer(Sphinx4Settings.defaults().withLocal("speechMarker->endSilence", "500"))
                .endpointSilence()).contains(Duration.ofMillis(500));
    }

    @Test
    void gatedCallGivesTheUngatedCallsWordsAtTheSameTimesFromHalfTheAudio() throws Exception {
        byte[] caller = TestAudio.read(Path.of("samples/support-call-in.wav")).slice(0, SECONDS).pcm();
        byte[] agent = TestAudio.read(Path.of("samples/support-call-out.wav")).slice(0, SECONDS).pcm();

        Run ungated = run("ungated", caller, agent, VadMode.OFF);
        Run gated = run("gated", caller, agent, VadMode.ON);

        assertThat(ungated.outcome().ok()).as("ungated: %s", ungated.outcome().errors()).isTrue();
        assertThat(gated.outcome().ok()).as("gated: %s", gated.outcome().errors()).isTrue();
        for (String speaker : List.of("caller", "agent")) {
            List<String> all = ungated.words(speaker);
            assertThat(all).as(speaker + " said something").hasSizeGreaterThan(10);
            assertThat(gated.words(speaker)).as(speaker + ": gated words and their call times").isEqualTo(all);
        }
        assertThat(gated.sent()).isLessThan(0.6 * gated.received());
        assertThat(gated.received()).isCloseTo(2.0 * SECONDS, org.assertj.core.api.Assertions.within(0.01));
    }

    private record Run(CallOutcome outcome, List<TranscriptEvent.Final> finals, double received, double sent) {
        /** The speaker's words in call order, each with its start and end (10 ms, the engine's frame). */
        List<String> words(String speaker) {
            return finals.stream().filter(f -> f.speaker().equals(speaker))
                    .sorted(Comparator.comparingDouble(TranscriptEvent.Final::start))
                    .flatMap(f -> f.words().stream())
                    .map(w -> String.format(Locale.ROOT, "%s@%.2f-%.2f", w.word(), w.start(), w.end())).toList();
        }
    }

    private static Run run(String id, byte[] caller, byte[] agent, VadMode vad) throws Exception {
        List<TranscriptEvent.Final> finals = new CopyOnWriteArrayList<>();
        double[] meter = new double[2];
        CallSession session = new CallSession(id, List.of(
                new CallSession.Leg("caller", new BurstySource(FORMAT, caller, 3200, false)),
                new CallSession.Leg("agent", new BurstySource(FORMAT, agent, 3200, false))),
                engine, SessionSettingsBuilder.settings().vad(vad).finishTimeout(Duration.ofSeconds(60)).build(), e -> {
                    if (e instanceof TranscriptEvent.Final f && !f.words().isEmpty()) {
                        finals.add(f);
                    }
                }).onGatedAudio((r, s) -> {
                    synchronized (meter) {
                        meter[0] += r;
                        meter[1] += s;
                    }
                });
        CallOutcome outcome = session.run();
        return new Run(outcome, List.copyOf(finals), meter[0], meter[1]);
    }
}
