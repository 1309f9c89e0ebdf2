package io.callscribe.testing;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * TEST DOUBLE: a recogniser that recognises nothing; its results follow from byte counts only, so tests
 * can predict them. Every {@code bytesPerWord} bytes complete a word {@code w1, w2, ...} (times from byte
 * offsets at the stream's rate, confidence 0.9); each {@code accept} reports a partial of the utterance's
 * words; the {@code wordsPerFinal}-th word closes the utterance with a final. Reset and finish close
 * the pending words (no final when there are none). Results are delivered inside {@code accept}
 * (like an engine decoding in the caller's thread) or, with {@link #async()}, on the stream's own thread.
 */
public final class TestRecognizer implements Recognizer {

    private final int bytesPerWord;
    private final int wordsPerFinal;
    private OptionalInt requiredRate = OptionalInt.empty();
    private boolean async;
    private boolean untracked;
    private long failAfterBytes = Long.MAX_VALUE;
    private final List<StreamOptions> opened = new CopyOnWriteArrayList<>();
    private final List<TestStream> streams = new CopyOnWriteArrayList<>();

    public TestRecognizer(int bytesPerWord, int wordsPerFinal) {
        this.bytesPerWord = bytesPerWord;
        this.wordsPerFinal = wordsPerFinal;
    }

    public TestRecognizer requiredRate(int rate) {
        this.requiredRate = OptionalInt.of(rate);
        return this;
    }

    /** Deliver results on a per-stream thread instead of inside accept. */
    public TestRecognizer async() {
        this.async = true;
        return this;
    }

    /** Keeps no record of streams (for long benchmarks, where the records would look like a leak). */
    public TestRecognizer untracked() {
        this.untracked = true;
        return this;
    }

    /** The stream fails (listener.onFailure) once this many bytes arrived. */
    public TestRecognizer failAfterBytes(long bytes) {
        this.failAfterBytes = bytes;
        return this;
    }

    public List<StreamOptions> openedStreams() {
        return List.copyOf(opened);
    }

    /** Streams closed (released) so far. */
    public long closedStreams() {
        return streams.stream().filter(s -> s.closed).count();
    }

    @Override
    public String name() {
        return "test-recognizer";
    }

    @Override
    public OptionalInt requiredSampleRate() {
        return requiredRate;
    }

    @Override
    public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        TestStream s = new TestStream(options, listener);
        if (!untracked) {
            opened.add(options);
            streams.add(s);
        }
        return s;
    }

    private final class TestStream implements RecognizerStream {
        private final StreamOptions options;
        private final RecognitionListener listener;
        private final ExecutorService delivery = async ? Executors.newSingleThreadExecutor() : null;
        private final List<Word> pending = new ArrayList<>();
        private long bytes;
        private int wordCount;
        private volatile boolean closed;

        TestStream(StreamOptions options, RecognitionListener listener) {
            this.options = options;
            this.listener = listener;
        }

        @Override
        public void accept(byte[] pcm, int offset, int length) throws RecognizerException {
            if (closed) {
                throw new RecognizerException("test-recognizer stream " + options.label() + " is closed", false);
            }
            long before = bytes;
            bytes += length;
            if (bytes >= failAfterBytes) {
                deliver(() -> listener.onFailure(new RecognizerException("test-recognizer: scripted failure after "
                        + bytes + " bytes", false)));
                return;
            }
            for (long i = before / bytesPerWord; i < bytes / bytesPerWord; i++) {
                wordCount++;
                double bps = 2.0 * options.sampleRate();
                pending.add(new Word("w" + wordCount, i * bytesPerWord / bps, (i + 1) * bytesPerWord / bps, 0.9));
            }
            if (pending.size() >= wordsPerFinal) {
                emitFinal();
            } else {
                Partial p = new Partial(text(pending));
                deliver(() -> listener.onResult(p));
            }
        }

        private void emitFinal() {
            if (pending.isEmpty()) {
                return;
            }
            Final f = Final.of(text(pending), pending);
            pending.clear();
            deliver(() -> listener.onResult(f));
        }

        private static String text(List<Word> words) {
            return String.join(" ", words.stream().map(Word::word).toList());
        }

        private void deliver(Runnable r) {
            if (delivery == null) {
                r.run();
            } else {
                delivery.execute(r);
            }
        }

        @Override
        public void reset() {
            emitFinal();
        }

        @Override
        public void finish(Duration timeout) throws InterruptedException {
            emitFinal();
            if (delivery != null) {
                delivery.shutdown();
                delivery.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            closed = true;
        }

        @Override
        public void close() {
            closed = true;
            if (delivery != null) {
                delivery.shutdownNow();
            }
        }
    }
}
