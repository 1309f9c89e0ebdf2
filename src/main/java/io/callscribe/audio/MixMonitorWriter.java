package io.callscribe.audio;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes a recording the way Asterisk MixMonitor does, so the tailer can be tested and benchmarked
 * against the real on-disk behaviour:
 * <ul>
 * <li>WAV mode: a 44-byte header with RIFF size and data size 0 is written at open;</li>
 * <li>audio goes through a buffer (32 KiB, like stdio's) that reaches the file only when full, so the
 *     file grows in whole-buffer steps and shows 0 bytes until the first one;</li>
 * <li>{@link #close()} writes the rest, then the RIFF size, then the data size (Asterisk's order).</li>
 * </ul>
 * Headerless mode (.sln/.raw) skips the header. Not thread-safe: one writer per thread; many writers may run at once.
 */
public final class MixMonitorWriter implements Closeable {

    /** Asterisk gives its recording streams a 32 KiB stdio buffer and never flushes it early. */
    public static final int ASTERISK_BUFFER_BYTES = 32 * 1024;

    /** Told each time buffered audio reaches the file. Called on the writing thread. */
    @FunctionalInterface
    public interface FlushListener {
        /**
         * @param fileSize  file size after the write (header included)
         * @param nanoTime  {@link System#nanoTime()} right after the write returned
         */
        void flushed(long fileSize, long nanoTime);
    }

    private final Path file;
    private final PcmFormat format;
    private final boolean wavHeader;
    private final boolean durable;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final FlushListener listener;
    private long fileSize;
    private boolean closed;

    /** Any layout and buffer size: for test code (headerless recordings, odd-sized flushes), see MixMonitorRecordings. */
    MixMonitorWriter(Path file, PcmFormat format, boolean wavHeader, int bufferBytes, FlushListener listener)
            throws IOException {
        this(file, format, wavHeader, bufferBytes, listener, false);
    }

    private MixMonitorWriter(Path file, PcmFormat format, boolean wavHeader, int bufferBytes, FlushListener listener,
                             boolean durable) throws IOException {
        this.file = file;
        this.format = format;
        this.wavHeader = wavHeader;
        this.durable = durable;
        this.listener = listener == null ? (size, t) -> { } : listener;
        this.buffer = ByteBuffer.allocate(bufferBytes);
        this.channel = durable
                ? FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        if (wavHeader) {
            // Asterisk's stdio stream holds the header in its buffer too: it appears with the first flush.
            buffer.put(header(format, 0));
        }
    }

    /** A WAV recording like MixMonitor's {@code .wav}/{@code .wav16}, with the 32 KiB buffer. */
    public static MixMonitorWriter wav(Path file, PcmFormat format, FlushListener listener) throws IOException {
        return new MixMonitorWriter(file, format, true, ASTERISK_BUFFER_BYTES, listener);
    }

    /**
     * A new WAV like MixMonitor's, for audio callscribe keeps: never replaces a file (a name in use throws
     * {@link java.nio.file.FileAlreadyExistsException}), and {@link #close()} also fsyncs it (its directory is the
     * caller's to sync).
     */
    public static MixMonitorWriter durableWav(Path file, PcmFormat format) throws IOException {
        return new MixMonitorWriter(file, format, true, ASTERISK_BUFFER_BYTES, null, true);
    }

    /** The canonical 44-byte header; {@code dataBytes} 0 gives the "still recording" header MixMonitor writes. */
    public static byte[] header(PcmFormat format, long dataBytes) {
        ByteBuffer h = ByteBuffer.allocate(WavHeader.CANONICAL_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(dataBytes == 0 ? 0 : (int) (dataBytes + 36));
        h.put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16);
        h.putShort((short) 1).putShort((short) format.channels()).putInt(format.sampleRate())
                .putInt(format.bytesPerSecond()).putShort((short) format.frameBytes()).putShort((short) 16);
        h.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt((int) dataBytes);
        return h.array();
    }

    public Path file() {
        return file;
    }

    public PcmFormat format() {
        return format;
    }

    /** Buffers audio; whenever the buffer fills it is written to the file in one piece. */
    public void write(byte[] audio, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException(file + ": writer is closed");
        }
        while (length > 0) {
            int n = Math.min(length, buffer.remaining());
            buffer.put(audio, offset, n);
            offset += n;
            length -= n;
            if (!buffer.hasRemaining()) {
                flushBuffer();
            }
        }
    }

    public void write(byte[] audio) throws IOException {
        write(audio, 0, audio.length);
    }

    /**
     * Writes {@code pcm} paced by the wall clock in 20 ms frames, as a live call would produce it.
     *
     * @param speed 1.0 = real time, 10.0 = ten times faster
     */
    public void writeRealTime(byte[] pcm, double speed) throws IOException, InterruptedException {
        int frame = frameBytes20ms();
        long start = System.nanoTime();
        long frameNanos = (long) (20_000_000L / speed);
        int frames = 0;
        for (int off = 0; off < pcm.length; off += frame) {
            pace(start + frames++ * frameNanos);
            write(pcm, off, Math.min(frame, pcm.length - off));
        }
    }

    /** Like {@link #writeRealTime(byte[], double)}, reading the audio from {@code in} until its end. */
    public void writeRealTime(InputStream in, double speed) throws IOException, InterruptedException {
        byte[] frame = new byte[frameBytes20ms()];
        long start = System.nanoTime();
        long frameNanos = (long) (20_000_000L / speed);
        int frames = 0;
        int n;
        while ((n = in.readNBytes(frame, 0, frame.length)) > 0) {
            pace(start + frames++ * frameNanos);
            write(frame, 0, n);
        }
    }

    private int frameBytes20ms() {
        return format.bytesFor(20);
    }

    private static void pace(long due) throws InterruptedException {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException("paced writing interrupted");
            }
        }
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            fileSize += channel.write(buffer, fileSize);
        }
        buffer.clear();
        listener.flushed(fileSize, System.nanoTime());
    }

    /** Writes what is buffered and, in WAV mode, fills in the sizes: the "recording closed" signal (fsynced when durable). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            if (buffer.position() > 0) {
                flushBuffer();
            }
            if (wavHeader) {
                long data = Math.max(0, fileSize - WavHeader.CANONICAL_SIZE);
                ByteBuffer field = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                channel.write(field.putInt(0, (int) (data + 36)), WavHeader.RIFF_SIZE_OFFSET);
                channel.write(field.clear().putInt(0, (int) data), WavHeader.CANONICAL_SIZE - 4);
            }
            if (durable) {
                channel.force(true);
            }
        }
    }
}
