package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Passes each event to every sink; a failing sink is logged and never affects the others or the call. */
public final class SinkFanout implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(SinkFanout.class);

    private final List<TranscriptSink> sinks = new CopyOnWriteArrayList<>();

    public SinkFanout(List<? extends TranscriptSink> sinks) {
        this.sinks.addAll(sinks);
    }

    public SinkFanout add(TranscriptSink sink) {
        sinks.add(sink);
        return this;
    }

    @Override
    public void accept(TranscriptEvent event) {
        for (TranscriptSink sink : sinks) {
            try {
                sink.accept(event);
            } catch (RuntimeException e) {
                log.warn("call {}: sink {} failed on {}: {}", event.call(), sink.getClass().getSimpleName(),
                        event.kind(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        for (TranscriptSink sink : sinks) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                log.warn("sink {} failed to close: {}", sink.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
