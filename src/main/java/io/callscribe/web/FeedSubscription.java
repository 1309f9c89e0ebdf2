package io.callscribe.web;

import io.callscribe.event.TranscriptEvent;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One follower of the live events (a page's feed). {@link #snapshot()} replays what happened before it
 * subscribed; {@link #poll} hands out what happens after, with no gap and no duplicate between the two.
 * The queue is bounded: a follower that falls behind is closed (and told why) so calls never wait for it.
 */
public final class FeedSubscription implements AutoCloseable {

    private final CallRegistry registry;
    private final String call;
    private final int capacity;
    /** Guarded by {@code lock}; complete once {@link CallRegistry#subscribe} returned. */
    private final List<TranscriptEvent> snapshot = new java.util.ArrayList<>();
    private final ArrayDeque<TranscriptEvent> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private boolean closed;
    private String closeReason;

    FeedSubscription(CallRegistry registry, String call, int capacity) {
        this.registry = registry;
        this.call = call;
        this.capacity = capacity;
    }

    /**
     * Adds the events that rebuild call {@code callId} to the snapshot and drops the ones of that call queued so far:
     * the snapshot they come from holds them (the registry calls this while no event of the call is being delivered).
     */
    void replayed(String callId, List<TranscriptEvent> events) {
        lock.lock();
        try {
            queue.removeIf(e -> e.call().equals(callId));
            snapshot.addAll(events);
        } finally {
            lock.unlock();
        }
    }

    /** The call followed, or null for all calls. */
    public String call() {
        return call;
    }

    /** Events that rebuild the followed calls as they were when subscribing (live calls only when following all). */
    public List<TranscriptEvent> snapshot() {
        lock.lock();
        try {
            return List.copyOf(snapshot);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next event, or null after {@code timeout} without one or once closed (then {@link #isOpen()} is false
     * and {@link #closeReason()} says why).
     */
    public TranscriptEvent poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = ready.awaitNanos(nanos);
            }
            return closed ? null : queue.poll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isOpen() {
        lock.lock();
        try {
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    public String closeReason() {
        lock.lock();
        try {
            return closeReason;
        } finally {
            lock.unlock();
        }
    }

    /** Never blocks: returns false (and closes this subscription) when the follower is {@code capacity} events behind. */
    boolean offer(TranscriptEvent event) {
        if (call != null && !call.equals(event.call())) {
            return true;
        }
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            if (queue.size() >= capacity) {
                closeLocked("fell " + capacity + " events behind");
                return false;
            }
            queue.add(event);
            ready.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    void close(String reason) {
        lock.lock();
        try {
            closeLocked(reason);
        } finally {
            lock.unlock();
        }
        registry.unsubscribe(this);
    }

    @Override
    public void close() {
        close("closed");
    }

    private void closeLocked(String reason) {
        if (!closed) {
            closed = true;
            closeReason = reason;
            queue.clear();
            ready.signalAll();
        }
    }
}
