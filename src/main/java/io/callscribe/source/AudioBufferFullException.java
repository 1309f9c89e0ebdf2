package io.callscribe.source;

import java.io.IOException;

/**
 * A live call's session fell so far behind that the call's audio buffer (memory and temp file, {@link BufferLimits}) is
 * full: the call was ended. Its reader gets this after all the audio buffered before it.
 */
public class AudioBufferFullException extends IOException {
    public AudioBufferFullException(String message) {
        super(message);
    }
}
