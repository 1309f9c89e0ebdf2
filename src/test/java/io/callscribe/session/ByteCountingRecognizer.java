package io.callscribe.session;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test double, not a speech recogniser: records every byte it is sent and emits a final "wN" per
 * {@code bytesPerWord} bytes received, with word times derived from byte positions. Lets session
 * tests check that audio arrives complete, in order, and that results turn into events.
 */
final class ByteCountingRecognizer implements Recognizer {

    final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final int bytesPerWord;
    private final OptionalInt requiredRate;
    volatile RecognizerException failAfterFirstChunk;

    ByteCountingRecognizer(int bytesPerWord, OptionalInt requiredRate) {
        this.bytesPerWord = bytesPerWord;
        this.requiredRate = requiredRate;
    }

    @Override
    public String name() {
        return "byte-counter (test double)";
    }

    @Override
    public OptionalInt requiredSampleRate() {
        return requiredRate;
    }

    @Override
    public RecognizerStream open(StreamOptions options, RecognitionListener listener) {
        Stream s = new Stream(options, listener);
        streams.add(s);
        return s;
    }

    final class Stream implements RecognizerStream {
        final StreamOptions options;
        final RecognitionListener listener;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
        volatile boolean finished;
        volatile boolean closed;
        private long wordsEmitted;

        Stream(StreamOptions options, RecognitionListener listener) {
            this.options = options;
            this.listener = listener;
        }

        @Override
        public synchronized void accept(byte[] pcm, int offset, int length) throws RecognizerException {
            if (failAfterFirstChunk != null && !chunkSizes.isEmpty()) {
                throw failAfterFirstChunk;
            }
            received.write(pcm, offset, length);
            chunkSizes.add(length);
            listener.onResult(new RecognitionResult.Partial("partial at " + received.size()));
            while ((wordsEmitted + 1) * bytesPerWord <= received.size()) {
                emitWord();
            }
        }

        private void emitWord() {
            double bytesPerSecond = options.sampleRate() * 2.0;
            double start = wordsEmitted * bytesPerWord / bytesPerSecond;
            double end = (wordsEmitted + 1) * bytesPerWord / bytesPerSecond;
            String w = "w" + wordsEmitted;
            wordsEmitted++;
            listener.onResult(RecognitionResult.Final.of(w, List.of(new Word(w, start, end, 1.0))));
        }

        @Override
        public void reset() {
        }

        @Override
        public synchronized void finish(Duration timeout) {
            if (received.size() > wordsEmitted * bytesPerWord) {
                emitWord();
            }
            finished = true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
