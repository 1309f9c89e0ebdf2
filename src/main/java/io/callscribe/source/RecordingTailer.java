package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.PcmFormat;
import io.callscribe.audio.WavHeader;
import io.callscribe.audio.WavHeaderParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Follows a recording that is still being written (Asterisk MixMonitor), like {@code tail -f} for audio.
 * <p>
 * The file itself is the buffer: audio is read only when the caller calls {@link #read}, from the data
 * start to the current end of file, in whole sample frames (an odd tail stays in the file until the rest
 * arrives). The recording ends when the writer fills in the WAV header sizes (MixMonitor does so on
 * close; audio is then read exactly up to the declared end), when the file has not grown for the idle
 * timeout, or when {@link #stop()} is called. A file that shrinks or is replaced while followed fails the
 * read after all audio before that point has been returned.
 * <p>
 * One reader thread; {@link #stop()} from any thread.
 */
public final class RecordingTailer implements AudioSource {

    private static final int IO_BUFFER_BYTES = 64 * 1024;
    private static final long IDENTITY_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long WATCH_FALLBACK_MAX_MS = 100;

    /**
     * Held by the reader while it polls and sleeps for more audio: a lock, not a monitor, so that a waiting
     * leg on a virtual thread never pins its carrier (JDK 21-23 pin inside {@code synchronized}).
     */
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final Path file;
    private final String name;
    private final RecordingFormat layout;
    private final TailOptions options;
    private final long idleNanos;
    // End reasons built once: step() runs every poll interval and should not allocate.
    private final String noFileReason;
    private final String emptyReason;
    private final String partialHeaderReason;
    private final String idleReason;
    private final ByteBuffer io = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
    private final ByteBuffer sizeField = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);

    private volatile boolean stopRequested;
    private volatile long position;
    private FileChannel channel;
    private Object fileKey;
    private WatchService watcher;
    private boolean watchRegistered;
    private byte[] headerBytes = new byte[512];
    private WavHeader header;
    private PcmFormat format;
    private int frameBytes;
    private long dataEnd = WavHeader.UNKNOWN;
    private long lastSize;
    private long lastGrowthNanos;
    private long lastIdentityCheck;
    private boolean ended;
    private String endReason;

    public RecordingTailer(Path file, RecordingFormat layout, TailOptions options) {
        this.file = Objects.requireNonNull(file, "file");
        this.name = file.toString();
        this.layout = Objects.requireNonNull(layout, "layout");
        this.options = Objects.requireNonNull(options, "options");
        this.idleNanos = options.idleTimeout().toNanos();
        this.lastGrowthNanos = System.nanoTime();
        String idle = TailOptions.describe(options.idleTimeout());
        this.noFileReason = "no recording file after " + idle;
        this.emptyReason = "file stayed empty for " + idle;
        this.partialHeaderReason = "WAV header incomplete after " + idle + " without growth";
        this.idleReason = "no growth for " + idle;
        if (!layout.hasHeader()) {
            setFormat(layout.rawFormat(), 0);
        }
    }

    /** Follows {@code file}, deciding its layout from the extension (see {@link RecordingFormat}). */
    public static RecordingTailer open(Path file, int rateOverride, int channels, TailOptions options)
            throws AudioFormatException {
        return new RecordingTailer(file, RecordingFormat.forFile(file, rateOverride, channels), options);
    }

    @Override
    public String description() {
        return "recording " + name;
    }

    public Path file() {
        return file;
    }

    @Override
    public java.util.Optional<Path> recording() {
        return java.util.Optional.of(file);
    }

    /** File offset of the next audio byte {@link #read} will return; for latency measurement. Any thread. */
    public long filePosition() {
        return position;
    }

    /** The parsed WAV header, or null for headerless recordings or while the header is not complete. */
    public WavHeader header() {
        lock.lock();
        try {
            return header;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PcmFormat format() throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            while (format == null) {
                if (ended) {
                    throw new AudioFormatException(name + ": no WAV header: " + endReason);
                }
                if (step(null, 0, 0) == 0 && format == null) {
                    await();
                }
            }
            return format;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            while (true) {
                if (ended) {
                    return -1;
                }
                if (format != null && length < frameBytes) {
                    throw new IllegalArgumentException("read of " + length + " bytes is shorter than one sample frame ("
                            + frameBytes + " bytes)");
                }
                int n = step(buffer, offset, length);
                if (n != 0) {
                    return n;
                }
                await();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One look at the file: opens it, parses the header, reads available audio or decides that the recording ended.
     *
     * @return bytes read (or 1 when called for the format only and it is known), 0 to wait, -1 at the end
     */
    private int step(byte[] buffer, int offset, int length) throws IOException {
        long now = System.nanoTime();
        if (channel == null && !tryOpen()) {
            return waitOrEnd(now, noFileReason);
        }
        long size = channel.size();
        if (size < lastSize) {
            throw new AudioFormatException(name + ": file shrank from " + lastSize + " to " + size
                    + " bytes while being followed (truncated or rewritten)");
        }
        if (size > lastSize) {
            lastSize = size;
            lastGrowthNanos = now;
        }
        if (format == null && !parseHeader(size)) {
            return waitOrEnd(now, size == 0 ? emptyReason : partialHeaderReason);
        }
        if (buffer == null) {
            return 1;
        }
        int n = readAvailable(size, buffer, offset, length);
        if (n > 0) {
            return n;
        }
        if (header != null && dataEnd == WavHeader.UNKNOWN && refreshSizes()) {
            n = readAvailable(size, buffer, offset, length);
            if (n > 0) {
                return n;
            }
        }
        if (dataEnd != WavHeader.UNKNOWN && position + frameBytes > dataEnd) {
            return end("recording closed");
        }
        if (dataEnd == WavHeader.UNKNOWN && now - lastIdentityCheck > IDENTITY_CHECK_NANOS) {
            lastIdentityCheck = now;
            checkIdentity();
        }
        return waitOrEnd(now, idleReason);
    }

    private int readAvailable(long size, byte[] buffer, int offset, int length) throws IOException {
        long limit = dataEnd == WavHeader.UNKNOWN ? size : Math.min(size, dataEnd);
        long available = limit - position;
        if (available < frameBytes) {
            return 0;
        }
        int want = (int) Math.min(Math.min(available, length), io.capacity());
        want -= want % frameBytes;
        io.clear().limit(want);
        while (io.hasRemaining()) {
            if (channel.read(io, position + io.position()) < 0) {
                break; // shrank meanwhile: the next step reports it
            }
        }
        int got = io.position() - io.position() % frameBytes;
        io.flip();
        io.get(buffer, offset, got);
        position += got;
        return got;
    }

    private int waitOrEnd(long now, String idleReason) {
        if (stopRequested) {
            return end("stopped");
        }
        if (now - lastGrowthNanos >= idleNanos) {
            return end(idleReason);
        }
        return 0;
    }

    private int end(String reason) {
        ended = true;
        endReason = reason;
        return -1;
    }

    private boolean tryOpen() throws IOException {
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        lastIdentityCheck = System.nanoTime();
        return true;
    }

    /** Parses the header from the file start; false while it is not complete yet. */
    private boolean parseHeader(long size) throws IOException {
        int len = (int) Math.min(size, WavHeaderParser.MAX_HEADER_BYTES + 8L);
        if (len > headerBytes.length) {
            headerBytes = Arrays.copyOf(headerBytes, Math.max(len, headerBytes.length * 2));
        }
        ByteBuffer target = ByteBuffer.wrap(headerBytes, 0, len);
        while (target.hasRemaining() && channel.read(target, target.position()) >= 0) {
            // a regular file returns everything up to size at once; loop covers short reads
        }
        WavHeader parsed = WavHeaderParser.tryParse(name, headerBytes, target.position());
        if (parsed == null) {
            return false;
        }
        header = parsed;
        dataEnd = parsed.dataEnd();
        setFormat(parsed.format(), parsed.dataOffset());
        return true;
    }

    private void setFormat(PcmFormat f, long dataOffset) {
        format = f;
        frameBytes = f.frameBytes();
        position = dataOffset;
    }

    /** Re-reads the size fields at the file start; true when the writer has just finalised the header. */
    private boolean refreshSizes() throws IOException {
        long riff = readU32(WavHeader.RIFF_SIZE_OFFSET);
        long data = readU32(header.dataSizeOffset());
        WavHeader updated = header.withSizes(riff, data);
        if (!updated.finalised()) {
            return false;
        }
        header = updated;
        dataEnd = updated.dataEnd();
        return true;
    }

    private long readU32(long at) throws IOException {
        sizeField.clear();
        while (sizeField.hasRemaining()) {
            if (channel.read(sizeField, at + sizeField.position()) < 0) {
                return 0;
            }
        }
        return Integer.toUnsignedLong(sizeField.getInt(0));
    }

    /** The path must still name the file we have open; otherwise the audio we follow went elsewhere. */
    private void checkIdentity() throws IOException {
        Object current;
        try {
            current = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new AudioFormatException(name + ": file was removed or renamed while being followed (recording not closed)");
        }
        if (fileKey != null && !fileKey.equals(current)) {
            throw new AudioFormatException(name + ": file was replaced by another file while being followed");
        }
    }

    private void await() throws InterruptedException, IOException {
        if (options.watch() && awaitWatch()) {
            return;
        }
        Thread.sleep(options.pollInterval());
    }

    /** Waits for an inotify event on the directory; false when watching is not possible (yet). */
    private boolean awaitWatch() throws InterruptedException, IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!watchRegistered) {
            if (dir == null || !Files.isDirectory(dir)) {
                return false;
            }
            if (watcher == null) {
                watcher = file.getFileSystem().newWatchService();
            }
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            watchRegistered = true;
        }
        long fallback = Math.min(options.pollInterval().toMillis() * 10, WATCH_FALLBACK_MAX_MS);
        try {
            WatchKey key = watcher.poll(Math.max(fallback, 1), TimeUnit.MILLISECONDS);
            if (key != null) {
                key.pollEvents(); // which file changed does not matter: one size check is cheaper than filtering
                key.reset();
            }
        } catch (ClosedWatchServiceException e) {
            return false;
        }
        return true;
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public String endReason() {
        lock.lock();
        try {
            return endReason == null ? "recording still open" : endReason;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        stopRequested = true;
        lock.lock(); // a reader waiting for data polls stopRequested and lets go within one poll interval
        try {
            ended = true;
            if (endReason == null) {
                endReason = "closed";
            }
            try (FileChannel c = channel; WatchService w = watcher) {
                channel = null;
                watcher = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
