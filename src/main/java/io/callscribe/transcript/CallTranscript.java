package io.callscribe.transcript;

import io.callscribe.event.CallParty;
import io.callscribe.event.TranscriptEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one call, built from its events: metadata, finals in time order, the current
 * partial of each speaker, DTMF digits, errors. Thread-safe; snapshots are immutable.
 */
public final class CallTranscript {

    private final String callId;
    private String source;
    private List<CallParty> parties = List.of();
    private Instant startedAt;
    private Instant endedAt;
    private double audioSeconds;
    private String endReason;
    private final List<TranscriptEvent.Final> finals = new ArrayList<>();
    private final Map<String, String> partials = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();
    private final List<TranscriptEvent.Dtmf> dtmf = new ArrayList<>();

    public CallTranscript(String callId) {
        this.callId = callId;
    }

    public synchronized void apply(TranscriptEvent event) {
        switch (event) {
            case TranscriptEvent.CallStarted s -> {
                startedAt = s.at();
                source = s.source();
                parties = s.parties();
            }
            case TranscriptEvent.Partial p -> partials.put(speakerKey(p.speaker()), p.text());
            case TranscriptEvent.Final f -> {
                finals.add(f);
                partials.remove(speakerKey(f.speaker()));
            }
            case TranscriptEvent.CallEnded e -> {
                endedAt = e.at();
                audioSeconds = e.end();
                endReason = e.reason();
                partials.clear();
            }
            case TranscriptEvent.Dtmf d -> dtmf.add(d);
            case TranscriptEvent.CallError e -> errors.add(e.message());
        }
    }

    public synchronized Snapshot snapshot() {
        List<TranscriptEvent.Final> ordered = new ArrayList<>(finals);
        // Legs deliver independently: order the transcript by when things were said, not when results came.
        ordered.sort(Comparator.comparingDouble(CallTranscript::sortKey));
        return new Snapshot(callId, source, startedAt, endedAt, audioSeconds, endReason, ordered,
                Map.copyOf(partials), List.copyOf(errors), parties, List.copyOf(dtmf));
    }

    public String callId() {
        return callId;
    }

    private static double sortKey(TranscriptEvent.Final f) {
        return Double.isNaN(f.start()) ? Double.MAX_VALUE : f.start();
    }

    private static String speakerKey(String speaker) {
        return speaker == null ? "" : speaker;
    }

    /** An immutable view of a call; {@code endedAt} is null while the call is live. */
    public record Snapshot(String callId, String source, Instant startedAt, Instant endedAt, double audioSeconds,
                           String endReason, List<TranscriptEvent.Final> finals, Map<String, String> partials,
                           List<String> errors, List<CallParty> parties, List<TranscriptEvent.Dtmf> dtmf) {
        public Snapshot {
            parties = parties == null ? List.of() : List.copyOf(parties);
            dtmf = dtmf == null ? List.of() : List.copyOf(dtmf);
        }

        /** A call without DTMF digits. */
        public Snapshot(String callId, String source, Instant startedAt, Instant endedAt, double audioSeconds,
                        String endReason, List<TranscriptEvent.Final> finals, Map<String, String> partials,
                        List<String> errors, List<CallParty> parties) {
            this(callId, source, startedAt, endedAt, audioSeconds, endReason, finals, partials, errors, parties, List.of());
        }

        /** A call whose parties are not known (every source but ARI). */
        public Snapshot(String callId, String source, Instant startedAt, Instant endedAt, double audioSeconds,
                        String endReason, List<TranscriptEvent.Final> finals, Map<String, String> partials,
                        List<String> errors) {
            this(callId, source, startedAt, endedAt, audioSeconds, endReason, finals, partials, errors, List.of());
        }

        public boolean live() {
            return endedAt == null;
        }

        public String text() {
            StringBuilder sb = new StringBuilder();
            for (TranscriptEvent.Final f : finals) {
                sb.append(f.text()).append('\n');
            }
            return sb.toString();
        }
    }
}
