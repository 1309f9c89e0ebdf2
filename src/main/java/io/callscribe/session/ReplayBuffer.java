package io.callscribe.session;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The audio of one leg sent to the recogniser since the end of the last final result: what a new
 * connection must hear again so that the transcript has no gap. Positions are absolute byte offsets in
 * the leg's recogniser audio. Up to {@code memoryLimit} bytes stay in memory; older chunks move to a
 * temp file, so a long outage costs disk, not heap, and nothing is dropped. Not thread-safe: the owner
 * synchronises.
 */
final class ReplayBuffer implements AutoCloseable {

    /**
     * A chunk as it was sent; {@code data} is null once it lives in the spill file at {@code filePos}. A reset mark
     * is a chunk of no audio that stands for the reset sent at its offset.
     */
    private static final class Chunk {
        private static final byte[] NONE = new byte[0];
        final long offset;
        final int length;
        final boolean reset;
        byte[] data;
        long filePos = -1;

        Chunk(long offset, byte[] data) {
            this(offset, data, false);
        }

        private Chunk(long offset, byte[] data, boolean reset) {
            this.offset = offset;
            this.length = data.length;
            this.data = data;
            this.reset = reset;
        }

        static Chunk resetAt(long offset) {
            return new Chunk(offset, NONE, true);
        }

        long end() {
            return offset + length;
        }
    }

    /** Receives replayed audio; may fail like a recogniser stream does. */
    interface Sink {
        void send(byte[] pcm, int offset, int length) throws IOException, InterruptedException;

        /** The utterance was ended here (a reset) when the audio was first sent; by default nothing to do. */
        default void reset() throws IOException, InterruptedException {
        }
    }

    private final int memoryLimit;
    private final String label;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    private long start;
    private long end;
    private long memoryBytes;
    private int spilledChunks;
    private Path spillPath;
    private RandomAccessFile spill;
    private boolean spillBroken;

    ReplayBuffer(int memoryLimit, String label) {
        this.memoryLimit = memoryLimit;
        this.label = label;
    }

    /** Absolute offset of the first byte held (the end of the last final). */
    long start() {
        return start;
    }

    /** Absolute offset after the last byte appended: all audio sent so far. */
    long end() {
        return end;
    }

    long size() {
        return end - start;
    }

    boolean spilled() {
        return spilledChunks > 0;
    }

    /** Bytes of audio held in memory (the rest of {@link #size()} is in the spill file). */
    long memoryBytes() {
        return memoryBytes;
    }

    void append(byte[] pcm, int offset, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(pcm, offset, copy, 0, length);
        chunks.addLast(new Chunk(end, copy));
        end += length;
        memoryBytes += length;
        while (memoryBytes > memoryLimit && !spillBroken) {
            spillOldestInMemory();
        }
    }

    /**
     * Records a reset after the audio appended so far, so that a replay ends the utterance at the same place (a
     * replayed call then gives the same finals as the first attempt would have).
     */
    void markReset() {
        chunks.addLast(Chunk.resetAt(end));
    }

    /** Forgets audio before {@code offset} (it is covered by a final). Offsets beyond the end are clamped. */
    void trimTo(long offset) {
        long to = Math.min(offset, end);
        if (to <= start) {
            return;
        }
        start = to;
        while (!chunks.isEmpty() && chunks.peekFirst().end() <= start) {
            Chunk c = chunks.removeFirst();
            if (c.reset) {
                continue;
            }
            if (c.data != null) {
                memoryBytes -= c.length;
            } else {
                spilledChunks--;
            }
        }
        if (spilledChunks == 0 && spill != null) {
            try {
                spill.setLength(0); // the file holds nothing needed any more: reuse it from the start
            } catch (IOException e) {
                spillBroken = true;
            }
        }
    }

    /** Sends every byte held, from {@link #start()}, in the chunks as they were first sent. */
    void replay(Sink sink) throws IOException, InterruptedException {
        for (Iterator<Chunk> it = chunks.iterator(); it.hasNext(); ) {
            Chunk c = it.next();
            if (c.reset) {
                if (c.offset > start) {
                    sink.reset();
                }
                continue;
            }
            byte[] data = c.data != null ? c.data : read(c);
            int skip = (int) Math.max(0, start - c.offset);
            if (skip < c.length) {
                sink.send(data, skip, c.length - skip);
            }
        }
    }

    private byte[] read(Chunk c) throws IOException {
        byte[] data = new byte[c.length];
        try {
            spill.seek(c.filePos);
            spill.readFully(data);
        } catch (IOException e) {
            throw new IOException(label + ": cannot read replay audio back from " + spillPath + ": " + e.getMessage(), e);
        }
        return data;
    }

    /** Moves the oldest in-memory chunk to the spill file; on a disk fault keeps everything in memory. */
    private void spillOldestInMemory() {
        Chunk oldest = null;
        for (Chunk c : chunks) {
            if (c.data != null && !c.reset) {
                oldest = c;
                break;
            }
        }
        if (oldest == null) {
            return;
        }
        try {
            if (spill == null) {
                spillPath = Files.createTempFile("callscribe-replay-", ".pcm");
                spill = new RandomAccessFile(spillPath.toFile(), "rw");
            }
            long pos = spill.length();
            spill.seek(pos);
            spill.write(oldest.data);
            oldest.filePos = pos;
            oldest.data = null;
            memoryBytes -= oldest.length;
            spilledChunks++;
        } catch (IOException e) {
            // Never drop audio: hold it in memory beyond the limit and say so once.
            spillBroken = true;
            org.slf4j.LoggerFactory.getLogger(ReplayBuffer.class).warn(
                    "{}: cannot spill replay audio to a temp file ({}); keeping {} bytes in memory", label,
                    e.getMessage(), memoryBytes);
        }
    }

    @Override
    public void close() {
        chunks.clear();
        memoryBytes = 0;
        if (spill != null) {
            try {
                spill.close();
                Files.deleteIfExists(spillPath);
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(ReplayBuffer.class).warn("{}: cannot delete replay file {}: {}",
                        label, spillPath, e.getMessage());
            }
            spill = null;
        }
    }
}
