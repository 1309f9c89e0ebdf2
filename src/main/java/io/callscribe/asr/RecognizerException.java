package io.callscribe.asr;

import java.io.IOException;

/** A recogniser could not be reached, refused the audio, or broke mid-stream. The message is for operators. */
public class RecognizerException extends IOException {

    /** Whether reconnecting (and replaying audio) may help: true for network faults, false for bad input or config. */
    private final boolean retryable;

    public RecognizerException(String message, boolean retryable) {
        this(message, retryable, null, null);
    }

    public RecognizerException(String message, boolean retryable, Throwable cause) {
        this(message, retryable, cause, null);
    }

    /** See {@link #rejection()}; null when the stream had answered something before it failed. */
    private final String rejection;

    /**
     * A stream the recogniser ended before it answered anything (closed on the config or the first audio).
     * {@code rejection} names how (e.g. {@code close 1011 (sample rate 8000 Hz is not supported)}): a fresh
     * stream that meets the same rejection again was refused deterministically, whatever the close code says.
     */
    public static RecognizerException rejected(String message, boolean retryable, String rejection) {
        return new RecognizerException(message, retryable, null, rejection);
    }

    private RecognizerException(String message, boolean retryable, Throwable cause, String rejection) {
        super(message, cause);
        this.retryable = retryable;
        this.rejection = rejection;
    }

    public boolean retryable() {
        return retryable;
    }

    /** How the recogniser ended a stream that had answered nothing yet; empty for every other failure. */
    public java.util.Optional<String> rejection() {
        return java.util.Optional.ofNullable(rejection);
    }
}
