package io.callscribe.source.websocket;

import java.util.Locale;

/** chan_websocket's media direction, seen from the application (callscribe), as in the {@code d()} dial option. */
public enum MediaDirection {
    /** Media both ways (the default). */
    BOTH,
    /** Asterisk sends media to callscribe and drops what callscribe sends: what a transcriber wants. */
    IN,
    /** Asterisk only takes media from the application. */
    OUT;

    /** The wire spelling: {@code both}, {@code in}, {@code out}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
