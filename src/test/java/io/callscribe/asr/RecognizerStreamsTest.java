package io.callscribe.asr;

import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one layer over every engine's stream: result rules and resampling, tested on their own. */
class RecognizerStreamsTest {

    /** TEST DOUBLE: an engine that reports a scripted list of results on each accept, and records what it got. */
    private static final class ScriptedEngine implements Recognizer {
        final List<List<RecognitionResult>> script = new ArrayList<>();
        final List<StreamOptions> opened = new ArrayList<>();
        /** Engine positions (bytes sent plus skipped) at each reset. */
        final List<Long> resetsAt = new ArrayList<>();
        int bytes;
        long skipped;
        Integer rate;

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public OptionalInt requiredSampleRate() {
            return rate == null ? OptionalInt.empty() : OptionalInt.of(rate);
        }

        @Override
        public RecognizerStream open(StreamOptions options, RecognitionListener listener) {
            opened.add(options);
            return new RecognizerStream() {
                int step;

                @Override
                public void accept(byte[] pcm, int offset, int length) {
                    bytes += length;
                    if (step < script.size()) {
                        script.get(step++).forEach(listener::onResult);
                    }
                }

                @Override
                public void skip(long length) {
                    skipped += length;
                }

                @Override
                public void reset() {
                    resetsAt.add(bytes + skipped);
                    listener.onResult(Final.of("", List.of()));
                }

                @Override
                public void finish(Duration timeout) {
                    listener.onResult(Final.of("", List.of()));
                }

                @Override
                public long answeredBytes() {
                    return bytes;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void repeatedAndBlankPartialsAndSilentEmptyFinalsAreDroppedOnce() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        engine.script.add(List.of(new Partial("hel"), new Partial("hel"), new Partial("")));
        engine.script.add(List.of(new Partial("hello"), Final.of("hello", List.of())));
        engine.script.add(List.of(new Partial(""), Final.of("", List.of()))); // endpoint on silence: dropped
        engine.script.add(List.of(new Partial("uh"), Final.of("", List.of()))); // withdraws "uh": passed on
        RecordingListener listener = new RecordingListener();
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(8000, "t"), listener);
        for (int i = 0; i < 4; i++) {
            s.accept(new byte[320], 0, 320);
        }
        s.reset(); // answers with an empty final: passed on, callers wait for it
        assertThat(listener.results).containsExactly(new Partial("hel"), new Partial("hello"), Final.of("hello", List.of()),
                new Partial("uh"), Final.of("", List.of()), Final.of("", List.of()));
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheStream() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        engine.script.add(List.of(new Partial("a")));
        engine.script.add(List.of(new Partial("a b")));
        List<RecognitionResult> seen = new ArrayList<>();
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(8000, "t"), new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                seen.add(result);
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onFailure(RecognizerException failure) {
            }
        });
        s.accept(new byte[320], 0, 320);
        s.accept(new byte[320], 0, 320);
        assertThat(seen).containsExactly(new Partial("a"), new Partial("a b"));
    }

    @Test
    void audioIsResampledToTheEnginesRateAndAnsweredBytesComeBackInTheCallersRate() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        engine.rate = 16000;
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(8000, "t"), new RecordingListener());
        for (int i = 0; i < 10; i++) {
            s.accept(new byte[3200], 0, 3200);
        }
        s.finish(Duration.ofSeconds(1));
        assertThat(engine.opened).extracting(StreamOptions::sampleRate).containsExactly(16000);
        assertThat(engine.bytes).isEqualTo(64000); // 2 s at 16 kHz, the filter's tail flushed at the end
        assertThat(s.answeredBytes()).isEqualTo(32000);
    }

    @Test
    void resampledAudioKeepsTheCallersTimeGridAcrossResetsAndLeftOutAudio() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        engine.rate = 16000;
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(8000, "t"), new RecordingListener());
        s.accept(new byte[2002], 0, 2002); // 1001 samples at 8 kHz
        s.reset();
        // At the reset the filter's tail went into the utterance, and the engine stands at 2002 samples of 16 kHz.
        assertThat(engine.resetsAt).containsExactly(4004L);
        assertThat(engine.bytes).isBetween(4000, 4004);
        s.skip(16000); // 1 s left out
        s.accept(new byte[1600], 0, 1600);
        s.reset();
        assertThat(engine.resetsAt).containsExactly(4004L, 4004L + 32000 + 3200);
        assertThat(engine.skipped).isEqualTo(32000 + 4004 + 3200 - engine.bytes);

        ScriptedEngine cd = new ScriptedEngine();
        cd.rate = 16000;
        RecognizerStream fromCd = RecognizerStreams.open(cd, StreamOptions.of(44100, "cd"), new RecordingListener());
        fromCd.accept(new byte[882], 0, 882); // 441 samples: 10 ms
        fromCd.skip(2 * 44100);
        fromCd.accept(new byte[882], 0, 882);
        fromCd.reset();
        assertThat(cd.resetsAt).containsExactly(2L * (160 + 16000 + 160));
    }

    @Test
    void aStreamAtTheEnginesRatePassesLeftOutAudioOnAsItIs() throws Exception {
        ScriptedEngine engine = new ScriptedEngine();
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(16000, "t"), new RecordingListener());
        s.accept(new byte[320], 0, 320);
        s.skip(6400);
        s.reset();
        assertThat(engine.resetsAt).containsExactly(6720L);
        assertThatThrownBy(() -> s.skip(3)).hasMessageContaining("16-bit samples");
    }

    @Test
    void theTestRecognizerBehindTheLayerGivesEachFinalOnce() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 2);
        RecordingListener listener = new RecordingListener();
        RecognizerStream s = RecognizerStreams.open(engine, StreamOptions.of(8000, "t"), listener);
        for (int i = 0; i < 5; i++) {
            s.accept(new byte[3200], 0, 3200);
        }
        s.finish(Duration.ofSeconds(1));
        assertThat(listener.finalTexts()).containsExactly("w1 w2", "w3 w4", "w5");
    }
}
