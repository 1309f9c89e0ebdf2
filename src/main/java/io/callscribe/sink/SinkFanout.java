package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Passes each event to every sink (start and end with the same transcript view and snapshot instance for all); a
 * failing sink is logged and never affects the others or the call. Thread contract: that of {@link TranscriptSink}.
 */
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
            deliver(sink, event, () -> sink.accept(event));
        }
    }

    @Override
    public void callStarted(TranscriptEvent.CallStarted start, TranscriptView transcript) {
        for (TranscriptSink sink : sinks) {
            deliver(sink, start, () -> sink.callStarted(start, transcript));
        }
    }

    @Override
    public void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot transcript) {
        for (TranscriptSink sink : sinks) {
            deliver(sink, end, () -> sink.callEnded(end, transcript));
        }
    }

    private static void deliver(TranscriptSink sink, TranscriptEvent event, Runnable delivery) {
        try {
            delivery.run();
        } catch (RuntimeException e) {
            log.warn("call {}: sink {} failed on {}: {}", event.call(), sink.getClass().getSimpleName(),
                    event.kind(), e.toString());
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
