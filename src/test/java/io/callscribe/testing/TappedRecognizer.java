package io.callscribe.testing;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * Test and benchmark decorator: passes everything to a real recogniser and shows each chunk to a tap right after
 * the recogniser's {@code accept} returned (to record the audio an engine got, or to stamp when it was sent).
 */
public final class TappedRecognizer implements Recognizer {

    /** Sees each chunk after it was accepted; called on the sending thread. */
    public interface Tap {
        void accepted(byte[] pcm, int offset, int length);
    }

    private final Recognizer delegate;
    private final Tap tap;

    public TappedRecognizer(Recognizer delegate, Tap tap) {
        this.delegate = delegate;
        this.tap = tap;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public OptionalInt requiredSampleRate() {
        return delegate.requiredSampleRate();
    }

    @Override
    public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        RecognizerStream stream = delegate.open(options, listener);
        return new RecognizerStream() {
            @Override
            public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
                stream.accept(pcm, offset, length);
                tap.accepted(pcm, offset, length);
            }

            @Override
            public void skip(long length) throws RecognizerException, InterruptedException {
                stream.skip(length);
            }

            @Override
            public void reset() throws RecognizerException, InterruptedException {
                stream.reset();
            }

            @Override
            public void finish(Duration timeout) throws RecognizerException, InterruptedException {
                stream.finish(timeout);
            }

            @Override
            public long answeredBytes() {
                return stream.answeredBytes();
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    @Override
    public void close() {
        delegate.close();
    }
}
