package io.callscribe.store;

import java.util.List;

/** One page of {@link TranscriptStore#search}; {@code nextCursor} is null on the last page. */
public record CallPage(List<StoredCall> calls, String nextCursor) {
    public CallPage {
        calls = List.copyOf(calls);
    }
}
