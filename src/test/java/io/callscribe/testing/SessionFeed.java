package io.callscribe.testing;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.session.SessionTranscript;
import io.callscribe.sink.TranscriptSink;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TEST DOUBLE of the call sessions that feed sinks: each call's events go through a {@link SessionTranscript}, the
 * very class a {@code CallSession} emits through (a {@code call_start} begins a new one), so a sink under test gets
 * {@code callStarted} with the call's live transcript and {@code callEnded} with its final snapshot, as from a real
 * session. The real path is exercised by {@code CallSessionTest} and the {@code Run*Test}s.
 */
public final class SessionFeed {

    private final TranscriptSink sink;
    private final Map<String, SessionTranscript> calls = new ConcurrentHashMap<>();

    public SessionFeed(TranscriptSink sink) {
        this.sink = sink;
    }

    /** Emits the event as the call's session would. */
    public void accept(TranscriptEvent event) {
        SessionTranscript call = event instanceof TranscriptEvent.CallStarted
                ? calls.compute(event.call(), (id, old) -> new SessionTranscript(id, sink))
                : calls.computeIfAbsent(event.call(), id -> new SessionTranscript(id, sink));
        call.emit(event);
    }

    /** The call's transcript as its session keeps it. */
    public SessionTranscript call(String id) {
        return calls.get(id);
    }
}
