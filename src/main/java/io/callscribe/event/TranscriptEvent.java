package io.callscribe.event;


import java.time.Instant;
import java.util.List;

/**
 * What the pipeline tells its sinks, in call order. {@code start}/{@code end} are seconds of call
 * audio. {@code speaker} is null for a single-leg call, else the leg's label (e.g. "caller", "agent").
 */
public sealed interface TranscriptEvent {

    String call();

    Instant at();

    /** The name used on the wire ({@code call_start}, {@code partial}, ...). */
    String kind();

    /** {@code parties} says who the speakers are when the source knows (ARI mode); empty otherwise. */
    record CallStarted(String call, Instant at, String source, List<CallParty> parties) implements TranscriptEvent {
        public CallStarted {
            parties = parties == null ? List.of() : List.copyOf(parties);
        }

        public CallStarted(String call, Instant at, String source) {
            this(call, at, source, List.of());
        }

        public String kind() {
            return "call_start";
        }
    }

    record Partial(String call, Instant at, String speaker, String text) implements TranscriptEvent {
        public String kind() {
            return "partial";
        }
    }

    record Final(String call, Instant at, String speaker, String text, double start, double end, List<Word> words)
            implements TranscriptEvent {
        public Final {
            words = List.copyOf(words);
        }

        public String kind() {
            return "final";
        }
    }

    /**
     * The call ended; {@code end} is the audio duration in seconds. A {@code reason} starting with
     * {@link #INCOMPLETE} says the transcript covers only part of the call (callscribe stopped while the call went on).
     */
    record CallEnded(String call, Instant at, double end, String reason) implements TranscriptEvent {
        /** How the reason of a call whose transcript covers only part of it starts. */
        public static final String INCOMPLETE = "incomplete";
        /** The reason of a call still going on when callscribe shut down (SIGTERM): transcribed up to then. */
        public static final String SHUT_DOWN = INCOMPLETE + ": callscribe shut down while the call went on; finals up to then";

        public String kind() {
            return "call_end";
        }

        /** False when the transcript covers only part of the call. */
        public boolean complete() {
            return isComplete(reason);
        }

        /** False for an end reason saying the transcript covers only part of the call. */
        public static boolean isComplete(String reason) {
            return reason == null || !reason.startsWith(INCOMPLETE);
        }
    }

    /** A DTMF key the caller pressed; {@code start} is its position in the call's audio, in seconds. */
    record Dtmf(String call, Instant at, String speaker, String digit, double start) implements TranscriptEvent {
        public String kind() {
            return "dtmf";
        }
    }

    record CallError(String call, Instant at, String message) implements TranscriptEvent {
        public String kind() {
            return "error";
        }
    }
}
