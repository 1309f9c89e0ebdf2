package io.callscribe.source.websocket;

/** The WebSocket close codes chan_websocket and callscribe use (RFC 6455 section 7.4.1), as named values. */
public enum MediaCloseStatus {
    /** Asterisk's close at an ordinary hang-up; callscribe's when it ends a call. */
    NORMAL(1000),
    /** Asterisk's close when the application closed first or the connection broke. */
    GOING_AWAY(1001),
    /** callscribe's close when the peer broke the media protocol. */
    PROTOCOL_ERROR(1002),
    /** The peer sent a kind of message or audio format callscribe cannot take. */
    UNSUPPORTED_DATA(1003),
    /** The connection had no close frame (a reset socket); never sent. */
    ABNORMAL(1006),
    /** No valid access token. */
    POLICY_VIOLATION(1008),
    /** callscribe or Asterisk failed inside (callscribe's close also when a call's audio buffer is full). */
    INTERNAL_ERROR(1011),
    /** callscribe's close of a connection beyond its limit of calls at once ({@code --websocket-max-calls}). */
    TRY_AGAIN_LATER(1013);

    private final int code;

    MediaCloseStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** {@code 1000 NORMAL} for a known code, the bare number otherwise. */
    public static String describe(int code) {
        for (MediaCloseStatus s : values()) {
            if (s.code == code) {
                return code + " " + s.name();
            }
        }
        return String.valueOf(code);
    }
}
