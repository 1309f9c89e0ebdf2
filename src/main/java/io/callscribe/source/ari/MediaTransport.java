package io.callscribe.source.ari;

import java.util.Locale;

/** How Asterisk's externalMedia channel streams a snooped party to callscribe. */
public enum MediaTransport {
    /** Asterisk connects to callscribe's AudioSocket listener (TCP) and announces the UUID we chose. */
    AUDIOSOCKET,
    /** Asterisk sends RTP (slin16, big-endian) over UDP to a port callscribe opens per party. */
    RTP,
    /**
     * chan_websocket ({@code transport=websocket, connection_type=server}): callscribe connects to Asterisk at
     * {@code /media/<MEDIA_WEBSOCKET_CONNECTION_ID>} (Asterisk 22.6+ / 23).
     */
    WEBSOCKET;

    public static MediaTransport parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ari-transport: '" + text + "' is not one of audiosocket, rtp, websocket");
        }
    }
}
