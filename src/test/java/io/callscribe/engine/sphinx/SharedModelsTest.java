package io.callscribe.engine.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.engine.sphinx.Sphinx4RecognizerTest.Collected;
import io.callscribe.engine.sphinx.bench.SphinxTuningBench;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The real Sphinx4 engine with its models shared by concurrent decoders: decoding is deterministic (also from one load
 * of the models to the next), so streams that decode the same audio at the same time on shared models must give
 * exactly what one stream alone gives (scores mixed up between threads would change words or times), and a stream
 * beyond the limit is refused with a clear error.
 */
class SharedModelsTest {

    private static List<String> decode(Sphinx4Recognizer recognizer, byte[] pcm, String label) throws Exception {
        Collected collected = new Collected();
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, label), collected);
        for (int i = 0; i < pcm.length; i += Sphinx4RecognizerTest.CHUNK) {
            stream.accept(pcm, i, Math.min(Sphinx4RecognizerTest.CHUNK, pcm.length - i));
        }
        stream.finish(Duration.ofSeconds(120));
        assertThat(collected.failures).isEmpty();
        List<String> lines = new ArrayList<>();
        for (RecognitionResult.Final f : collected.finals()) {
            lines.add(f.text() + " " + f.words().stream().map(w -> String.format("%.2f-%.2f", w.start(), w.end())).toList());
        }
        return lines;
    }

    /**
     * Each load of the models builds its own lex tree; the order of its successor lists used to follow the JVM's
     * identity hashes, so a second load in the same process decoded the same audio differently (three different
     * transcripts of this clip in six loads before the order was fixed: {@code SuccessorOrder}).
     */
    @Test
    void everyLoadOfTheModelsDecodesTheSameAudioToTheSameWords() throws Exception {
        byte[] pcm = SphinxTuningBench.readWavPcm16k(Sphinx4RecognizerTest.resource("speech/two-utterances-16k.wav"));
        List<List<String>> loads = new ArrayList<>();
        for (int load = 0; load < 3; load++) {
            try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults(), 1)) {
                loads.add(decode(recognizer, pcm, "load-" + load));
            }
        }
        assertThat(loads.get(0)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(loads).as("the same audio through three loads of the models").containsOnly(loads.get(0));
    }

    @Test
    void concurrentStreamsOnSharedModelsDecodeExactlyAsOneStreamAlone() throws Exception {
        byte[] pcm = SphinxTuningBench.readWavPcm16k(Sphinx4RecognizerTest.resource("speech/two-utterances-16k.wav"));
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults(), 3)) {
            List<String> alone = decode(recognizer, pcm, "alone");
            assertThat(alone).isNotEmpty();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<List<String>>> together = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String label = "together-" + i;
                    together.add(threads.submit(() -> decode(recognizer, pcm, label)));
                }
                for (Future<List<String>> f : together) {
                    assertThat(f.get()).isEqualTo(alone);
                }
            }
            assertThat(recognizer.activeStreams()).isZero();
            assertThat(recognizer.idleDecoders()).isZero();
        }
    }

    @Test
    void aStreamBeyondTheLimitIsRefusedWithAnErrorNamingTheLimitAndTheOthersGoOn() throws Exception {
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults(), 1)) {
            Collected first = new Collected();
            Sphinx4Stream busy = recognizer.open(StreamOptions.of(16000, "call-1"), first);
            assertThatThrownBy(() -> recognizer.open(StreamOptions.of(16000, "call-2"), new Collected()))
                    .isInstanceOf(RecognizerException.class)
                    .hasMessageContaining("call-2")
                    .hasMessageContaining("refused")
                    .hasMessageContaining("all 1 decoders are busy");
            busy.accept(new byte[6400], 0, 6400);
            busy.finish(Duration.ofSeconds(60));
            assertThat(first.failures).isEmpty();
            assertThat(recognizer.activeStreams()).isZero();
            // The slot is free again, also after a stream that was cut off mid-utterance.
            Sphinx4Stream cut = recognizer.open(StreamOptions.of(16000, "call-3"), new Collected());
            cut.close();
            assertThat(cut.awaitTermination(Duration.ofSeconds(30))).isTrue();
            assertThat(recognizer.activeStreams()).isZero();
            recognizer.open(StreamOptions.of(16000, "call-4"), new Collected()).finish(Duration.ofSeconds(60));
        }
    }
}
