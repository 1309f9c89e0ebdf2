package io.callscribe.asr;

import java.time.Duration;

/**
 * One utterance stream of one call leg. Audio goes in with {@link #accept}; results come out through
 * the {@link RecognitionListener} given at open, independently of sending.
 *
 * <p>Not thread-safe for senders: one thread feeds a stream. The listener runs on the stream's own thread.
 */
public interface RecognizerStream extends AutoCloseable {

    /**
     * Sends mono 16-bit little-endian PCM at the stream's sample rate. {@code length} must be even.
     * Blocks while the bounded number of chunks in flight is reached (backpressure), never drops.
     * The caller reuses {@code pcm} once this returns: an implementation copies what it keeps.
     */
    void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException;

    /** Ends the current utterance: its final result is delivered, the stream stays open. */
    void reset() throws RecognizerException, InterruptedException;

    /**
     * Ends the stream: flushes audio, waits up to {@code timeout} for the last final result to be
     * delivered to the listener, then releases the connection or engine.
     */
    void finish(Duration timeout) throws RecognizerException, InterruptedException;

    /**
     * Bytes of audio the recogniser has answered so far (a reply arrived for them), or -1 when the engine
     * cannot tell. Used for the lag of a call and to know how far results reach.
     */
    default long answeredBytes() {
        return -1;
    }

    /** Releases everything at once, without waiting for results. Idempotent. */
    @Override
    void close();
}
