package io.callscribe.vosk;

/**
 * A message that breaks the Vosk protocol. The message names the fault (and quotes what was received);
 * {@link #status()} is what a server closes the connection with.
 */
public final class VoskProtocolException extends Exception {

    private final VoskCloseStatus status;

    public VoskProtocolException(VoskCloseStatus status, String message) {
        super(message);
        this.status = status;
    }

    public VoskCloseStatus status() {
        return status;
    }
}
