package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;

/**
 * Receives every event of every call. The events of one call arrive one at a time and in order, but
 * on threads of that call, and different calls call in concurrently: implementations are thread-safe.
 * One that does I/O which may be slow (a webhook) must hand off to its own queue and never block the call.
 * An exception thrown here is logged and does not affect the call or other sinks.
 */
public interface TranscriptSink extends AutoCloseable {

    void accept(TranscriptEvent event);

    @Override
    default void close() {
    }
}
