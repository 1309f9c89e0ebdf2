package io.callscribe.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A call as the store knows it. {@code ended} is null while the call is live (or when its instance stopped before
 * the end was written). {@code match} is the best-matching final of a text search, else null.
 */
public record StoredCall(String id, String source, String recognizer, Instant started, Instant ended,
                         double durationSeconds, String endReason, List<String> speakers, Map<String, String> metadata,
                         int finals, int errors, MatchLine match) {

    public StoredCall {
        speakers = List.copyOf(speakers);
        metadata = Map.copyOf(metadata);
    }

    StoredCall withMatch(MatchLine m) {
        return new StoredCall(id, source, recognizer, started, ended, durationSeconds, endReason, speakers, metadata,
                finals, errors, m);
    }

    /**
     * The final that matched a search best, with the character ranges of {@code text} that match its words
     * ({@code highlights}: pairs of start inclusive, end exclusive).
     */
    public record MatchLine(String speaker, double start, double end, String text, List<int[]> highlights) {
        public MatchLine {
            highlights = List.copyOf(highlights);
        }
    }
}
