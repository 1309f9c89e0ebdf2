package io.callscribe.engine.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;
import io.callscribe.engine.sphinx.bench.SphinxTuningBench;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Runs the real Sphinx4 engine on src/test/resources/speech/two-utterances-16k.wav (two flite sentences, phone
 * band, 1.2 s of silence around each). The models are loaded once for the class and shared by every stream's fresh
 * decoder; the test that closes a stream mid-utterance runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Sphinx4RecognizerTest {

    /**
     * Measured 0.37-0.42 with the engine defaults on this clip (flite voices; 0.42 when the pooled decoder is reused,
     * see BENCHMARKS.md), was 0.47-0.53 with the previous narrower beams; margin for JVM/platform variance.
     */
    static final double MAX_WER = 0.52;
    static final int CHUNK = 6400; // 200 ms at 16 kHz
    static final double TRAILING_SILENCE_SECONDS = 1.2;

    static Sphinx4Recognizer recognizer;
    static byte[] pcm;
    static String reference;

    @BeforeAll
    static void loadModelsOnce() throws Exception {
        pcm = SphinxTuningBench.readWavPcm16k(resource("speech/two-utterances-16k.wav"));
        reference = Files.readString(resource("speech/two-utterances.txt"));
        recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults());
        recognizer.preload(1);
    }

    @AfterAll
    static void closeRecognizer() {
        if (recognizer != null) {
            recognizer.close();
        }
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(Sphinx4RecognizerTest.class.getClassLoader().getResource(name).toURI());
    }

    /** Test double collecting what the stream reports. */
    static final class Collected implements RecognitionListener {
        final List<RecognitionResult> results = new CopyOnWriteArrayList<>();
        final List<RecognizerException> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onResult(RecognitionResult result) {
            results.add(result);
        }

        @Override
        public void onFailure(RecognizerException failure) {
            failures.add(failure);
        }

        List<RecognitionResult.Final> finals() {
            return results.stream().filter(r -> r instanceof RecognitionResult.Final f && !f.isEmpty())
                    .map(r -> (RecognitionResult.Final) r).toList();
        }
    }

    static void feed(Sphinx4Stream stream, byte[] audio, int length) throws Exception {
        for (int i = 0; i < length; i += CHUNK) {
            stream.accept(audio, i, Math.min(CHUNK, length - i));
        }
    }

    @Test
    @Order(1)
    void streamsTwoUtterancesWithEndpointingAndFinishDeliversTheLast() throws Exception {
        // Cut right after the last speech sample: the endpointer cannot close the second utterance, only finish() can.
        int length = lastSpeechByte() + 1600;
        Collected collected = new Collected();
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "test-two"), collected);
        feed(stream, pcm, length);
        int finalsBeforeFinish = collected.finals().size();
        stream.finish(Duration.ofSeconds(60));

        List<RecognitionResult.Final> finals = collected.finals();
        assertThat(collected.failures).isEmpty();
        assertThat(finals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(finals.size()).as("finish() must add the final of the utterance still open").isGreaterThan(finalsBeforeFinish);
        String text = String.join(" ", finals.stream().map(RecognitionResult.Final::text).toList());
        double wer = WordErrorRate.of(reference, text);
        System.out.printf("sphinx4 test clip: WER %.3f, hypothesis '%s'%n", wer, text);
        assertThat(wer).as("WER of '%s'", text).isLessThanOrEqualTo(MAX_WER);

        double audioSeconds = length / 32000.0;
        List<Word> words = finals.stream().flatMap(f -> f.words().stream()).toList();
        assertThat(words).isNotEmpty();
        double previousStart = -1;
        for (Word w : words) {
            assertThat(w.start()).isGreaterThanOrEqualTo(previousStart);
            assertThat(w.end()).isGreaterThanOrEqualTo(w.start()).isLessThanOrEqualTo(audioSeconds + 0.05);
            assertThat(w.conf()).isBetween(0.0, 1.0);
            previousStart = w.start();
        }
        // The second utterance starts after the first one's silence gap.
        assertThat(finals.get(finals.size() - 1).start()).isGreaterThan(finals.get(0).end());
        assertThat(stream.awaitTermination(Duration.ofSeconds(5))).isTrue();
        // Not reused: the next call gets a fresh decoder on the shared models, its words independent of this call.
        assertThat(recognizer.idleDecoders()).isZero();
        assertThat(recognizer.activeStreams()).as("the stream's slot is free again").isZero();
    }

    @Test
    @Order(2)
    void resetClosesTheCurrentUtteranceAndTimesContinue() throws Exception {
        // First utterance only, no trailing silence: reset() must produce its final.
        int firstUtterance = firstUtteranceBytes();
        Collected collected = new Collected();
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "test-reset"), collected);
        feed(stream, pcm, firstUtterance);
        stream.reset();
        byte[] rest = Arrays.copyOfRange(pcm, firstUtterance, pcm.length);
        feed(stream, rest, rest.length);
        stream.finish(Duration.ofSeconds(60));

        List<RecognitionResult.Final> finals = collected.finals();
        assertThat(finals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(finals.get(0).end()).isLessThanOrEqualTo(firstUtterance / 32000.0 + 0.05);
        assertThat(finals.get(finals.size() - 1).start()).as("times after a reset count from the stream start")
                .isGreaterThan(firstUtterance / 32000.0 - 0.05);
    }

    @Test
    @Order(3)
    void rejectsOtherSampleRatesAndOddLengths() throws Exception {
        assertThatThrownBy(() -> recognizer.open(StreamOptions.of(8000, "test-8k"), new Collected()))
                .isInstanceOf(RecognizerException.class).hasMessageContaining("8000 Hz").hasMessageContaining("test-8k");
        try (Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "test-odd"), new Collected())) {
            assertThatThrownBy(() -> stream.accept(new byte[3], 0, 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("odd PCM length 3");
        }
    }

    @Test
    @Order(4)
    void closeStopsTheDecodingThreadWithoutWaitingForResults() throws Exception {
        Collected collected = new Collected();
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "test-close"), collected);
        feed(stream, pcm, 2 * 32000);
        stream.close();
        assertThat(stream.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(collected.failures).isEmpty();
        assertThatThrownBy(() -> stream.accept(pcm, 0, CHUNK)).isInstanceOf(RecognizerException.class)
                .hasMessageContaining("test-close").hasMessageContaining("closed");
        stream.close(); // idempotent
    }

    static int lastSpeechByte() {
        for (int i = pcm.length / 2 - 1; i > 0; i--) {
            int s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
            if (Math.abs(s) >= 200) {
                return 2 * i;
            }
        }
        throw new IllegalStateException("test clip has no speech");
    }

    /** End of the first sentence: the middle of the longest silent run in the clip's middle part. */
    static int firstUtteranceBytes() {
        int samples = pcm.length / 2;
        int bestStart = 0;
        int bestLength = 0;
        int runStart = -1;
        int from = (int) (TRAILING_SILENCE_SECONDS * 16000) + 16000;
        int to = samples - (int) (TRAILING_SILENCE_SECONDS * 16000) - 16000;
        for (int i = from; i < to; i++) {
            int s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
            if (Math.abs(s) < 200) {
                if (runStart < 0) {
                    runStart = i;
                }
                if (i - runStart > bestLength) {
                    bestLength = i - runStart;
                    bestStart = runStart;
                }
            } else {
                runStart = -1;
            }
        }
        return 2 * (bestStart + bestLength / 2);
    }
}
