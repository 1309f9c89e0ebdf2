package io.callscribe.service;

import io.callscribe.asr.Recognizer;
import io.callscribe.session.CallOutcome;
import io.callscribe.session.CallSession;
import io.callscribe.session.SessionSettings;
import io.callscribe.sink.TranscriptSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs every live call of the service, each on its own virtual thread, whatever source it came from.
 * One call id is live at most once. Shutdown ends every call with its final result, within a bound.
 */
public final class CallManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CallManager.class);

    private final Recognizer recognizer;
    private final SessionSettings settings;
    private final TranscriptSink sink;
    private final Map<String, Running> live = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();
    private volatile boolean shuttingDown;
    private volatile Consumer<CallOutcome> onEnded = outcome -> {
    };
    private volatile Consumer<CallSession> onStarted = session -> {
    };
    private volatile Runnable onReconnect = () -> {
    };
    private volatile io.callscribe.vad.GateMeter gateMeter = io.callscribe.vad.GateMeter.NONE;

    private record Running(CallSession session, Thread thread, CountDownLatch done) {
    }

    public CallManager(Recognizer recognizer, SessionSettings settings, TranscriptSink sink) {
        this.recognizer = recognizer;
        this.settings = settings;
        this.sink = sink;
    }

    /** Called with each new session just before it runs (to attach it to the call API). */
    public CallManager onStarted(Consumer<CallSession> listener) {
        this.onStarted = listener;
        return this;
    }

    /** Called on every recogniser reconnect of any call (e.g. {@code MetricsSink::reconnected}). */
    public CallManager onReconnect(Runnable hook) {
        this.onReconnect = hook;
        return this;
    }

    /** Counts every call's audio received and sent to the recogniser (e.g. {@code MetricsSink::gatedAudio}). */
    public CallManager onGatedAudio(io.callscribe.vad.GateMeter meter) {
        this.gateMeter = meter;
        return this;
    }

    /** Called with each call's outcome when it has ended (after its events reached the sinks). */
    public CallManager onEnded(Consumer<CallOutcome> listener) {
        this.onEnded = listener;
        return this;
    }

    /**
     * Starts a call. Returns empty, closing nothing, when the id is already live or the service is
     * shutting down: the caller owns the sources then and must close them.
     */
    public Optional<CallSession> start(String callId, List<CallSession.Leg> legs) {
        return start(callId, legs, List.of());
    }

    /** As {@link #start(String, List)}, with who the speakers are (reported in {@code call_start}). */
    public Optional<CallSession> start(String callId, List<CallSession.Leg> legs, List<io.callscribe.event.CallParty> parties) {
        if (shuttingDown) {
            log.warn("call {} refused: shutting down", callId);
            return Optional.empty();
        }
        CallSession session = new CallSession(callId, legs, recognizer, settings, sink).onReconnect(() -> onReconnect.run())
                .onGatedAudio((received, sent) -> gateMeter.counted(received, sent))
                .withParties(parties);
        CountDownLatch done = new CountDownLatch(1);
        Thread thread = Thread.ofVirtual().name("call-" + callId).unstarted(() -> runCall(session, done));
        if (live.putIfAbsent(callId, new Running(session, thread, done)) != null) {
            log.warn("call {} refused: a call with this id is already live", callId);
            return Optional.empty();
        }
        started.incrementAndGet();
        onStarted.accept(session);
        thread.start();
        return Optional.of(session);
    }

    private void runCall(CallSession session, CountDownLatch done) {
        try {
            CallOutcome outcome = session.run();
            live.remove(session.callId());
            onEnded.accept(outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("call {}: session crashed", session.callId(), e);
        } finally {
            live.remove(session.callId());
            done.countDown();
        }
    }

    /** Ends a live call as if it hung up; false when no such call is live. */
    public boolean hangup(String callId) {
        Running r = live.get(callId);
        if (r == null) {
            return false;
        }
        r.session().stop();
        return true;
    }

    public boolean isLive(String callId) {
        return live.containsKey(callId);
    }

    public Collection<CallSession> liveCalls() {
        return live.values().stream().map(Running::session).toList();
    }

    public long callsStarted() {
        return started.get();
    }

    /** Waits until call {@code callId} has ended (or was never live); false on timeout. */
    public boolean awaitEnd(String callId, Duration timeout) throws InterruptedException {
        Running r = live.get(callId);
        return r == null || r.done().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops taking calls, ends every live call (end of stream, final result, transcript written) and
     * waits up to {@code grace}; calls still running then are interrupted. Returns how many were cut off.
     */
    public int shutdown(Duration grace) throws InterruptedException {
        shuttingDown = true;
        List<Running> running = List.copyOf(live.values());
        if (!running.isEmpty()) {
            log.info("ending {} live call(s), waiting up to {} s for their final results", running.size(), grace.toSeconds());
        }
        running.forEach(r -> r.session().stopForShutdown());
        long deadline = System.nanoTime() + grace.toNanos();
        int cut = 0;
        for (Running r : running) {
            long left = deadline - System.nanoTime();
            if (!r.done().await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                log.warn("call {} did not end within {} s; cutting it off", r.session().callId(), grace.toSeconds());
                r.thread().interrupt();
                cut++;
            }
        }
        return cut;
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(Duration.ofSeconds(30));
    }
}
