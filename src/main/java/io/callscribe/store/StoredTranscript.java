package io.callscribe.store;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.CallTranscript;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** A stored call with every final (in the order of the call's audio), every error and every DTMF key. */
public record StoredTranscript(StoredCall call, List<TranscriptEvent.Final> finals, List<String> errors,
                               List<TranscriptEvent.Dtmf> dtmf) {

    public StoredTranscript {
        finals = finals.stream().sorted(Comparator.comparingDouble(
                (TranscriptEvent.Final f) -> Double.isNaN(f.start()) ? Double.MAX_VALUE : f.start())).toList();
        errors = List.copyOf(errors);
        dtmf = List.copyOf(dtmf);
    }

    /** The same view a live call gives, so the transcript formats (JSON, text, WebVTT) apply unchanged. */
    public CallTranscript.Snapshot snapshot() {
        return new CallTranscript.Snapshot(call.id(), call.source(), call.started(), call.ended(),
                call.durationSeconds(), call.endReason(), finals, Map.of(), errors, List.of(), dtmf);
    }
}
