package io.callscribe.testing;

import io.callscribe.session.ReconnectPolicy;

import java.time.Duration;

/**
 * Test support: a reconnect policy through {@link ReconnectPolicy}'s constructor, starting from
 * {@link ReconnectPolicy#defaults()} (what {@code --reconnect-attempts} and {@code --reconnect-max-seconds} change),
 * with the shorter backoffs a test wants.
 */
public final class ReconnectPolicyBuilder {

    private final ReconnectPolicy defaults = ReconnectPolicy.defaults();
    private int attempts = defaults.maxAttempts();
    private Duration initialBackoff = defaults.initialBackoff();
    private Duration maxBackoff = defaults.maxBackoff();
    private Duration maxTotal = defaults.maxTotal();

    private ReconnectPolicyBuilder() {
    }

    public static ReconnectPolicyBuilder policy() {
        return new ReconnectPolicyBuilder();
    }

    /** No reconnect at all, and no replay memory. */
    public static ReconnectPolicy never() {
        return new ReconnectPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
    }

    public ReconnectPolicyBuilder attempts(int value) {
        attempts = value;
        return this;
    }

    public ReconnectPolicyBuilder backoff(Duration initial, Duration max) {
        initialBackoff = initial;
        maxBackoff = max;
        return this;
    }

    public ReconnectPolicyBuilder maxTotal(Duration value) {
        maxTotal = value;
        return this;
    }

    public ReconnectPolicy build() {
        return new ReconnectPolicy(attempts, initialBackoff, maxBackoff, maxTotal, defaults.replayMemoryBytes());
    }
}
