package io.callscribe.source.audiosocket;

import io.callscribe.audio.PcmFormat;
import io.callscribe.source.LiveAudioSource;
import io.callscribe.source.SpillingPcmBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One AudioSocket connection after its UUID: the caller's audio as an {@link AudioSource}.
 * The connection's reader thread fills a {@link SpillingPcmBuffer} and never waits for the consumer
 * of {@link #read}; see {@link AudioSocketServer.Config#bufferSeconds()}.
 * <p>The connection's reader does not wake for every 20 ms frame either: once it has read everything that arrived, it
 * sleeps while the next {@link #WAKE_MILLIS} of audio fills (up to {@link #MAX_SLEEP_NANOS} at a time), reads what
 * came in one go, and waits on the socket only for the chunk's last frame, which it reads as soon as it arrives
 * ({@link #awaitChunk}).
 * <p>Asterisk hangs an AudioSocket call up when no frame has passed in either direction for 2 s (a caller on hold,
 * muted, or with DTX sends none): while the connection is open, a keep-alive thread sends 20 ms of silence back
 * whenever nothing has passed for {@link #KEEPALIVE_AFTER}.
 */
public final class AudioSocketCall extends LiveAudioSource {

    private static final Logger log = LoggerFactory.getLogger(AudioSocketCall.class);

    /** What {@link #format()} reports for a call that ended before any audio: the AudioSocket app's fixed format. */
    static final PcmFormat NO_AUDIO_FORMAT = PcmFormat.mono(8000);

    /** Quiet time after which silence is sent back: half of Asterisk's fixed 2 s no-activity limit. */
    static final java.time.Duration KEEPALIVE_AFTER = java.time.Duration.ofSeconds(1);

    private final UUID id;
    private final Socket socket;
    private final String description;
    private final AudioSocketCodec codec;
    private final AudioSocketServer.Config config;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** {@link System#nanoTime()} of the last message received or sent. */
    private volatile long lastTrafficNanos = System.nanoTime();

    private OutputStream out;
    /** The connection's input once {@link #pump} runs (for {@link #socketReads}). */
    private volatile FrameInput input;

    AudioSocketCall(UUID id, Socket socket, AudioSocketCodec codec, AudioSocketServer.Config config) {
        // Up to a chunk (200 ms, what the session sends at a time) is collected before the reader wakes: at 1000
        // calls that is 5,000 wake-ups a second instead of 50,000 (one per 20 ms frame).
        super(NO_AUDIO_FORMAT, WAKE_MILLIS, log);
        this.id = id;
        this.socket = socket;
        this.codec = codec;
        this.config = config;
        SocketAddress remote = socket.getRemoteSocketAddress();
        this.description = "audiosocket call " + id + " from " + remote;
    }

    /** The UUID Asterisk sent as the first message (the dialplan's call id). */
    public UUID id() {
        return id;
    }

    @Override
    public String description() {
        return description;
    }

    /** A reader is woken once this much audio is buffered (or the call ended), not for every frame. */
    static final int WAKE_MILLIS = 200;

    /**
     * The longest the reader sleeps at a time while a chunk fills ({@link #awaitChunk}): what a burst of frames (a
     * sender catching up) can wait at most. Measured at 1000 calls (BENCHMARKS.md section 9): with no limit the
     * pipeline p99 was 97-111 ms, with 100 ms 54 ms, with 60 ms 32-52 ms.
     */
    static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(60);

    /** Seconds of audio received but not yet read. */
    double backlogSeconds() {
        SpillingPcmBuffer b = buffer();
        PcmFormat f = knownFormat();
        return b == null || f == null ? 0 : f.secondsOf(b.backlog());
    }

    /** Reads from the socket so far: with {@link #awaitChunk}, about 4 per 200 ms of real-time audio, not 10. */
    long socketReads() {
        FrameInput in = input;
        return in == null ? 0 : in.socketReads();
    }

    /** Whether the consumer fell so far behind that audio went to a temp file. */
    boolean spilledToDisk() {
        SpillingPcmBuffer b = buffer();
        return b != null && b.spilled();
    }

    private void send(List<byte[]> encoded) throws IOException {
        writeLock.lock();
        try {
            if (out == null) {
                out = new BufferedOutputStream(socket.getOutputStream());
            }
            for (byte[] m : encoded) {
                out.write(m);
            }
            out.flush();
            lastTrafficNanos = System.nanoTime();
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends 20 ms of silence, in the call's own format, whenever nothing has passed for {@link #KEEPALIVE_AFTER}. */
    private void keepAlive() {
        long quiet = KEEPALIVE_AFTER.toNanos();
        boolean logged = false;
        try {
            while (!ended()) {
                long idle = System.nanoTime() - lastTrafficNanos;
                if (idle >= quiet) {
                    PcmFormat f = knownFormat();
                    int rate = f == null ? NO_AUDIO_FORMAT.sampleRate() : f.sampleRate();
                    send(List.of(AudioSocketCodec.encode(new AudioSocketMessage.Audio(rate, new byte[rate / 50 * 2]))));
                    if (!logged) {
                        log.debug("{}: nothing received for {} ms; sending silence so that Asterisk keeps the call",
                                description, KEEPALIVE_AFTER.toMillis());
                        logged = true;
                    }
                    idle = 0;
                }
                TimeUnit.NANOSECONDS.sleep(quiet - idle);
            }
        } catch (InterruptedException e) {
            // the connection ended
        } catch (IOException e) {
            // the socket is closed or reset: the reader thread ends the call
        }
    }

    @Override
    public void stop() {
        if (end("stopped", null)) {
            log.info("{}: stopped", description);
        }
        closeSocket();
    }

    /** Reads messages until hangup, EOF, error or stop. Runs on the connection's thread. */
    void pump(FrameInput in) {
        input = in;
        Thread keeper = Thread.ofVirtual().name("audiosocket-keepalive-" + id).start(this::keepAlive);
        try {
            AudioSocketMessage m;
            long audioBytes = 0;
            while ((m = codec.read(in)) != null) {
                lastTrafficNanos = System.nanoTime();
                switch (m) {
                    case AudioSocketMessage.Audio a -> {
                        onAudio(a);
                        audioBytes += a.pcm().length;
                        awaitChunk(in, audioBytes, a.pcm().length);
                    }
                    case AudioSocketMessage.Dtmf d -> dtmf(d.digit());
                    case AudioSocketMessage.Hangup h -> {
                        if (end("hangup", null)) {
                            log.info("{}: hangup after {} s of audio", description, seconds());
                        }
                        return;
                    }
                    case AudioSocketMessage.Error e -> log.warn("{}: Asterisk reported error code {}", description, e.code());
                    case AudioSocketMessage.Uuid u -> throw new AudioSocketProtocolException("second UUID message (" + u.id() + ")");
                }
            }
            if (end("connection closed by asterisk", null)) {
                log.info("{}: connection closed by asterisk after {} s of audio", description, seconds());
            }
        } catch (AudioSocketProtocolException e) {
            AudioSocketProtocolException named = new AudioSocketProtocolException(description + ": " + e.getMessage());
            if (end("protocol error: " + e.getMessage(), named)) {
                log.warn("{}: closing connection: {}", description, e.getMessage());
            }
        } catch (java.net.SocketTimeoutException e) {
            String idle = String.format(java.util.Locale.ROOT, "%.1f", config.readTimeout().toMillis() / 1000.0);
            if (end("no audio for " + idle + " s (read timeout)", null)) {
                log.warn("{}: nothing received for {} s (--audiosocket-read-timeout); ending the call after {} s of audio",
                        description, idle, seconds());
            }
        } catch (IOException e) {
            // A reset or a closed socket after stop(): either way the peer's side is gone.
            if (end("connection closed by asterisk", null)) {
                log.info("{}: connection closed by asterisk ({}) after {} s of audio", description, e.getMessage(), seconds());
            }
        } finally {
            keeper.interrupt();
            closeSocket();
        }
    }

    /**
     * When everything that arrived has been read, sleeps until one frame before the next {@link #WAKE_MILLIS} boundary
     * of the audio (where the session's reader is woken), assuming the frames arrive at the pace of the call, as
     * Asterisk sends them, but for at most {@link #MAX_SLEEP_NANOS} at a time. The reads after a sleep take the frames
     * that came meanwhile in one go, and the read before the boundary waits on the socket for the chunk's last frame,
     * so that frame is read when it arrives, as without the sleeps. Each sleep is measured from what was read, not
     * from the last wake, so a late wake does not shift the next one. At 1000 calls this is about 4 socket wake-ups
     * per chunk instead of 10 (BENCHMARKS.md section 9). A burst that completes the chunk early (a sender catching
     * up) waits at most {@link #MAX_SLEEP_NANOS}; a hangup or DTMF digit that arrives during a sleep is read when it
     * ends (a digit keeps its position in the audio).
     */
    private void awaitChunk(FrameInput in, long audioBytes, int frameBytes) {
        if (frameBytes == 0 || in.buffered() > 0) {
            return;
        }
        PcmFormat f = knownFormat();
        int chunk = f.bytesFor(WAKE_MILLIS);
        long ahead = chunk - audioBytes % chunk - frameBytes; // bytes before the chunk's last frame
        if (ahead <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(Math.min(ahead * 1_000_000_000L / f.bytesPerSecond(), MAX_SLEEP_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the read that follows ends the call
        }
    }

    private String seconds() {
        return String.format("%.1f", receivedSeconds());
    }

    private void onAudio(AudioSocketMessage.Audio a) throws IOException {
        PcmFormat f = knownFormat();
        if (f == null) {
            PcmFormat first = PcmFormat.mono(a.sampleRate());
            start(first, config.bufferLimits(), "callscribe-audiosocket-" + id + "-");
            f = first;
        } else if (f.sampleRate() != a.sampleRate()) {
            throw new AudioSocketProtocolException("sample rate changed mid-call from " + f.sampleRate() + " Hz to "
                    + a.sampleRate() + " Hz (kind " + AudioSocketCodec.hex(a.kind()) + ")");
        }
        if (a.pcm().length > 0 && !offer(a.pcm())) {
            // The call has ended with the buffer-full error after the audio buffered so far (logged once).
            closeSocket();
            throw new java.io.EOFException("audio buffer full");
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort; the call has ended either way
        }
    }


    static FrameInput input(Socket socket) throws IOException {
        return new FrameInput(socket.getInputStream());
    }

    /**
     * The connection's buffered input, which tells whether bytes are left in its buffer without a system call
     * ({@link java.io.BufferedInputStream#available} asks the socket each time). Not thread-safe: the connection's
     * thread alone reads it. (A subclass of BufferedInputStream would lock with {@code synchronized} around the
     * blocking socket read, which pins a virtual thread's carrier before JDK 24.)
     */
    static final class FrameInput extends InputStream {
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int count;
        private volatile long socketReads;

        FrameInput(InputStream in) {
            this.in = in;
        }

        /** Bytes read from the socket and not yet consumed. */
        int buffered() {
            return count - pos;
        }

        /** Reads from the socket so far (read by other threads, written by the connection's thread alone). */
        long socketReads() {
            return socketReads;
        }

        private boolean fill() throws IOException {
            socketReads++;
            pos = 0;
            count = Math.max(0, in.read(buf));
            return count > 0;
        }

        @Override
        public int read() throws IOException {
            if (pos == count && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos == count && !fill()) {
                return -1;
            }
            int n = Math.min(len, count - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return buffered() + in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    static Path defaultSpillDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }
}
