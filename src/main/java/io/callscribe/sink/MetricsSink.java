package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Counts calls, audio and errors into Micrometer. Prometheus names (see docs/api.md):
 * {@code callscribe_calls_live}, {@code callscribe_calls_total}, {@code callscribe_audio_seconds_total},
 * {@code callscribe_recognised_seconds_total}, {@code callscribe_lag_seconds}, {@code callscribe_errors_total{kind}},
 * {@code callscribe_webhook_failures_total}, {@code callscribe_webhook_dropped_total}, {@code callscribe_reconnects_total},
 * {@code callscribe_audio_received_seconds_total} and {@code callscribe_audio_sent_seconds_total} (audio that came in,
 * and what of it the voice-activity gates passed to the recogniser, counted as it flows).
 */
public final class MetricsSink implements TranscriptSink {

    private final MeterRegistry registry;
    private final Set<String> liveCalls = ConcurrentHashMap.newKeySet();
    private final Counter calls;
    private final Counter audioSeconds;
    private final Counter recognisedSeconds;
    private final Counter webhookFailures;
    private final Counter webhookDropped;
    private final Counter reconnects;
    private final Counter audioReceived;
    private final Counter audioSent;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private volatile DoubleSupplier lag = () -> 0;

    public MetricsSink(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("callscribe.calls.live", liveCalls, Set::size)
                .description("calls being transcribed now").register(registry);
        Gauge.builder("callscribe.lag.seconds", this, m -> m.lag.getAsDouble())
                .description("largest lag of a live call behind its audio, seconds").register(registry);
        calls = counter("callscribe.calls", "calls started");
        audioSeconds = counter("callscribe.audio.seconds",
                "seconds of call audio received (counted when a call ends)");
        recognisedSeconds = counter("callscribe.recognised.seconds", "seconds of call audio covered by final results");
        webhookFailures = counter("callscribe.webhook.failures", "webhook deliveries given up after all retries");
        webhookDropped = counter("callscribe.webhook.dropped",
                "webhook events dropped because the delivery queue was full");
        reconnects = counter("callscribe.reconnects", "recogniser connections re-opened during a call");
        audioReceived = counter("callscribe.audio.received.seconds",
                "seconds of leg audio received, counted as it arrives (two legs count twice)");
        audioSent = counter("callscribe.audio.sent.seconds",
                "seconds of leg audio sent to the recogniser (less than received where the "
                        + "voice-activity gate dropped silence)");
        for (String kind : new String[]{"recogniser", "audio", "other"}) {
            errorCounter(kind);
        }
    }

    /** Where the lag gauge reads from, e.g. {@code CallRegistry::maxLagSeconds}. */
    public MetricsSink lagFrom(DoubleSupplier maxLagSeconds) {
        this.lag = maxLagSeconds;
        return this;
    }

    @Override
    public void accept(TranscriptEvent event) {
        switch (event) {
            case TranscriptEvent.CallStarted s -> {
                if (liveCalls.add(s.call())) {
                    calls.increment();
                }
            }
            case TranscriptEvent.Final f -> {
                if (!Double.isNaN(f.start()) && !Double.isNaN(f.end()) && f.end() > f.start()) {
                    recognisedSeconds.increment(f.end() - f.start());
                }
            }
            case TranscriptEvent.CallEnded e -> {
                liveCalls.remove(e.call());
                if (!Double.isNaN(e.end()) && e.end() > 0) {
                    audioSeconds.increment(e.end());
                }
            }
            case TranscriptEvent.CallError e -> errorCounter(errorKind(e.message())).increment();
            case TranscriptEvent.Partial p -> {
            }
            case TranscriptEvent.Dtmf d -> {
            }
        }
    }

    public void webhookFailed() {
        webhookFailures.increment();
    }

    public void webhookDropped() {
        webhookDropped.increment();
    }

    /** For the session layer ({@link io.callscribe.vad.GateMeter}): leg audio received and sent on to the recogniser. */
    public void gatedAudio(double receivedSeconds, double sentSeconds) {
        audioReceived.increment(receivedSeconds);
        audioSent.increment(sentSeconds);
    }

    /** For the session layer: a recogniser connection was re-opened mid-call. */
    public void reconnected() {
        reconnects.increment();
    }

    /** Coarse, from the message wording: enough to tell "the recogniser is down" from "bad audio". */
    static String errorKind(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("recogni") || m.contains("vosk") || m.contains("websocket") || m.contains("asr")
                || m.contains("engine") || m.contains("model")) {
            return "recogniser";
        }
        if (m.contains("audio") || m.contains("source") || m.contains("wav") || m.contains("recording")
                || m.contains("pcm") || m.contains("sample rate") || m.contains("file") || m.contains("audiosocket")) {
            return "audio";
        }
        return "other";
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    private Counter errorCounter(String kind) {
        return errors.computeIfAbsent(kind, k -> Counter.builder("callscribe.errors").tag("kind", k)
                .description("errors that hit calls, by coarse kind").register(registry));
    }
}
