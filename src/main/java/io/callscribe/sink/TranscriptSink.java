package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;

/**
 * Receives every event of every call, from the call's session, which owns the call's one transcript: a sink keeps
 * no copy of it. A call's {@code call_start} comes through {@link #callStarted} with a view of the session's live
 * transcript, its {@code call_end} through {@link #callEnded} with the final snapshot, every other event through
 * {@link #accept}. Thread contract: the events of one call arrive one at a time and in order, but on threads of
 * that call (while the session holds its emit lock: a sink must not wait for another of that call's events), and
 * different calls call in concurrently: implementations are thread-safe. One that does I/O which may be slow (a
 * webhook) must hand off to its own queue and never block the call. An exception thrown here is logged and does not
 * affect the call or other sinks.
 */
public interface TranscriptSink extends AutoCloseable {

    /** A {@code partial}, {@code final}, {@code dtmf} or {@code error} (and, by the defaults below, start and end). */
    void accept(TranscriptEvent event);

    /**
     * The call started. {@code transcript} is the session's own, live: read it when needed (it is thread-safe), never
     * copy it. The default passes the event to {@link #accept}.
     */
    default void callStarted(TranscriptEvent.CallStarted start, TranscriptView transcript) {
        accept(start);
    }

    /**
     * The call ended; {@code transcript} is its final snapshot, already holding {@code end}: the same instance for
     * every sink of the call. The default passes the event to {@link #accept}.
     */
    default void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot transcript) {
        accept(end);
    }

    @Override
    default void close() {
    }
}
