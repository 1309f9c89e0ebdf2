package io.callscribe.session;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one transcript of a call and the delivery of its events: {@link #emit} applies each event to the transcript
 * and hands it to the sink, one event at a time and in order, whichever leg's thread emits it. The sink gets
 * {@code call_start} with this {@link TranscriptView} ({@link TranscriptSink#callStarted}), {@code call_end} with the
 * final snapshot ({@link TranscriptSink#callEnded}), the rest through {@link TranscriptSink#accept}. Thread-safe.
 */
public final class SessionTranscript implements TranscriptView {

    /** Sinks do I/O: a lock, not a monitor, so a leg on a virtual thread never pins its carrier. */
    private final ReentrantLock emitLock = new ReentrantLock();
    private final CallTranscript transcript;
    private final TranscriptSink sink;

    public SessionTranscript(String callId, TranscriptSink sink) {
        this.transcript = new CallTranscript(callId);
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public String callId() {
        return transcript.callId();
    }

    /** Applies the event (of this call) to the transcript, then delivers it; returns once every sink has had it. */
    public void emit(TranscriptEvent event) {
        if (!event.call().equals(callId())) {
            throw new IllegalArgumentException("an event of call " + event.call() + " emitted by call " + callId());
        }
        emitLock.lock();
        try {
            transcript.apply(event);
            switch (event) {
                case TranscriptEvent.CallStarted s -> sink.callStarted(s, this);
                case TranscriptEvent.CallEnded e -> sink.callEnded(e, transcript.snapshot());
                default -> sink.accept(event);
            }
        } finally {
            emitLock.unlock();
        }
    }

    @Override
    public CallTranscript.Snapshot snapshot() {
        return transcript.snapshot();
    }

    @Override
    public void withSnapshot(Consumer<CallTranscript.Snapshot> action) {
        emitLock.lock();
        try {
            action.accept(transcript.snapshot());
        } finally {
            emitLock.unlock();
        }
    }
}
