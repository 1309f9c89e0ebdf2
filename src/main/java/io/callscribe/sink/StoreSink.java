package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.store.StoreWrite;
import io.callscribe.store.TranscriptStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Writes every call into a {@link TranscriptStore} as it goes: its start, each final and error the moment it
 * arrives, each DTMF key, its end. {@link #accept} only puts the write on a bounded queue (never blocks a call); one writer thread
 * takes what is waiting, writes it in one transaction and, when the database fails, keeps the same batch and
 * retries with backoff until it is back (logging once that it is down and once that it is back), then catches up.
 * When the queue is full the write is dropped and counted. Metrics: {@code callscribe_store_up},
 * {@code callscribe_store_queue}, {@code callscribe_store_writes_total}, {@code callscribe_store_failures_total},
 * {@code callscribe_store_dropped_total}.
 */
public final class StoreSink implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(StoreSink.class);

    public static final int DEFAULT_QUEUE = 100_000;
    private static final int MAX_BATCH = 1000;
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    /** What the sink numbers per call: finals, errors and DTMF keys in arrival order, the speakers heard. */
    private static final class CallState {
        int finals;
        int errors;
        int dtmf;
        final Set<String> speakers = new LinkedHashSet<>();
    }

    private final TranscriptStore store;
    private final Function<String, String> recognizerOf;
    private final BlockingQueue<StoreWrite> queue;
    private final Map<String, CallState> calls = new ConcurrentHashMap<>();
    /** Calls ended lately: an error reported after the end still gets a fresh number. */
    private final Map<String, CallState> ended = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CallState> eldest) {
            return size() > 1000;
        }
    });
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final Counter writes;
    private final Counter failures;
    private final Counter droppedCounter;
    private volatile boolean up = true;
    private volatile boolean closing;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();

    /**
     * @param recognizerOf the recogniser that served a call (by call id), stored at its end; may answer null
     * @param metrics      where the store's meters go; null for none
     */
    public StoreSink(TranscriptStore store, Function<String, String> recognizerOf, int queueCapacity, MeterRegistry metrics) {
        this.store = store;
        this.recognizerOf = recognizerOf;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        MeterRegistry m = metrics != null ? metrics : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Gauge.builder("callscribe.store.up", this, s -> s.up ? 1 : 0)
                .description("1 while the transcript store accepts writes, 0 while it is failing").register(m);
        Gauge.builder("callscribe.store.queue", this, StoreSink::pending)
                .description("writes waiting for the transcript store").register(m);
        writes = Counter.builder("callscribe.store.writes").description("writes committed to the transcript store").register(m);
        failures = Counter.builder("callscribe.store.failures").description("failed attempts to write to the transcript store")
                .register(m);
        droppedCounter = Counter.builder("callscribe.store.dropped")
                .description("writes dropped because the store queue was full").register(m);
        this.writer = Thread.ofPlatform().name("store-writer").daemon().start(this::run);
    }

    @Override
    public void accept(TranscriptEvent event) {
        String id = event.call();
        switch (event) {
            case TranscriptEvent.CallStarted s -> {
                calls.put(id, new CallState());
                enqueue(new StoreWrite.CallStart(id, s.at(), s.source(), metadata(s)));
            }
            case TranscriptEvent.Partial p -> {
                // partials are replaced by their final: not stored
            }
            case TranscriptEvent.Dtmf d -> {
                CallState c = state(id);
                int seq;
                synchronized (c) {
                    seq = c.dtmf++;
                }
                enqueue(new StoreWrite.DtmfKey(id, seq, d));
            }
            case TranscriptEvent.Final f -> {
                CallState c = state(id);
                int seq;
                synchronized (c) {
                    seq = c.finals++;
                    if (f.speaker() != null) {
                        c.speakers.add(f.speaker());
                    }
                }
                enqueue(new StoreWrite.FinalLine(id, seq, f));
            }
            case TranscriptEvent.CallError e -> {
                CallState c = state(id);
                int seq;
                synchronized (c) {
                    seq = c.errors++;
                }
                enqueue(new StoreWrite.ErrorLine(id, seq, e.at(), e.message()));
            }
            case TranscriptEvent.CallEnded e -> {
                CallState c = calls.remove(id);
                if (c == null) {
                    c = new CallState();
                }
                ended.put(id, c);
                List<String> speakers;
                synchronized (c) {
                    speakers = List.copyOf(c.speakers);
                }
                String recognizer = null;
                try {
                    recognizer = recognizerOf == null ? null : recognizerOf.apply(id);
                } catch (RuntimeException ignored) {
                    // unknown recogniser: stored as null
                }
                enqueue(new StoreWrite.CallEnd(id, e.at(), e.end(), e.reason(), recognizer, speakers));
            }
        }
    }

    /**
     * The call's metadata as one flat map, from the parties the source put on call_start (ARI): {@code linkedid},
     * and per party, prefixed by its role ({@code caller.number}, {@code caller.name}, {@code callee.number},
     * {@code callee.uniqueid}, {@code caller.var.NAME}, ...). What the source did not say is left out.
     */
    static Map<String, String> metadata(TranscriptEvent.CallStarted s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (io.callscribe.event.CallParty p : s.parties()) {
            String role = p.role() == null || p.role().isBlank() ? p.speaker() : p.role();
            String prefix = m.containsKey(role + ".speaker") ? role + "." + p.speaker() + "." : role + ".";
            put(m, prefix + "speaker", p.speaker());
            put(m, "linkedid", p.linkedid());
            put(m, prefix + "number", p.callerNumber());
            put(m, prefix + "name", p.callerName());
            put(m, prefix + "connected_number", p.connectedNumber());
            put(m, prefix + "connected_name", p.connectedName());
            put(m, prefix + "dialed_exten", p.dialedExten());
            put(m, prefix + "context", p.context());
            put(m, prefix + "uniqueid", p.uniqueid());
            put(m, prefix + "channel", p.channel());
            p.variables().forEach((k, v) -> put(m, prefix + "var." + k, v));
        }
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.putIfAbsent(key, value);
        }
    }

    private CallState state(String id) {
        CallState c = calls.get(id);
        if (c != null) {
            return c;
        }
        CallState late = ended.get(id);
        return late != null ? late : calls.computeIfAbsent(id, k -> new CallState());
    }

    private void enqueue(StoreWrite w) {
        if (queue.offer(w)) {
            accepted.incrementAndGet();
        } else {
            long n = dropped.incrementAndGet();
            droppedCounter.increment();
            if (n == 1 || n % 1000 == 0) {
                log.error("transcript store {}: queue full ({} writes waiting), dropped {} write(s) so far; "
                        + "the transcript files under --out-dir still have them", store.describe(), queue.size(), n);
            }
        }
    }

    private void run() {
        List<StoreWrite> batch = new ArrayList<>();
        Duration backoff = FIRST_RETRY;
        long downSince = 0;
        while (true) {
            try {
                if (batch.isEmpty()) {
                    StoreWrite first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closing) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                }
                try {
                    store.write(batch);
                    writes.increment(batch.size());
                    committed.addAndGet(batch.size());
                    if (!up) {
                        up = true;
                        log.info("transcript store {} is back after {} s: writing the {} queued write(s)",
                                store.describe(), (System.currentTimeMillis() - downSince) / 1000, pending());
                    }
                    batch.clear();
                    backoff = FIRST_RETRY;
                } catch (RuntimeException e) {
                    failures.increment();
                    if (up) {
                        up = false;
                        downSince = System.currentTimeMillis();
                        log.error("transcript store {} is failing: {}; calls go on, {} write(s) wait and are retried",
                                store.describe(), e.getMessage(), pending());
                    }
                    if (closing) {
                        log.error("transcript store {}: stopping with {} write(s) not stored", store.describe(),
                                pending());
                        return;
                    }
                    Thread.sleep(backoff.toMillis());
                    backoff = backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff.multipliedBy(2);
                }
            } catch (InterruptedException e) {
                if (!closing) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** True while the last write succeeded (or none failed yet). */
    boolean storeUp() {
        return up;
    }

    /** Writes accepted but not yet committed. */
    public long pending() {
        return accepted.get() - committed.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Waits until everything queued is written or {@code timeout} passed; true when all was written. */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Writes what is queued (giving a failing store up to 10 s), then stops the writer. Does not close the store. */
    @Override
    public void close() {
        try {
            if (!flush(Duration.ofSeconds(10))) {
                log.error("transcript store {}: {} write(s) could not be stored before stopping", store.describe(), pending());
            }
            closing = true;
            writer.interrupt();
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
