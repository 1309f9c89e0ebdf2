package io.callscribe.source;

import java.time.Duration;

/**
 * How a {@link RecordingTailer} waits for a growing recording.
 *
 * @param pollInterval how often the file size is checked while no new audio is there; MixMonitor flushes
 *                     every ~2 s, so 10 ms adds at most 10 ms to that and costs one fstat per interval
 * @param idleTimeout  a recording that does not grow for this long is treated as ended (Asterisk died,
 *                     the file was abandoned); also bounds the wait for a file that never appears
 * @param watch        wait on a {@link java.nio.file.WatchService} (inotify) instead of sleeping; the poll
 *                     interval then is only the fallback. Costs one inotify instance per recording.
 */
public record TailOptions(Duration pollInterval, Duration idleTimeout, boolean watch) {

    public static final Duration DEFAULT_POLL = Duration.ofMillis(10);
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(15);

    public TailOptions {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, got " + pollInterval);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, got " + idleTimeout);
        }
    }

    public static TailOptions defaults() {
        return new TailOptions(DEFAULT_POLL, DEFAULT_IDLE, false);
    }

    public TailOptions withIdleTimeout(Duration d) {
        return new TailOptions(pollInterval, d, watch);
    }

    /** "15 s" or "300 ms", for end reasons and messages. */
    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
