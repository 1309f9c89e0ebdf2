package io.callscribe.server;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of a {@link VoskProtocolServer}.
 *
 * @param host            interface to bind
 * @param port            0 picks a free port
 * @param sampleRate      rate assumed when a client sends no config
 * @param maxAlternatives default n-best count (0: single result)
 * @param showWords       default for word timings in finals
 * @param workers         threads feeding recogniser streams (all connections share them)
 * @param maxMessageBytes larger messages are refused with 1009
 * @param pingInterval    ping period; a ping unanswered for one period closes with 1011
 * @param replyWait       how long the reply to an audio message waits for the engine to report on it
 * @param finalWait       how long a reset waits for the utterance's final
 * @param finishTimeout   how long eof waits for the engine's last result
 */
public record VoskServerSettings(String host, int port, int sampleRate, int maxAlternatives, boolean showWords,
                                 int workers, int maxMessageBytes, Duration pingInterval, Duration replyWait,
                                 Duration finalWait, Duration finishTimeout) {

    public VoskServerSettings {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (maxAlternatives < 0) {
            throw new IllegalArgumentException("maxAlternatives must be >= 0, got " + maxAlternatives);
        }
    }

    /** vosk-server's defaults except the interface: 127.0.0.1 unless told otherwise. */
    public static VoskServerSettings defaults() {
        return new VoskServerSettings("127.0.0.1", 2700, 8000, 0, true,
                Runtime.getRuntime().availableProcessors(), 1 << 20, Duration.ofSeconds(20),
                Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    /** Defaults overridden by VOSK_SERVER_INTERFACE, VOSK_SERVER_PORT, VOSK_SAMPLE_RATE, VOSK_ALTERNATIVES, VOSK_SHOW_WORDS. */
    public static VoskServerSettings fromEnvironment(Map<String, String> env) {
        VoskServerSettings d = defaults();
        return new VoskServerSettings(
                env.getOrDefault("VOSK_SERVER_INTERFACE", d.host),
                intVar(env, "VOSK_SERVER_PORT", d.port),
                intVar(env, "VOSK_SAMPLE_RATE", d.sampleRate),
                intVar(env, "VOSK_ALTERNATIVES", d.maxAlternatives),
                boolVar(env, "VOSK_SHOW_WORDS", d.showWords),
                d.workers, d.maxMessageBytes, d.pingInterval, d.replyWait, d.finalWait, d.finishTimeout);
    }

    private static int intVar(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
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

    public VoskServerSettings withHost(String h) {
        return new VoskServerSettings(h, port, sampleRate, maxAlternatives, showWords, workers, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withPort(int p) {
        return new VoskServerSettings(host, p, sampleRate, maxAlternatives, showWords, workers, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withSampleRate(int r) {
        return new VoskServerSettings(host, port, r, maxAlternatives, showWords, workers, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withMaxAlternatives(int a) {
        return new VoskServerSettings(host, port, sampleRate, a, showWords, workers, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withShowWords(boolean w) {
        return new VoskServerSettings(host, port, sampleRate, maxAlternatives, w, workers, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withPingInterval(Duration d) {
        return new VoskServerSettings(host, port, sampleRate, maxAlternatives, showWords, workers, maxMessageBytes,
                d, replyWait, finalWait, finishTimeout);
    }

    public VoskServerSettings withReplyWait(Duration d) {
        return new VoskServerSettings(host, port, sampleRate, maxAlternatives, showWords, workers, maxMessageBytes,
                pingInterval, d, finalWait, finishTimeout);
    }

    public VoskServerSettings withFinalWait(Duration d) {
        return new VoskServerSettings(host, port, sampleRate, maxAlternatives, showWords, workers, maxMessageBytes,
                pingInterval, replyWait, d, finishTimeout);
    }

    public VoskServerSettings withWorkers(int n) {
        return new VoskServerSettings(host, port, sampleRate, maxAlternatives, showWords, n, maxMessageBytes,
                pingInterval, replyWait, finalWait, finishTimeout);
    }
}
