package io.callscribe.store;

import io.callscribe.event.TranscriptEvent;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One change to a stored call, as the {@code StoreSink} queues them while the call goes. Every write is
 * idempotent (finals and errors carry their number within the call), so a batch whose commit was not
 * acknowledged can be written again.
 */
public sealed interface StoreWrite {

    String callId();

    /** The call began; {@code metadata} holds what the source knows (caller id, linkedid, ...), possibly nothing. */
    record CallStart(String callId, Instant started, String source, Map<String, String> metadata) implements StoreWrite {
        public CallStart {
            metadata = Map.copyOf(metadata);
        }
    }

    /** The {@code seq}-th final of the call (0-based, in the order the call delivered them). */
    record FinalLine(String callId, int seq, TranscriptEvent.Final line) implements StoreWrite {
    }

    /** The {@code seq}-th DTMF key pressed in the call. */
    record DtmfKey(String callId, int seq, TranscriptEvent.Dtmf key) implements StoreWrite {
    }

    /** The {@code seq}-th error of the call. */
    record ErrorLine(String callId, int seq, Instant at, String message) implements StoreWrite {
    }

    /** The call ended after {@code durationSeconds} of audio. */
    record CallEnd(String callId, Instant ended, double durationSeconds, String reason, String recognizer,
                   List<String> speakers) implements StoreWrite {
        public CallEnd {
            speakers = List.copyOf(speakers);
        }
    }
}
