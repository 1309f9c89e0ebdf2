package io.callscribe.web;

import java.time.Instant;

/**
 * One row of {@code GET /calls}. {@code lagSeconds} is NaN when the call did not report it (and 0 once ended).
 * {@code audioSeconds} of a live call is what it reported, else the end of its last final.
 */
public record CallSummary(String id, boolean live, String source, String recognizer, Instant started, Instant ended,
                          double audioSeconds, double lagSeconds, int finals, int errors, String endReason) {
}
