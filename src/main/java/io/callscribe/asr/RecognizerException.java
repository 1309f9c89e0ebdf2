package io.callscribe.asr;

import java.io.IOException;

/** A recogniser could not be reached, refused the audio, or broke mid-stream. The message is for operators. */
public class RecognizerException extends IOException {

    /** Whether reconnecting (and replaying audio) may help: true for network faults, false for bad input or config. */
    private final boolean retryable;

    public RecognizerException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public RecognizerException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
