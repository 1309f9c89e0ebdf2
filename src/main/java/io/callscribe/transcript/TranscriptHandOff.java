package io.callscribe.transcript;

import java.time.Duration;

/**
 * Where a source learns that a finished call's transcript is safely stored, so it may count the call as handled
 * (the spool marks a recording done only then). Implementations are thread-safe; {@link #awaitWritten} blocks.
 */
public interface TranscriptHandOff {

    /**
     * Waits until the ended call's transcript is durably written. False when it is not (yet) after {@code timeout}:
     * the output failed and the transcript waits for a retry, or the call never reached this output.
     */
    boolean awaitWritten(String callId, Duration timeout) throws InterruptedException;

    /** Whether a transcript with this call id is already stored: ids that must not be given to a new call. */
    boolean exists(String callId);

    /** For outputs that keep nothing: every call is handed off when it ends, no id is taken. */
    TranscriptHandOff NONE = new TranscriptHandOff() {
        @Override
        public boolean awaitWritten(String callId, Duration timeout) {
            return true;
        }

        @Override
        public boolean exists(String callId) {
            return false;
        }
    };
}
