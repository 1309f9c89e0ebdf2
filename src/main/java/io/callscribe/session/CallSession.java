package io.callscribe.session;

import io.callscribe.event.CallIds;
import io.callscribe.asr.Recognizer;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.AudioSource;
import io.callscribe.transcript.TranscriptView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One phone call from first audio to final result: streams each leg (speaker) to its own recogniser
 * stream on its own virtual thread, turns results into {@link TranscriptEvent}s and ends cleanly. It owns the call's
 * one transcript ({@link #transcript()}): each event it emits is applied to it, then handed to the sinks.
 * A session runs once; the next call is a new session.
 */
public final class CallSession {

    private static final Logger log = LoggerFactory.getLogger(CallSession.class);

    /** One direction of a call; {@code speaker} is null for a single-leg call. */
    public record Leg(String speaker, AudioSource source) {
        public Leg {
            Objects.requireNonNull(source, "source");
        }
    }

    private final String callId;
    private final List<Leg> legs;
    private final Recognizer recognizer;
    private final SessionSettings settings;
    /** The call's one transcript; every event goes through it to the sinks. */
    private final SessionTranscript transcript;
    private final Clock clock;
    private final List<LegStreamer> streamers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Runnable onReconnect = () -> {
    };
    private volatile List<io.callscribe.event.CallParty> parties = List.of();
    private volatile io.callscribe.vad.GateMeter gateMeter = io.callscribe.vad.GateMeter.NONE;

    public CallSession(String callId, List<Leg> legs, Recognizer recognizer, SessionSettings settings,
                       TranscriptSink sink) {
        this(callId, legs, recognizer, settings, sink, Clock.systemUTC());
    }

    CallSession(String callId, List<Leg> legs, Recognizer recognizer, SessionSettings settings,
                TranscriptSink sink, Clock clock) {
        this.callId = CallIds.require(callId);
        if (legs.isEmpty()) {
            throw new IllegalArgumentException("call " + callId + " has no audio source");
        }
        this.legs = List.copyOf(legs);
        this.recognizer = recognizer;
        this.settings = settings;
        this.transcript = new SessionTranscript(this.callId, sink);
        this.clock = clock;
    }

    public String callId() {
        return callId;
    }

    /** Counts audio received and audio sent to the recogniser, for every leg (e.g. {@code MetricsSink::gatedAudio}). */
    public CallSession onGatedAudio(io.callscribe.vad.GateMeter meter) {
        this.gateMeter = Objects.requireNonNull(meter, "meter");
        return this;
    }

    io.callscribe.vad.GateMeter gateMeter() {
        return gateMeter;
    }

    /** Seconds of audio sent to the recogniser so far, all legs (less than received when legs are gated). */
    double audioSentSeconds() {
        return streamers.stream().mapToDouble(LegStreamer::sentSeconds).sum();
    }

    /** Called once per recogniser reconnect of any leg (e.g. {@code MetricsSink::reconnected}). Returns this. */
    public CallSession onReconnect(Runnable hook) {
        this.onReconnect = Objects.requireNonNull(hook, "hook");
        return this;
    }

    /** Who the speakers are (ARI mode), reported in {@code call_start}; set before {@link #run()}. Returns this. */
    public CallSession withParties(List<io.callscribe.event.CallParty> parties) {
        this.parties = List.copyOf(parties);
        return this;
    }

    /** Recogniser connections re-opened during this call so far. */
    public int reconnects() {
        return reconnects.get();
    }

    void reconnected() {
        reconnects.incrementAndGet();
        try {
            onReconnect.run();
        } catch (RuntimeException e) {
            log.warn("call {}: reconnect hook failed: {}", callId, e.toString());
        }
    }

    /** Streams the whole call on the calling thread (legs on virtual threads) and returns when it has ended. */
    public CallOutcome run() throws InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("call " + callId + " already ran; start a new session for a new call");
        }
        String sources = String.join(" + ", legs.stream().map(l -> l.source().description()).toList());
        log.info("call {} started: {} -> {}", callId, sources, recognizer.name());
        emit(new TranscriptEvent.CallStarted(callId, now(), sources, parties));

        List<Thread> threads = new ArrayList<>();
        for (Leg leg : legs) {
            LegStreamer streamer = new LegStreamer(this, leg, recognizer, settings);
            streamers.add(streamer);
            if (stopRequested.get()) {
                leg.source().stop();
            }
            threads.add(Thread.ofVirtual().name("call-" + callId + (leg.speaker() == null ? "" : "-" + leg.speaker()))
                    .start(streamer));
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            // Cut off (shutdown grace expired): abandon waiting for results, but still report the call's end.
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(2));
            }
            Thread.currentThread().interrupt();
        }

        double seconds = streamers.stream().mapToDouble(LegStreamer::audioSeconds).max().orElse(0);
        int finals = streamers.stream().mapToInt(LegStreamer::finals).sum();
        List<String> errors = streamers.stream().flatMap(s -> s.errors().stream()).toList();
        // The first leg that failed explains the call's end best; otherwise any leg's reason is the call's.
        String reason = streamers.stream().filter(l -> !l.errors().isEmpty()).findFirst()
                .orElse(streamers.get(0)).endReason();
        if (shutDown.get() && errors.isEmpty()) {
            reason = TranscriptEvent.CallEnded.SHUT_DOWN;
        }
        emit(new TranscriptEvent.CallEnded(callId, now(), seconds, reason));
        log.info("call {} ended: {}, {} s of audio, {} finals{}", callId, reason, String.format("%.1f", seconds),
                finals, errors.isEmpty() ? "" : ", " + errors.size() + " error(s)");
        return new CallOutcome(callId, seconds, finals, reason, errors);
    }

    /** Ends the call from outside (API hangup): audio already received is still transcribed. */
    public void stop() {
        stopRequested.set(true);
        for (Leg leg : legs) {
            leg.source().stop();
        }
    }

    /**
     * Ends the call because callscribe shuts down (SIGTERM) while it goes on: audio already received is still
     * transcribed, and the call ends with reason {@link TranscriptEvent.CallEnded#SHUT_DOWN}, so its transcript says
     * it covers only part of the call (a spool recording is transcribed again, whole, after the restart).
     */
    public void stopForShutdown() {
        shutDown.set(true);
        stopRequested.set(true);
        for (Leg leg : legs) {
            leg.source().stop();
        }
    }

    /** Seconds of call audio received but not yet answered by the recogniser, the worst leg. */
    public double lagSeconds() {
        return streamers.stream().mapToDouble(LegStreamer::lagSeconds).max().orElse(0);
    }

    public double audioSeconds() {
        return streamers.stream().mapToDouble(LegStreamer::audioSeconds).max().orElse(0);
    }

    List<Leg> legs() {
        return legs;
    }

    Instant now() {
        return clock.instant();
    }

    /** The call's transcript as it is now, from any thread: the one the sinks read (they keep no copy). */
    public TranscriptView transcript() {
        return transcript;
    }

    /** One call's events reach the transcript and then the sinks one at a time, in order, whatever leg produced them. */
    void emit(TranscriptEvent event) {
        transcript.emit(event);
    }
}
