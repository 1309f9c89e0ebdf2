package io.callscribe.testing;

import io.callscribe.store.CallPage;
import io.callscribe.store.CallQuery;
import io.callscribe.store.StoreException;
import io.callscribe.store.StoreWrite;
import io.callscribe.store.StoredTranscript;
import io.callscribe.store.TranscriptStore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE with fault injection: a real store whose writes can be made to fail ({@link #down}: also
 * {@link #endLeftOpen} and {@link #deleteEndedBefore}) or to hang ({@link #hang}) until released. Reads pass straight through.
 */
public final class FaultyStore implements TranscriptStore {

    private final TranscriptStore real;
    private volatile boolean down;
    private volatile CountDownLatch hang;
    private final AtomicInteger failedWrites = new AtomicInteger();

    public FaultyStore(TranscriptStore real) {
        this.real = real;
    }

    public FaultyStore down(boolean down) {
        this.down = down;
        return this;
    }

    /** Every write blocks until {@link #release()}. */
    public FaultyStore hang() {
        hang = new CountDownLatch(1);
        return this;
    }

    public void release() {
        CountDownLatch h = hang;
        hang = null;
        if (h != null) {
            h.countDown();
        }
    }

    public int failedWrites() {
        return failedWrites.get();
    }

    @Override
    public void write(List<StoreWrite> batch) {
        CountDownLatch h = hang;
        if (h != null) {
            try {
                h.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted while hanging");
            }
        }
        if (down) {
            failedWrites.incrementAndGet();
            throw new StoreException("injected fault: database down");
        }
        real.write(batch);
    }

    @Override
    public String instance() {
        return real.instance();
    }

    @Override
    public List<String> endLeftOpen(java.time.Instant before, String reason) {
        if (down) {
            throw new StoreException("injected fault: database down");
        }
        return real.endLeftOpen(before, reason);
    }

    @Override
    public CallPage search(CallQuery query) {
        return real.search(query);
    }

    @Override
    public Optional<StoredTranscript> find(String callId) {
        return real.find(callId);
    }

    @Override
    public boolean delete(String callId) {
        return real.delete(callId);
    }

    @Override
    public List<String> deleteEndedBefore(Instant cutoff) {
        if (down) {
            throw new StoreException("injected fault: database down");
        }
        return real.deleteEndedBefore(cutoff);
    }

    @Override
    public String describe() {
        return "faulty(" + real.describe() + ")";
    }

    @Override
    public void close() {
        release();
        real.close();
    }
}
