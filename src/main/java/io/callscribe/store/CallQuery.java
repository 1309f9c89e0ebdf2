package io.callscribe.store;

import java.time.Instant;

/**
 * What {@link TranscriptStore#search} looks for; every criterion is optional (null). {@code text} is searched in the
 * finals (all its words must occur; ranked by relevance), else calls come newest first. {@code number} matches any
 * metadata value exactly (a caller or callee number). {@code source} is a kind of source ({@link #kindOf}), in any
 * case. {@code cursor} is the {@link CallPage#nextCursor()} of the
 * previous page of the same query.
 */
public record CallQuery(String text, Instant from, Instant to, String number, String source, int limit, String cursor) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public CallQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        text = blankToNull(text);
        number = blankToNull(number);
        source = source == null || source.isBlank() ? null : source.strip().toLowerCase(java.util.Locale.ROOT);
        cursor = blankToNull(cursor);
    }

    /**
     * The kind of a call's source, what {@code source} matches: the first word of its description, in lower case
     * ({@code recording}, {@code audiosocket}, {@code ari}, {@code chan_websocket}); null for none.
     */
    public static String kindOf(String sourceDescription) {
        if (sourceDescription == null || sourceDescription.isBlank()) {
            return null;
        }
        String s = sourceDescription.strip();
        int space = s.indexOf(' ');
        return (space < 0 ? s : s.substring(0, space)).toLowerCase(java.util.Locale.ROOT);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
