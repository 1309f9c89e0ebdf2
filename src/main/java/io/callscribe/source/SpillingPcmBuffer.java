package io.callscribe.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * FIFO of PCM between a socket reader that must never wait and a consumer that may fall behind.
 * Up to {@code memoryLimit} bytes stay in memory; beyond that, new audio goes to a temp file until the
 * consumer has caught up with it, so order is kept and nothing is dropped. Writes never block on the reader.
 * With a {@code capacity}, audio that would bring the backlog (memory and file) beyond it is refused instead
 * ({@link #write} answers false); what the call does then is {@link LiveAudioSource#offer}'s to decide.
 * Shared by the live sources (AudioSocket, chan_websocket, RTP): one writer thread, one reader thread.
 */
public final class SpillingPcmBuffer implements AutoCloseable {

    /** Called once, on the writer's thread, the first time audio goes to disk. */
    public interface SpillListener {
        void spilling(Path file, long memoryBytes);
    }

    private final long memoryLimit;
    private final long capacity;
    private final Path spillDir;
    private final String spillPrefix;
    private final SpillListener spillListener;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final ArrayDeque<byte[]> memory = new ArrayDeque<>();
    private int headOffset;
    private long memoryBytes;

    private Path spillFile;
    private FileChannel spill;
    private long spillWrite;
    private long spillRead;
    private boolean spilledEver;

    private boolean ended;
    private IOException failure;
    /** Bytes the waiting reader needs before it is worth waking (0: no reader waits). */
    private int waitingFor;
    private long totalWritten;

    /** A buffer without a capacity: the file grows as far as the consumer lags. */
    public SpillingPcmBuffer(long memoryLimit, Path spillDir, String spillPrefix, SpillListener spillListener) {
        this(memoryLimit, Long.MAX_VALUE, spillDir, spillPrefix, spillListener);
    }

    /** @param capacity most bytes waiting for the reader at once, in memory and on disk together */
    public SpillingPcmBuffer(long memoryLimit, long capacity, Path spillDir, String spillPrefix, SpillListener spillListener) {
        if (capacity < memoryLimit) {
            throw new IllegalArgumentException("buffer capacity " + capacity + " is below its memory limit " + memoryLimit);
        }
        this.memoryLimit = memoryLimit;
        this.capacity = capacity;
        this.spillDir = spillDir;
        this.spillPrefix = spillPrefix;
        this.spillListener = spillListener;
    }

    /**
     * Appends audio (taken over, not copied). Returns false, taking none of it, when it would bring the backlog beyond
     * the capacity; true otherwise. Audio written after {@link #end} is ignored (true).
     */
    public boolean write(byte[] pcm) throws IOException {
        lock.lock();
        try {
            if (ended) {
                return true;
            }
            if (memoryBytes + (spillWrite - spillRead) + pcm.length > capacity) {
                return false;
            }
            totalWritten += pcm.length;
            boolean spillHasData = spillWrite > spillRead;
            if (!spillHasData && memoryBytes + pcm.length <= memoryLimit) {
                memory.addLast(pcm);
                memoryBytes += pcm.length;
            } else {
                appendToSpill(pcm);
            }
            // Wake the reader only once what it waits for is here: one wake-up per chunk, not per 20 ms frame.
            if (waitingFor > 0 && memoryBytes + (spillWrite - spillRead) >= waitingFor) {
                readable.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void appendToSpill(byte[] pcm) throws IOException {
        if (spill == null) {
            spillFile = Files.createTempFile(spillDir, spillPrefix, ".pcm");
            spill = FileChannel.open(spillFile, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
        }
        if (!spilledEver) {
            spilledEver = true;
            spillListener.spilling(spillFile, memoryBytes);
        }
        ByteBuffer b = ByteBuffer.wrap(pcm);
        while (b.hasRemaining()) {
            spillWrite += spill.write(b, spillWrite);
        }
    }

    /** No more audio will come; readers get what is buffered, then -1. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #end}, but after the buffered audio readers get {@code error}. The first end or failure wins. */
    public void fail(IOException error) {
        lock.lock();
        try {
            if (!ended) {
                failure = error;
                ended = true;
            }
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean ended() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes accepted so far. */
    public long totalWritten() {
        lock.lock();
        try {
            return totalWritten;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes waiting for the reader, in memory and on disk. */
    public long backlog() {
        lock.lock();
        try {
            return memoryBytes + (spillWrite - spillRead);
        } finally {
            lock.unlock();
        }
    }

    public boolean spilled() {
        lock.lock();
        try {
            return spilledEver;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until audio is available or the buffer ended; returns bytes read (even), or -1 at the end. */
    public int read(byte[] dst, int offset, int length) throws IOException, InterruptedException {
        return readAtLeast(dst, offset, length, 2);
    }

    /**
     * Like {@link #read}, but sleeps until {@code minimum} bytes are buffered (or the buffer ended), so a reader that
     * collects chunks is woken once per chunk instead of once per frame the writer adds.
     */
    public int readAtLeast(byte[] dst, int offset, int length, int minimum) throws IOException, InterruptedException {
        int want = length & ~1;
        if (want == 0) {
            throw new IllegalArgumentException("read length must be at least one 16-bit sample, got " + length);
        }
        int need = Math.max(2, Math.min(want, minimum & ~1));
        lock.lockInterruptibly();
        try {
            while (memoryBytes + (spillWrite - spillRead) < need && !ended) {
                waitingFor = need;
                try {
                    readable.await();
                } finally {
                    waitingFor = 0;
                }
            }
            if (memoryBytes == 0 && spillWrite == spillRead) {
                if (failure != null) {
                    throw failure;
                }
                return -1;
            }
            if (memoryBytes > 0) {
                return readMemory(dst, offset, want);
            }
            return readSpill(dst, offset, want);
        } finally {
            lock.unlock();
        }
    }

    private int readMemory(byte[] dst, int offset, int want) {
        int done = 0;
        while (done < want && !memory.isEmpty()) {
            byte[] head = memory.peekFirst();
            int n = Math.min(want - done, head.length - headOffset);
            System.arraycopy(head, headOffset, dst, offset + done, n);
            done += n;
            headOffset += n;
            if (headOffset == head.length) {
                memory.removeFirst();
                headOffset = 0;
            }
        }
        memoryBytes -= done;
        return done;
    }

    private int readSpill(byte[] dst, int offset, int want) throws IOException {
        int n = (int) Math.min(want, spillWrite - spillRead);
        ByteBuffer b = ByteBuffer.wrap(dst, offset, n);
        while (b.hasRemaining()) {
            int r = spill.read(b, spillRead + b.position() - offset);
            if (r < 0) {
                throw new IOException("audio spill file " + spillFile + " is shorter than written");
            }
        }
        spillRead += n;
        if (spillRead == spillWrite) {
            // Caught up: reuse the file from the start instead of letting it grow.
            spillRead = 0;
            spillWrite = 0;
            spill.truncate(0);
        }
        return n;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            ended = true;
            memory.clear();
            memoryBytes = 0;
            if (spill != null) {
                try {
                    spill.close();
                } catch (IOException ignored) {
                    // DELETE_ON_CLOSE; nothing useful to do if the close itself fails
                }
                spill = null;
                spillWrite = 0;
                spillRead = 0;
            }
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

}
