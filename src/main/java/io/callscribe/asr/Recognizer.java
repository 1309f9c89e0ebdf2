package io.callscribe.asr;

import java.util.OptionalInt;

/**
 * A speech recognition engine (remote Vosk server, libvosk, Sphinx4). Thread-safe: every call opens
 * its own streams. The call pipeline only sees this interface.
 */
public interface Recognizer extends AutoCloseable {

    /** Short name for logs and events, e.g. {@code vosk-ws ws://127.0.0.1:2700} or {@code sphinx4}. */
    String name();

    /** The one sample rate the engine takes, if it takes only one; the pipeline resamples to it. */
    OptionalInt requiredSampleRate();

    RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException;

    /**
     * How long a silence makes this engine end an utterance by itself, when that is known and fixed (Sphinx4's
     * endpointer: 200 ms by default). A voice-activity gate that sends at least this much silence after speech leaves
     * the utterance's end to the engine, as if all of the silence had been sent, instead of ending it with a reset.
     * Empty (the default) when the engine's endpointing is not known to the client (a Vosk server): the gate then
     * resets at each pause it leaves out, so the final is not held back until the next speech.
     */
    default java.util.Optional<java.time.Duration> endpointSilence() {
        return java.util.Optional.empty();
    }

    /**
     * Why new calls could not be recognised right now (a server that cannot be reached), for readiness
     * checks; empty when the engine is ready. Must be cheap: it is polled by load balancers.
     */
    default java.util.Optional<String> unavailableReason() {
        return java.util.Optional.empty();
    }

    @Override
    default void close() {
    }
}
