package io.callscribe.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a call leg recovers when its recogniser stream breaks with a retryable fault: exponential backoff
 * with full jitter, at most {@code maxAttempts} attempts and at most {@code maxTotal} of trying per outage.
 *
 * @param maxAttempts       reconnect attempts per outage (0 = never reconnect)
 * @param initialBackoff    wait before the first attempt (also the jitter floor)
 * @param maxBackoff        the longest single wait
 * @param maxTotal          give up once an outage has lasted this long
 * @param replayMemoryBytes audio held in memory for replay; beyond it the replay buffer spills to a temp file
 */
public record ReconnectPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal,
                              int replayMemoryBytes) {

    public ReconnectPolicy {
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("reconnect attempts must be >= 0, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("reconnect backoff must be 0 <= initial <= max, got "
                    + initialBackoff + " and " + maxBackoff);
        }
        if (replayMemoryBytes < 0) {
            throw new IllegalArgumentException("replay memory must be >= 0 bytes");
        }
    }

    /** 8 attempts, 200 ms doubling to 5 s, at most 60 s per outage; 30 s of 16 kHz audio in memory. */
    public static ReconnectPolicy defaults() {
        return new ReconnectPolicy(8, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(60), 960_000);
    }

    public ReconnectPolicy withAttempts(int attempts) {
        return new ReconnectPolicy(attempts, initialBackoff, maxBackoff, maxTotal, replayMemoryBytes);
    }

    public ReconnectPolicy withMaxTotal(Duration total) {
        return new ReconnectPolicy(maxAttempts, initialBackoff, maxBackoff, total, replayMemoryBytes);
    }

    /**
     * The wait before attempt {@code attempt} (1-based): uniformly random between the initial backoff
     * and the capped exponential, so that calls cut off by the same outage do not reconnect in step.
     */
    Duration backoff(int attempt) {
        long initial = initialBackoff.toMillis();
        long cap = Math.min(maxBackoff.toMillis(), initial << Math.min(attempt - 1, 20));
        if (cap <= initial) {
            return Duration.ofMillis(initial);
        }
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(initial, cap + 1));
    }
}
