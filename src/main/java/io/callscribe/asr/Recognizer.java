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
