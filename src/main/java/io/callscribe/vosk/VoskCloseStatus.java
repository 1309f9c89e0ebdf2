package io.callscribe.vosk;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * WebSocket close statuses as the Vosk protocol uses them, each saying whether a new connection could
 * succeed where this one was closed. {@code serve} closes a client's bad input with
 * {@link #UNSUPPORTED_DATA} or {@link #INVALID_DATA} and keeps {@link #INTERNAL_ERROR} for its own faults;
 * the real vosk-server uses 1011 for everything, so a client cannot tell an outage from a rejection by
 * the code alone (see {@code ResilientStream} for how a repeated rejection is recognised).
 *
 * @param code                      the status code on the wire
 * @param meaning                   a few words for logs and errors
 * @param newConnectionCouldSucceed false when the same audio and config would be refused again
 */
public record VoskCloseStatus(int code, String meaning, boolean newConnectionCouldSucceed) {

    public static final VoskCloseStatus NORMAL = new VoskCloseStatus(1000, "normal closure", true);
    public static final VoskCloseStatus GOING_AWAY = new VoskCloseStatus(1001, "going away", true);
    public static final VoskCloseStatus PROTOCOL_ERROR = new VoskCloseStatus(1002, "protocol error", false);
    public static final VoskCloseStatus UNSUPPORTED_DATA = new VoskCloseStatus(1003, "unsupported data", false);
    public static final VoskCloseStatus NO_STATUS = new VoskCloseStatus(1005, "no status", true);
    public static final VoskCloseStatus ABNORMAL = new VoskCloseStatus(1006, "abnormal closure", true);
    public static final VoskCloseStatus INVALID_DATA = new VoskCloseStatus(1007, "invalid data", false);
    public static final VoskCloseStatus POLICY_VIOLATION = new VoskCloseStatus(1008, "policy violation", false);
    public static final VoskCloseStatus MESSAGE_TOO_BIG = new VoskCloseStatus(1009, "message too big", false);
    public static final VoskCloseStatus MANDATORY_EXTENSION = new VoskCloseStatus(1010, "extension required", false);
    public static final VoskCloseStatus INTERNAL_ERROR = new VoskCloseStatus(1011, "internal error", true);
    public static final VoskCloseStatus SERVICE_RESTART = new VoskCloseStatus(1012, "service restart", true);
    public static final VoskCloseStatus TRY_AGAIN_LATER = new VoskCloseStatus(1013, "try again later", true);

    private static final Map<Integer, VoskCloseStatus> KNOWN = Stream.of(NORMAL, GOING_AWAY, PROTOCOL_ERROR,
                    UNSUPPORTED_DATA, NO_STATUS, ABNORMAL, INVALID_DATA, POLICY_VIOLATION, MESSAGE_TOO_BIG,
                    MANDATORY_EXTENSION, INTERNAL_ERROR, SERVICE_RESTART, TRY_AGAIN_LATER)
            .collect(Collectors.toUnmodifiableMap(VoskCloseStatus::code, Function.identity()));

    /** The named status for {@code code}; an unknown code (an application's 4xxx) counts as an outage. */
    public static VoskCloseStatus of(int code) {
        VoskCloseStatus known = KNOWN.get(code);
        return known != null ? known : new VoskCloseStatus(code, "status " + code, true);
    }

    @Override
    public String toString() {
        return code + " (" + meaning + ")";
    }
}
