package io.callscribe.transcript;

import java.util.function.Consumer;

/**
 * A live call's one transcript, as its call session keeps it: sinks read it, only the session writes it (each event
 * it emits is applied to it before any sink gets the event). Sinks hold this view, never a copy of the transcript.
 * Thread contract: both methods may be called from any thread, at any time, also after the call ended (then they
 * give the final transcript).
 */
public interface TranscriptView {

    String callId();

    /** The call as it is now (an immutable snapshot). Does not wait for an event being delivered. */
    CallTranscript.Snapshot snapshot();

    /**
     * Runs {@code action} with the snapshot while no event of this call is being delivered: the events the sinks have
     * been given so far are exactly those in it, and the next one any sink gets comes after it (what a live feed needs
     * to replay a call with no gap and no duplicate). It waits for a delivery under way (which may be a sink's file
     * write); {@code action} must be short and must not wait for anything that waits for this call's sinks.
     */
    void withSnapshot(Consumer<CallTranscript.Snapshot> action);
}
