package io.callscribe.source.websocket;

import io.callscribe.audio.AudioFormatException;

/** A chan_websocket peer sent something the media protocol does not allow; the message names the fault. */
public class MediaProtocolException extends AudioFormatException {
    public MediaProtocolException(String message) {
        super(message);
    }
}
