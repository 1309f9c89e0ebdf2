package io.callscribe.web;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.event.CallIds;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * The service's memory of calls, fed as a sink: every live call and the last {@code finishedCapacity} finished
 * ones, plus what the running call reports through its {@link CallControl} (recogniser, lag, hangup). It keeps no
 * transcript of its own: a live call's is read on request from its session's {@link TranscriptView} (handed over with
 * {@code call_start}), a finished call's is the snapshot its session handed over with {@code call_end}. Followers
 * {@link #subscribe} to the events; a slow follower is dropped, never waited for. Thread-safe; the sink methods follow
 * {@link TranscriptSink}'s thread contract.
 */
public final class CallRegistry implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(CallRegistry.class);

    public static final int DEFAULT_FINISHED_CAPACITY = 500;

    /** Result of {@link #hangup(String)}. */
    public enum Hangup { REQUESTED, UNKNOWN, ENDED, NOT_SUPPORTED }

    private static final class Entry {
        final String id;
        /** The session's transcript; null for a call whose start this registry did not see. */
        final TranscriptView view;
        /** The snapshot handed over at the call's end (refreshed from the view by a late event); null while live. */
        volatile CallTranscript.Snapshot ended;
        volatile String recognizer;
        volatile double lastFinalEnd;

        Entry(String id, TranscriptView view) {
            this.id = id;
            this.view = view;
        }

        CallTranscript.Snapshot snapshot() {
            CallTranscript.Snapshot s = ended;
            if (s != null) {
                return s;
            }
            return view != null ? view.snapshot() : new CallTranscript(id).snapshot();
        }
    }

    private final int finishedCapacity;
    private final Object lock = new Object();
    private final Map<String, Entry> live = new LinkedHashMap<>();
    private final LinkedHashMap<String, Entry> finished = new LinkedHashMap<>();
    private final Map<String, CallControl> controls = new ConcurrentHashMap<>();
    private final List<FeedSubscription> subscribers = new CopyOnWriteArrayList<>();

    public CallRegistry() {
        this(DEFAULT_FINISHED_CAPACITY);
    }

    public CallRegistry(int finishedCapacity) {
        if (finishedCapacity < 1) {
            throw new IllegalArgumentException("finished-call capacity must be at least 1, got " + finishedCapacity);
        }
        this.finishedCapacity = finishedCapacity;
    }

    @Override
    public void callStarted(TranscriptEvent.CallStarted start, TranscriptView transcript) {
        synchronized (lock) {
            String id = start.call();
            if (finished.remove(id) != null) {
                log.info("call {} started again: its earlier transcript is replaced in the web view", id);
            }
            live.put(id, new Entry(id, transcript));
            offer(start);
        }
    }

    @Override
    public void accept(TranscriptEvent event) {
        synchronized (lock) {
            Entry entry = entryFor(event);
            if (event instanceof TranscriptEvent.Final f && !Double.isNaN(f.end())) {
                entry.lastFinalEnd = Math.max(entry.lastFinalEnd, f.end());
            }
            if (event instanceof TranscriptEvent.CallEnded e) {
                end(entry, e, entry.snapshot()); // not from a session: what is known of the call
            } else if (entry.ended != null && entry.view != null) {
                entry.ended = entry.view.snapshot(); // a late event (an error after the end): the session has it
            }
            offer(event);
        }
    }

    @Override
    public void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot transcript) {
        synchronized (lock) {
            end(entryFor(end), end, transcript);
            offer(end);
        }
    }

    /** Under {@code lock}. */
    private void end(Entry entry, TranscriptEvent.CallEnded event, CallTranscript.Snapshot transcript) {
        entry.ended = transcript;
        CallControl control = controls.remove(event.call());
        if (control != null && control.recognizer() != null) {
            entry.recognizer = control.recognizer();
        }
        live.remove(event.call());
        finished.remove(event.call());
        finished.put(event.call(), entry);
        evictFinished();
    }

    /** Under {@code lock}. Offers never block: a follower that is full is closed inside offer(). */
    private void offer(TranscriptEvent event) {
        for (FeedSubscription s : subscribers) {
            if (!s.offer(event)) {
                dropSubscriber(s);
            }
        }
    }

    /** Under {@code lock}. */
    private Entry entryFor(TranscriptEvent event) {
        String id = event.call();
        Entry entry = live.get(id);
        if (entry != null) {
            return entry;
        }
        // Late events of a finished call (an error after the end) still belong to it.
        Entry done = finished.get(id);
        if (done != null) {
            return done;
        }
        entry = new Entry(id, null); // its start was not seen here: no transcript to show
        live.put(id, entry);
        return entry;
    }

    private void evictFinished() {
        Iterator<String> it = finished.keySet().iterator();
        while (finished.size() > finishedCapacity && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private void dropSubscriber(FeedSubscription s) {
        if (subscribers.remove(s)) {
            log.warn("feed follower{} dropped: {}", s.call() == null ? "" : " of call " + s.call(), s.closeReason());
        }
    }

    /** Tells the registry how to reach a running call; may come before or after its call_start event. */
    public void attach(String callId, CallControl control) {
        controls.put(CallIds.require(callId), control);
        if (control.recognizer() != null) {
            synchronized (lock) {
                Entry e = live.get(callId);
                if (e != null) {
                    e.recognizer = control.recognizer();
                }
            }
        }
    }

    /** Forgets the call's control (after its session returned). Safe to call twice. */
    public void detach(String callId) {
        controls.remove(callId);
    }

    /** Shorthand for {@link #attach} with a hangup only. */
    void registerHangup(String callId, Runnable stop) {
        controls.merge(CallIds.require(callId), CallControl.hangupOnly(stop),
                (old, add) -> new CallControl(old.recognizer(), stop, old.lagSeconds(), old.audioSeconds()));
    }

    /** Asks a live call to end; audio already received is still transcribed and the call ends as usual. */
    public Hangup hangup(String callId) {
        boolean isLive;
        boolean isFinished;
        synchronized (lock) {
            isLive = live.containsKey(callId);
            isFinished = finished.containsKey(callId);
        }
        CallControl control = controls.get(callId);
        if (!isLive) {
            return isFinished ? Hangup.ENDED : control != null && control.hangup() != null ? stop(callId, control) : Hangup.UNKNOWN;
        }
        return control == null || control.hangup() == null ? Hangup.NOT_SUPPORTED : stop(callId, control);
    }

    private static Hangup stop(String callId, CallControl control) {
        log.info("call {}: hangup requested over HTTP", callId);
        control.hangup().run();
        return Hangup.REQUESTED;
    }

    public boolean isLive(String callId) {
        synchronized (lock) {
            return live.containsKey(callId);
        }
    }

    /** Drops a finished call from memory (it was deleted); false when none was kept. */
    public boolean forget(String callId) {
        synchronized (lock) {
            return finished.remove(callId) != null;
        }
    }

    public Optional<CallTranscript.Snapshot> transcript(String callId) {
        synchronized (lock) {
            Entry e = find(callId);
            return e == null ? Optional.empty() : Optional.of(e.snapshot());
        }
    }

    public Optional<CallSummary> summary(String callId) {
        Entry e;
        synchronized (lock) {
            e = find(callId);
        }
        return e == null ? Optional.empty() : Optional.of(summarize(e, e.snapshot()));
    }

    /**
     * Live calls (newest first) then finished ones (most recently ended first). {@code query}, when not blank,
     * keeps calls whose id, source, recogniser, start time (ISO, so "2025-05-01" matches a date) or transcript
     * contains it, ignoring case. {@code liveFilter} null keeps both.
     */
    public List<CallSummary> list(String query, Boolean liveFilter) {
        List<Entry> entries;
        synchronized (lock) {
            entries = new ArrayList<>(live.size() + finished.size());
            if (liveFilter == null || liveFilter) {
                entries.addAll(live.values());
            }
            if (liveFilter == null || !liveFilter) {
                List<Entry> done = new ArrayList<>(finished.values());
                java.util.Collections.reverse(done);
                entries.addAll(done);
            }
        }
        String q = query == null || query.isBlank() ? null : query.strip().toLowerCase(Locale.ROOT);
        List<CallSummary> out = new ArrayList<>();
        List<CallSummary> liveRows = new ArrayList<>();
        for (Entry e : entries) {
            CallTranscript.Snapshot s = e.snapshot();
            if (q != null && !matches(e, s, q)) {
                continue;
            }
            CallSummary row = summarize(e, s);
            (row.live() ? liveRows : out).add(row);
        }
        liveRows.sort(Comparator.comparing(CallSummary::started, Comparator.nullsLast(Comparator.reverseOrder())));
        liveRows.addAll(out);
        return liveRows;
    }

    /** The largest lag over live calls that report it, 0 when none does: the lag gauge of the metrics. */
    public double maxLagSeconds() {
        double max = 0;
        for (CallControl c : controls.values()) {
            double lag = read(c.lagSeconds());
            if (!Double.isNaN(lag)) {
                max = Math.max(max, lag);
            }
        }
        return max;
    }

    /**
     * Follows the events of one call ({@code callId}) or of all calls (null). The subscription's snapshot replays
     * the followed live calls (or the one call, live or finished) as they are now, with no gap and no duplicate
     * between it and what follows: each live call's snapshot is read from its session while none of its events is
     * being delivered ({@link TranscriptView#withSnapshot}), and the events queued for the follower before that are
     * dropped as the snapshot holds them. May wait for a sink's write under way on a followed call.
     */
    public FeedSubscription subscribe(String callId, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("feed queue capacity must be at least 1, got " + capacity);
        }
        FeedSubscription s = new FeedSubscription(this, callId, capacity);
        List<Entry> followed = new ArrayList<>();
        synchronized (lock) {
            subscribers.add(s);
            if (callId == null) {
                followed.addAll(live.values());
            } else {
                Entry e = find(callId);
                if (e != null && live.containsKey(callId) && e.view != null) {
                    followed.add(e);
                } else if (e != null) {
                    // finished (or never seen starting): its events reach the registry under this lock
                    s.replayed(e.id, replayOf(e.snapshot()));
                }
            }
        }
        // Not under the registry's lock: a session delivers its events (to this registry too) under its own.
        for (Entry e : followed) {
            if (e.view != null) {
                e.view.withSnapshot(snapshot -> s.replayed(e.id, replayOf(snapshot)));
            } else {
                s.replayed(e.id, replayOf(e.snapshot()));
            }
        }
        return s;
    }

    private static List<TranscriptEvent> replayOf(CallTranscript.Snapshot snapshot) {
        List<TranscriptEvent> replay = new ArrayList<>();
        replay(snapshot, replay);
        return replay;
    }

    void unsubscribe(FeedSubscription s) {
        subscribers.remove(s);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    /** Rebuilds the events that lead to {@code s}; errors and partials get the current time (they keep none). */
    static void replay(CallTranscript.Snapshot s, List<TranscriptEvent> out) {
        Instant now = Instant.now();
        String id = s.callId();
        out.add(new TranscriptEvent.CallStarted(id, s.startedAt() == null ? now : s.startedAt(), s.source(), s.parties()));
        out.addAll(s.finals());
        out.addAll(s.dtmf());
        for (Map.Entry<String, String> p : s.partials().entrySet()) {
            out.add(new TranscriptEvent.Partial(id, now, p.getKey().isEmpty() ? null : p.getKey(), p.getValue()));
        }
        for (String error : s.errors()) {
            out.add(new TranscriptEvent.CallError(id, now, error));
        }
        if (!s.live()) {
            out.add(new TranscriptEvent.CallEnded(id, s.endedAt(), s.audioSeconds(), s.endReason()));
        }
    }

    private Entry find(String callId) {
        Entry e = live.get(callId);
        return e != null ? e : finished.get(callId);
    }

    private CallSummary summarize(Entry e, CallTranscript.Snapshot s) {
        String id = s.callId();
        if (!s.live()) {
            return new CallSummary(id, false, s.source(), e.recognizer, s.startedAt(), s.endedAt(), s.audioSeconds(), 0,
                    s.finals().size(), s.errors().size(), s.endReason());
        }
        CallControl c = controls.get(id);
        String recognizer = c != null && c.recognizer() != null ? c.recognizer() : e.recognizer;
        double audio = c == null ? Double.NaN : read(c.audioSeconds());
        if (Double.isNaN(audio)) {
            audio = e.lastFinalEnd;
        }
        double lag = c == null ? Double.NaN : read(c.lagSeconds());
        return new CallSummary(id, true, s.source(), recognizer, s.startedAt(), null, audio, lag,
                s.finals().size(), s.errors().size(), null);
    }

    /** A probe of a call must never break a listing: a failing one reads as unknown. */
    private static double read(DoubleSupplier supplier) {
        if (supplier == null) {
            return Double.NaN;
        }
        try {
            return supplier.getAsDouble();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static boolean matches(Entry e, CallTranscript.Snapshot s, String q) {
        return contains(s.callId(), q) || contains(s.source(), q) || contains(e.recognizer, q)
                || (s.startedAt() != null && contains(s.startedAt().toString(), q))
                || contains(s.text(), q)
                || s.partials().values().stream().anyMatch(p -> contains(p, q));
    }

    private static boolean contains(String haystack, String lowerNeedle) {
        return haystack != null && haystack.toLowerCase(Locale.ROOT).contains(lowerNeedle);
    }

    /** Ends every follower (server shutdown). */
    @Override
    public void close() {
        for (FeedSubscription s : subscribers) {
            s.close("server stopping");
        }
    }
}
