package io.callscribe.vad;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.event.Word;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class VadGateTest {

    private static final int RATE = 16_000;
    /** Lead-in 0.3 s, hangover 0.6 s: the times below are computed from these, not from whatever the default is. */
    private static final VadTuning TUNING = new VadTuning(20, 300, 600, 8, 30, true);

    /** TEST DOUBLE: a downstream stream that records what reaches it (audio, resets) and answers nothing by itself. */
    private static final class Recording implements RecognizerStream {
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<Long> resetsAt = new ArrayList<>();
        /** Per skip: the audio received before it, and the bytes skipped. */
        final List<long[]> skips = new ArrayList<>();
        long skipped;
        long answered = -1;

        @Override
        public void skip(long length) {
            skips.add(new long[]{audio.size(), length});
            skipped += length;
        }

        @Override
        public void accept(byte[] pcm, int offset, int length) {
            audio.write(pcm, offset, length);
        }

        @Override
        public void reset() {
            resetsAt.add((long) audio.size());
        }

        @Override
        public void finish(Duration timeout) {
        }

        @Override
        public long answeredBytes() {
            return answered;
        }

        @Override
        public void close() {
        }
    }

    /** 1 s silence, 0.8 s of a 300 Hz tone, 2 s silence, 0.5 s tone, 1 s silence (16 kHz). */
    private static byte[] audio() {
        double[][] parts = {{1, 0}, {0.8, 3000}, {2, 0}, {0.5, 3000}, {1, 0}};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (double[] p : parts) {
            int n = (int) Math.round(p[0] * RATE);
            for (int i = 0; i < n; i++) {
                int v = (int) Math.round(p[1] * Math.sin(2 * Math.PI * 300 * i / RATE));
                out.write(v);
                out.write(v >> 8);
            }
        }
        return out.toByteArray();
    }

    private record Gated(VadGate gate, Recording downstream, List<RecognitionResult> results,
                         RecognitionListener fromDownstream) {
    }

    private static Gated gate() throws Exception {
        Recording downstream = new Recording();
        List<RecognitionResult> results = new ArrayList<>();
        RecognitionListener[] inner = new RecognitionListener[1];
        VadGate gate = VadGate.open(TUNING, RATE, GateMeter.NONE, new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                results.add(result);
            }

            @Override
            public void onFailure(RecognizerException failure) {
            }
        }, l -> {
            inner[0] = l;
            return downstream;
        });
        return new Gated(gate, downstream, results, inner[0]);
    }

    @Test
    void chunkSizesDoNotChangeWhatIsSentOrWhereTheUtterancesEnd() throws Exception {
        byte[] pcm = audio();
        Gated whole = gate();
        for (int at = 0; at < pcm.length; at += 6400) {
            whole.gate().accept(pcm, at, Math.min(6400, pcm.length - at));
        }
        whole.gate().finish(Duration.ofSeconds(1));
        Gated ragged = gate();
        Random random = new Random(3);
        for (int at = 0; at < pcm.length; ) {
            int n = Math.min(2 * (1 + random.nextInt(700)), pcm.length - at); // like a resampler's uneven output
            ragged.gate().accept(pcm, at, n);
            at += n;
        }
        ragged.gate().finish(Duration.ofSeconds(1));

        assertThat(ragged.downstream().audio.toByteArray()).isEqualTo(whole.downstream().audio.toByteArray());
        assertThat(ragged.downstream().resetsAt).isEqualTo(whole.downstream().resetsAt).hasSize(2);
        // Two tones with lead-in 0.3 s and hangover 0.6 s each: 0.3 + 0.8 + 0.6 + 0.3 + 0.5 + 0.6 s, within a frame.
        assertThat(whole.gate().sentSeconds()).isCloseTo(3.1, within(0.03));
        assertThat(whole.gate().receivedSeconds()).isCloseTo(5.3, within(1e-9));
    }

    @Test
    void resultsAndAnsweredAudioAreMovedToCallTime() throws Exception {
        byte[] pcm = audio();
        Gated g = gate();
        g.gate().accept(pcm, 0, pcm.length);
        // Stream audio: 0.3 s lead-in from call 0.7 s, so the second starts 0.3 s before the second tone (call 3.8 s), at call 3.5 s.
        long seam = g.downstream().resetsAt.get(0);
        double seamSeconds = seam / (2.0 * RATE);
        double shift1 = 0.7;
        double shift2 = 3.5 - seamSeconds;
        // A word that ends exactly on the seam belongs to the first stretch; one starting there to the second.
        RecognitionListener toCall = g.fromDownstream();
        toCall.onResult(RecognitionResult.Final.of("a b", List.of(new Word("a", 0.31, seamSeconds, 1),
                new Word("b", seamSeconds, seamSeconds + 0.2, 1))));
        RecognitionResult.Final f = (RecognitionResult.Final) g.results().get(0);
        assertThat(f.words().get(0).start()).isCloseTo(0.31 + shift1, within(1e-9));
        assertThat(f.words().get(0).end()).isCloseTo(seamSeconds + shift1, within(1e-9));
        assertThat(f.words().get(1).start()).isCloseTo(seamSeconds + shift2, within(1e-9));
        assertThat(f.words().get(1).end()).isCloseTo(seamSeconds + 0.2 + shift2, within(1e-9));

        g.downstream().answered = 2 * RATE; // 1 s of sent audio answered: inside the first stretch
        assertThat(g.gate().answeredBytes()).isEqualTo(2L * RATE + Math.round(shift1 * 2 * RATE));
        g.downstream().answered = g.downstream().audio.size(); // all sent answered: the dropped silence is done too
        assertThat(g.gate().answeredBytes()).isEqualTo(pcm.length);
    }

    @Test
    void everySilenceLeftOutIsSkippedDownstreamBeforeTheAudioAfterIt() throws Exception {
        byte[] pcm = audio();
        Gated g = gate();
        g.gate().accept(pcm, 0, pcm.length);
        g.gate().finish(Duration.ofSeconds(1));
        Recording d = g.downstream();
        // Two onsets: the silence before the first lead-in (call 0-0.7 s), and the pause between the stretches.
        assertThat(d.skips).hasSize(2);
        assertThat(d.skips.get(0)).containsExactly(0, Math.round(0.7 * 2 * RATE));
        long seam = d.resetsAt.get(0);
        assertThat(d.skips.get(1)[0]).isEqualTo(seam);
        // Audio after each skip sits where it is in the call: sent before + skipped = its call offset (3.5 s).
        assertThat(seam + d.skips.get(0)[1] + d.skips.get(1)[1]).isCloseTo(Math.round(3.5 * 2 * RATE), within(640L));
        // All of the call is accounted for, sent or skipped, but the silence after the last stretch (nothing follows).
        long tail = pcm.length - d.audio.size() - d.skipped;
        assertThat(tail).isCloseTo(Math.round(0.4 * 2 * RATE), within(640L));
    }

    @Test
    void badModeNamesWhatIsAccepted() {
        assertThat(VadMode.parse(" Aggressive ")).isEqualTo(VadMode.AGGRESSIVE);
        assertThatThrownBy(() -> VadMode.parse("loud")).hasMessageContaining("auto, off, on or aggressive")
                .hasMessageContaining("'loud'");
        assertThat(VadMode.AUTO.tuningFor(1)).isEmpty();
        assertThat(VadMode.AUTO.tuningFor(2)).contains(VadTuning.STANDARD);
    }
}
