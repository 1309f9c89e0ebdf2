package io.callscribe.session;

import io.callscribe.audio.MixMonitorWriter;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A WAV being written (header sizes 0 until closed, like an Asterisk recording) that takes at most {@code maxBytes} of
 * audio: what comes beyond is refused and remembered ({@link #full()}). The bound shared by the audio a leg keeps for
 * {@code --keep-audio} ({@link KeptLegAudio}) and for {@code --keep-failed-audio} ({@link UnrecognisedAudio}). One thread.
 */
final class BoundedWav {

    private final MixMonitorWriter writer;
    private final long maxBytes;
    private long dataBytes;
    private boolean full;

    BoundedWav(MixMonitorWriter writer, long maxBytes) {
        this.writer = writer;
        this.maxBytes = maxBytes;
    }

    /** Where it is being written. */
    Path file() {
        return writer.file();
    }

    /** Audio bytes kept so far. */
    long dataBytes() {
        return dataBytes;
    }

    /** Keeps {@code length} bytes, or as many as the limit leaves; false when not all of them fit. */
    boolean write(byte[] pcm, int offset, int length) throws IOException {
        int n = (int) Math.min(length, maxBytes - dataBytes);
        if (n > 0) {
            writer.write(pcm, offset, n);
            dataBytes += n;
        }
        if (n < length) {
            full = true;
        }
        return n == length;
    }

    /** True once audio beyond the limit was refused. */
    boolean full() {
        return full;
    }

    /** Writes what is buffered and fills in the sizes (the "recording closed" signal). */
    void close() throws IOException {
        writer.close();
    }
}
