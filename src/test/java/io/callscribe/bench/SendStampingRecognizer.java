package io.callscribe.bench;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** Benchmark decorator: stamps when each chunk's {@code accept} returned (the bytes are on the socket). */
final class SendStampingRecognizer implements Recognizer {

    private final Recognizer delegate;
    private final List<TimestampingVoskServer.Arrival> sent;

    SendStampingRecognizer(Recognizer delegate, List<TimestampingVoskServer.Arrival> sent) {
        this.delegate = delegate;
        this.sent = sent;
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
            private long bytes;

            @Override
            public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
                stream.accept(pcm, offset, length);
                bytes += length;
                sent.add(new TimestampingVoskServer.Arrival(bytes, System.nanoTime()));
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
}
