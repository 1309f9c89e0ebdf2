package io.callscribe.engine.sphinx;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The bounded hand-over between the sender of a stream and its decoding thread. The sender queues PCM chunks and
 * segment marks; the decoder reads them through {@link #nextSegment()}, an {@link InputStream} that ends at the next
 * mark, which makes Sphinx4's front end close the utterance (reset) or the stream (end).
 */
final class SegmentedPcmInput {

    enum Mark { RESET, END }

    private sealed interface Item permits Chunk, Boundary {
    }

    private record Chunk(byte[] pcm) implements Item {
    }

    private record Boundary(Mark mark) implements Item {
    }

    private final BlockingQueue<Item> queue;

    SegmentedPcmInput(int capacityChunks) {
        this.queue = new ArrayBlockingQueue<>(capacityChunks);
    }

    /** Copies the chunk, adds the noise floor and queues it; blocks while the queue is full (the decoder is behind). */
    void put(byte[] pcm, int offset, int length, NoiseFloor noise) throws InterruptedException {
        byte[] copy = new byte[length];
        System.arraycopy(pcm, offset, copy, 0, length);
        noise.addTo(copy);
        queue.put(new Chunk(copy));
    }

    void mark(Mark mark) throws InterruptedException {
        queue.put(new Boundary(mark));
    }

    /** Drops everything queued, so that a closing stream never leaves its sender blocked. */
    void clear() {
        queue.clear();
    }

    Segment nextSegment() {
        return new Segment();
    }

    /** One stretch of audio up to the next mark, read by Sphinx4's StreamDataSource on the decoding thread. */
    final class Segment extends InputStream {
        private byte[] current = new byte[0];
        private int position;
        private long bytesRead;
        private Mark endedBy;

        @Override
        public int read() throws InterruptedIOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws InterruptedIOException {
            if (length == 0) {
                return 0;
            }
            while (position == current.length) {
                if (endedBy != null) {
                    return -1;
                }
                Item item;
                try {
                    item = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("decoding thread interrupted while waiting for audio");
                }
                if (item instanceof Boundary boundary) {
                    endedBy = boundary.mark();
                    return -1;
                }
                current = ((Chunk) item).pcm();
                position = 0;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            bytesRead += n;
            return n;
        }

        long bytesRead() {
            return bytesRead;
        }

        /** The mark that ended this segment, or null if it has not ended. */
        Mark endedBy() {
            return endedBy;
        }
    }
}
