package io.callscribe.audio;

import java.io.IOException;

/** The input is not audio callscribe can take; the message names the file or connection and the problem. */
public class AudioFormatException extends IOException {
    public AudioFormatException(String message) {
        super(message);
    }
}
