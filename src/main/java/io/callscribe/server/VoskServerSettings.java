package io.callscribe.server;

import io.callscribe.vosk.VoskCodec;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of a {@link VoskProtocolServer}: what vosk-server's environment variables set, plus tuning.
 *
 * @param host            interface to bind (VOSK_SERVER_INTERFACE)
 * @param port            0 picks a free port (VOSK_SERVER_PORT)
 * @param sampleRate      rate of a client that sends no config (VOSK_SAMPLE_RATE); any rate is resampled
 *                        to the engine's own
 * @param maxAlternatives default n-best count, 0: single result (VOSK_ALTERNATIVES)
 * @param showWords       default for word timings in finals (VOSK_SHOW_WORDS)
 * @param tuning          threads, limits and waits
 */
public record VoskServerSettings(String host, int port, int sampleRate, int maxAlternatives, boolean showWords,
                                 Tuning tuning) {

    /**
     * @param workers         threads feeding recogniser streams (all connections share them)
     * @param maxMessageBytes larger messages are refused with 1009
     * @param pingInterval    ping period; a ping unanswered for one period closes with 1011
     * @param replyWait       how long the reply to an audio message waits for the engine to report on it
     * @param finalWait       how long a reset waits for the utterance's final
     * @param finishTimeout   how long eof waits for the engine's last result
     * @param maxConnections  connections served at once, each with its own recogniser stream (for Sphinx4 a decoder
     *                        of the pool, ~150 MB): one beyond it is accepted and closed at once with 1013 "try
     *                        again later", so the pool and the heap stay bounded
     */
    public record Tuning(int workers, int maxMessageBytes, Duration pingInterval, Duration replyWait,
                         Duration finalWait, Duration finishTimeout, int maxConnections) {
        public Tuning {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
            }
        }

        public Tuning(int workers, int maxMessageBytes, Duration pingInterval, Duration replyWait,
                      Duration finalWait, Duration finishTimeout) {
            this(workers, maxMessageBytes, pingInterval, replyWait, finalWait, finishTimeout, defaultMaxConnections());
        }

        /** Four per core, at least 8. */
        public static int defaultMaxConnections() {
            return Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        }

        public static Tuning defaults() {
            return new Tuning(Runtime.getRuntime().availableProcessors(), 1 << 20, Duration.ofSeconds(20),
                    Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(60));
        }

        public Tuning withMaxConnections(int n) {
            return new Tuning(workers, maxMessageBytes, pingInterval, replyWait, finalWait, finishTimeout, n);
        }
    }

    public VoskServerSettings {
        if (maxAlternatives < 0) {
            throw new IllegalArgumentException("maxAlternatives must be >= 0, got " + maxAlternatives);
        }
        if (sampleRate < VoskCodec.MIN_SAMPLE_RATE || sampleRate > VoskCodec.MAX_SAMPLE_RATE) {
            throw new IllegalArgumentException("default sample rate " + sampleRate + " Hz is out of range ("
                    + VoskCodec.MIN_SAMPLE_RATE + " to " + VoskCodec.MAX_SAMPLE_RATE + " Hz)");
        }
    }

    /** vosk-server's defaults except the interface: 127.0.0.1 unless told otherwise. */
    public static VoskServerSettings defaults() {
        return fromEnvironment(Map.of());
    }

    public static VoskServerSettings fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, Tuning.defaults());
    }

    /**
     * vosk-server's defaults overridden by VOSK_SERVER_INTERFACE, VOSK_SERVER_PORT, VOSK_SAMPLE_RATE,
     * VOSK_ALTERNATIVES and VOSK_SHOW_WORDS, with vosk-server's meaning.
     *
     * @throws IllegalArgumentException naming the variable whose value is not a number, a boolean or a rate
     */
    public static VoskServerSettings fromEnvironment(Map<String, String> env, Tuning tuning) {
        return new VoskServerSettings(
                env.getOrDefault("VOSK_SERVER_INTERFACE", "127.0.0.1"),
                intVar(env, "VOSK_SERVER_PORT", 2700),
                intVar(env, "VOSK_SAMPLE_RATE", 8000),
                intVar(env, "VOSK_ALTERNATIVES", 0),
                boolVar(env, "VOSK_SHOW_WORDS", true),
                tuning);
    }

    private static int intVar(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            // vosk-server reads the rate as a float: 16000.0 is 16000.
            double d = Double.parseDouble(v.strip());
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + name + "=" + v + " is not a whole number");
        }
    }

    private static boolean boolVar(Map<String, String> env, String name, boolean fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        // vosk-server reads it as Python: "True"/"False"; accept the usual spellings.
        return switch (v.strip().toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException("environment variable " + name + "=" + v + " is not true or false");
        };
    }
}
