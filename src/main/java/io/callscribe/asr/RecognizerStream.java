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

    /**
     * Tells the stream that {@code length} bytes of audio (at the stream's sample rate, even) come here in the call but
     * are left out (silence a voice-activity gate does not send). Nothing is answered for them and result times do not
     * count them (they stay in the audio sent); an engine whose processing depends on the position in the call (the
     * Sphinx4 noise floor) moves on by them, so the audio sent is processed as it would be had everything been sent.
     * Wrapping streams pass it on; a stream that does not care does nothing (the default).
     */
    default void skip(long length) throws RecognizerException, InterruptedException {
        if (length < 0 || (length & 1) != 0) {
            throw new IllegalArgumentException("cannot skip " + length + " bytes: not a whole, non-negative number of 16-bit samples");
        }
    }

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
