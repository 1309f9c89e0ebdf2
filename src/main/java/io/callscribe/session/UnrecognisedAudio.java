package io.callscribe.session;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.audio.WavHeader;
import io.callscribe.transcript.AtomicFiles;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The WAV a leg writes once its recogniser failed for good (see {@link FailedAudio}). It is written like an Asterisk
 * recording: a 44-byte header whose sizes stay 0 until {@link #close()} fills them in and fsyncs the file and its
 * directory, so {@code callscribe transcribe} reads it as a recording still being written until then (and a file left
 * by a crash can still be transcribed). Never overwrites a file: a name in use gets {@code -2}, {@code -3}, ...
 * At most {@code maxBytes} of audio; what comes beyond is refused ({@link #write} returns false). One thread.
 */
final class UnrecognisedAudio implements Closeable {

    private static final int BUFFER_BYTES = 32 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final long maxBytes;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private long dataBytes;
    private long fileSize;
    private boolean full;
    private boolean closed;

    private UnrecognisedAudio(Path file, FileChannel channel, PcmFormat format, long maxBytes) throws IOException {
        this.file = file;
        this.channel = channel;
        this.maxBytes = maxBytes;
        ByteBuffer header = ByteBuffer.wrap(MixMonitorWriter.header(format, 0));
        while (header.hasRemaining()) {
            fileSize += channel.write(header, fileSize);
        }
    }

    /** The kept audio of one leg, under the first free name {@link FailedAudio#fileFor} gives. */
    static UnrecognisedAudio create(FailedAudio keep, String callId, String speaker, PcmFormat format)
            throws IOException {
        Files.createDirectories(keep.dir());
        long maxBytes = keep.maxBytes(format.bytesPerSecond(), format.frameBytes());
        for (int n = 1; ; n++) {
            Path file = keep.fileFor(callId, speaker, n);
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                try {
                    return new UnrecognisedAudio(file, channel, format, maxBytes);
                } catch (IOException e) {
                    channel.close();
                    Files.deleteIfExists(file);
                    throw e;
                }
            } catch (FileAlreadyExistsException e) {
                if (n >= 1000) {
                    throw e;
                }
            }
        }
    }

    Path file() {
        return file;
    }

    /** Audio bytes kept so far. */
    long dataBytes() {
        return dataBytes;
    }

    /** Keeps {@code length} bytes, or as many as the limit leaves; false when not all of them fit (the limit is reached). */
    boolean write(byte[] pcm, int offset, int length) throws IOException {
        int n = (int) Math.min(length, maxBytes - dataBytes);
        int done = 0;
        while (done < n) {
            int k = Math.min(n - done, buffer.remaining());
            buffer.put(pcm, offset + done, k);
            done += k;
            if (!buffer.hasRemaining()) {
                flush();
            }
        }
        dataBytes += n;
        if (n < length) {
            full = true;
        }
        return n == length;
    }

    /** True once audio beyond the limit was refused. */
    boolean full() {
        return full;
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            fileSize += channel.write(buffer, fileSize);
        }
        buffer.clear();
    }

    /** Writes what is buffered, fills in the sizes (the "recording closed" signal) and makes the file durable. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            flush();
            ByteBuffer field = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            channel.write(field.putInt(0, (int) (dataBytes + 36)), WavHeader.RIFF_SIZE_OFFSET);
            channel.write(field.clear().putInt(0, (int) dataBytes), WavHeader.CANONICAL_SIZE - 4);
            channel.force(true);
        }
        AtomicFiles.syncDirectory(file.toAbsolutePath().getParent());
    }
}
