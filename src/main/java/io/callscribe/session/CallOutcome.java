package io.callscribe.session;

import java.util.List;

/**
 * How a call session ended.
 *
 * @param audioSeconds call audio received (the longest leg), all of it also when the recogniser failed
 * @param finals       final results delivered
 * @param endReason    why the call ended (recording closed, hangup, stopped, ...)
 * @param errors       problems that hit this call (empty when it went well)
 */
public record CallOutcome(String callId, double audioSeconds, int finals, String endReason, List<String> errors) {
    public CallOutcome {
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
