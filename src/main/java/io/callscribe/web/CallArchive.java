package io.callscribe.web;

import io.callscribe.store.CallPage;
import io.callscribe.store.CallQuery;
import io.callscribe.store.StoredCall;
import io.callscribe.store.StoredTranscript;
import io.callscribe.store.TranscriptStore;
import io.callscribe.event.CallIds;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finished calls as the API serves them: read from the {@link TranscriptStore}, so they survive restarts and, with
 * a shared store, include other instances' calls.
 * Thread-safe; every method blocks for the store.
 */
public final class CallArchive {

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private final TranscriptStore store;

    public CallArchive(TranscriptStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public TranscriptStore store() {
        return store;
    }

    /**
     * The store's page for {@code q}. A search text that is a date ({@code 2026-05-01}) means that day; one that is
     * the id of a stored call also puts that call first on the first page (as the in-memory search did).
     */
    public CallPage search(CallQuery q) {
        String text = q.text();
        if (text != null && DATE.matcher(text).matches() && q.from() == null && q.to() == null) {
            LocalDate day = LocalDate.parse(text);
            return store.search(new CallQuery(null, day.atStartOfDay(ZoneOffset.UTC).toInstant(),
                    day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), q.number(), q.source(), q.limit(), q.cursor()));
        }
        CallPage page = store.search(q);
        if (text != null && q.cursor() == null && CallIds.valid(text)) {
            Optional<StoredTranscript> byId = store.find(text);
            if (byId.isPresent() && page.calls().stream().noneMatch(c -> c.id().equals(text))) {
                List<StoredCall> calls = new ArrayList<>();
                calls.add(byId.get().call());
                calls.addAll(page.calls());
                return new CallPage(calls, page.nextCursor());
            }
        }
        return page;
    }

    public Optional<StoredTranscript> find(String callId) {
        return store.find(callId);
    }

    /** Removes the call from the store; true when the store had it. */
    public boolean delete(String callId) {
        return store.delete(callId);
    }
}
