package io.callscribe.vad;

/**
 * Counts what gates let through, for metrics. Called on each leg's sending thread, for every chunk: implementations
 * must be thread-safe and quick (e.g. Micrometer counters).
 */
public interface GateMeter {

    GateMeter NONE = (received, sent) -> {
    };

    /** {@code receivedSeconds} of call audio came in, of which {@code sentSeconds} went on to the recogniser. */
    void counted(double receivedSeconds, double sentSeconds);
}
