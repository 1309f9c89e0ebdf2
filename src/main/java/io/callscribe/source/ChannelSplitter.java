package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.PcmFormat;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits one 2-channel interleaved source (MixMonitor's {@code D} option, {@code .raw}) into two mono sources,
 * one per speaker, each read by its own thread.
 * <p>
 * Whichever side needs audio reads the upstream (outside the lock, so the other side keeps reading what is
 * buffered) and deals both channels out. Each side buffers at most {@code capacityBytes}; when the other
 * side's buffer is full the reader waits for it to be drained instead of buffering without bound. Closing
 * one side discards its channel from then on, so the other side never waits for it.
 */
public final class ChannelSplitter {

    /** Default per-side buffer: 2 s of 8 kHz mono, about one MixMonitor flush. */
    public static final int DEFAULT_CAPACITY_BYTES = 32 * 1024;

    private final AudioSource upstream;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Side[] sides = new Side[2];
    private final byte[] scratch;
    private boolean pulling;
    private boolean upstreamEnded;
    private IOException failure;
    private String endReason;
    private int closedSides;

    public ChannelSplitter(AudioSource upstream, int capacityBytes) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        if (capacityBytes < 64 || (capacityBytes & 1) != 0) {
            throw new IllegalArgumentException("capacity must be an even number >= 64 bytes, got " + capacityBytes);
        }
        this.scratch = new byte[capacityBytes * 2];
        sides[0] = new Side(0, capacityBytes);
        sides[1] = new Side(1, capacityBytes);
    }

    public ChannelSplitter(AudioSource upstream) {
        this(upstream, DEFAULT_CAPACITY_BYTES);
    }

    /** Channel 0: in MixMonitor's D recordings the received (caller) direction. */
    public AudioSource left() {
        return sides[0];
    }

    /** Channel 1: the transmitted direction. */
    public AudioSource right() {
        return sides[1];
    }

    private final class Side implements AudioSource {
        private final int channel;
        private final byte[] ring;
        private int head;
        private int size;
        private boolean closed;

        Side(int channel, int capacity) {
            this.channel = channel;
            this.ring = new byte[capacity];
        }

        @Override
        public String description() {
            return upstream.description() + " channel " + (channel + 1);
        }

        @Override
        public java.util.Optional<java.nio.file.Path> recording() {
            return upstream.recording();
        }

        @Override
        public PcmFormat format() throws IOException, InterruptedException {
            PcmFormat f = upstream.format();
            if (f.channels() != 2) {
                throw new AudioFormatException(upstream.description() + ": channel splitting needs 2-channel audio, got " + f);
            }
            return PcmFormat.mono(f.sampleRate());
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException, InterruptedException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length < 2) {
                throw new IllegalArgumentException("read of " + length + " bytes is shorter than one sample");
            }
            lock.lockInterruptibly();
            try {
                while (true) {
                    if (closed) {
                        return -1;
                    }
                    if (size > 0) {
                        return take(buffer, offset, length);
                    }
                    if (failure != null) {
                        throw failure;
                    }
                    if (upstreamEnded) {
                        return -1;
                    }
                    Side other = sides[1 - channel];
                    int room = other.closed ? ring.length : Math.min(ring.length, other.ring.length - other.size);
                    if (!pulling && room >= 2) {
                        pull(room);
                    } else {
                        changed.await();
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        private int take(byte[] buffer, int offset, int length) {
            int n = Math.min(size, length & ~1);
            int first = Math.min(n, ring.length - head);
            System.arraycopy(ring, head, buffer, offset, first);
            System.arraycopy(ring, 0, buffer, offset + first, n - first);
            head = (head + n) % ring.length;
            size -= n;
            changed.signalAll(); // the other side may be waiting for room
            return n;
        }

        void put(byte lo, byte hi) {
            if (closed) {
                return;
            }
            int tail = (head + size) % ring.length;
            ring[tail] = lo;
            ring[(tail + 1) % ring.length] = hi;
            size += 2;
        }

        @Override
        public void stop() {
            upstream.stop();
        }

        @Override
        public String endReason() {
            lock.lock();
            try {
                return endReason != null ? endReason : upstream.endReason();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            boolean last;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                size = 0;
                last = ++closedSides == 2;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (last) {
                upstream.close();
            }
        }
    }

    /** Reads up to {@code room} bytes per channel from upstream without holding the lock; called with it held. */
    private void pull(int room) throws InterruptedException {
        pulling = true;
        int n;
        IOException error = null;
        lock.unlock();
        try {
            n = upstream.read(scratch, 0, Math.min(scratch.length, room * 2) & ~3);
        } catch (IOException e) {
            n = -1;
            error = e;
        } finally {
            lock.lock();
            pulling = false;
            changed.signalAll(); // also when interrupted: the other side may now pull
        }
        if (error != null) {
            failure = error;
        } else if (n < 0) {
            upstreamEnded = true;
            endReason = upstream.endReason();
        } else {
            for (int i = 0; i + 3 < n; i += 4) {
                sides[0].put(scratch[i], scratch[i + 1]);
                sides[1].put(scratch[i + 2], scratch[i + 3]);
            }
        }
        changed.signalAll();
    }
}
