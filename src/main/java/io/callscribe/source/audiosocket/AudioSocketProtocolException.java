package io.callscribe.source.audiosocket;

import io.callscribe.audio.AudioFormatException;

/** A peer broke the AudioSocket framing; the message names the connection (when known) and the problem. */
public class AudioSocketProtocolException extends AudioFormatException {
    public AudioSocketProtocolException(String message) {
        super(message);
    }
}
