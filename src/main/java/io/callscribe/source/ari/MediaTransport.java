package io.callscribe.source.ari;

import java.util.Locale;

/** How Asterisk's externalMedia channel streams a snooped party to callscribe. */
public enum MediaTransport {
    /** Asterisk connects to callscribe's AudioSocket listener (TCP) and announces the UUID we chose. */
    AUDIOSOCKET,
    /** Asterisk sends RTP (slin16, big-endian) over UDP to a port callscribe opens per party. */
    RTP;

    public static MediaTransport parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ari-transport: '" + text + "' is not one of audiosocket, rtp");
        }
    }
}
