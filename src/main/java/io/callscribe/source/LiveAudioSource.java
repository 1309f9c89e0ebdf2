package io.callscribe.source;

import io.callscribe.audio.PcmFormat;

import org.slf4j.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live connection's audio on its way from the connection's reader to the call session (AudioSocket,
 * chan_websocket, RTP): its format is unknown until the first audio or the handshake names it ({@link #start}),
 * from then on the reader hands it to {@link #offer}, which buffers it in a {@link SpillingPcmBuffer} within the call's
 * {@link BufferLimits} and never waits for the session, and the call ends once ({@link #end}), with a reason and, for
 * a fault, the error the session reads after the audio received before it. Every live source ends a call whose session
 * lags beyond its limits the same way, with the same log line ({@link #offer}). {@link #format} and {@link #read} wait
 * for the start; a call that ends first gives its fault, or no audio. DTMF digits the connection carries go to the {@link #setDtmfListener listener} with their position in the
 * audio received; those that came before it was set are delivered to it first.
 */
public abstract class LiveAudioSource implements AudioSource {

    private final Logger log;
    private final PcmFormat noAudioFormat;
    private final int wakeMillis;
    private final CountDownLatch formatKnown = new CountDownLatch(1);
    private final ReentrantLock endLock = new ReentrantLock();
    private volatile PcmFormat format;
    private volatile SpillingPcmBuffer buffer;
    private volatile BufferLimits limits;
    private final java.util.concurrent.CompletableFuture<Void> endedFuture = new java.util.concurrent.CompletableFuture<>();
    private volatile String endReason;
    private volatile IOException fault;
    private final ReentrantLock dtmfLock = new ReentrantLock();
    private final List<PendingDigit> pendingDtmf = new ArrayList<>(); // replayed to a late listener
    private DtmfListener dtmfListener;

    /**
     * @param noAudioFormat what {@link #format} gives for a call that ended before any audio, without a fault
     * @param wakeMillis    audio {@link #read} waits for before it returns (unless the call ended); 0: any audio
     * @param log           the source's own logger: the call's log lines (spilling, buffer full) are its
     */
    protected LiveAudioSource(PcmFormat noAudioFormat, int wakeMillis, Logger log) {
        this.noAudioFormat = noAudioFormat;
        this.wakeMillis = wakeMillis;
        this.log = log;
    }

    /**
     * The audio starts, in {@code f}, into a buffer within {@code l} whose temp file's name starts with {@code
     * spillPrefix} (the reader {@link #offer}s audio to it; {@link #end} ends it). Called once.
     */
    protected final void start(PcmFormat f, BufferLimits l, String spillPrefix) {
        SpillingPcmBuffer b = new SpillingPcmBuffer(l.memoryBytes(f), l.capacityBytes(f), l.spillDir(), spillPrefix,
                (file, inMemory) -> log.warn("{}: consumer is {} s behind; buffering further audio in {}",
                        description(), String.format("%.0f", f.secondsOf(inMemory)), file));
        format = f; // before the buffer: a reader that sees the buffer sees its format
        limits = l;
        buffer = b;
        formatKnown.countDown();
        if (endReason != null) {
            b.end(); // the end raced with the start: it saw no buffer
        }
    }

    /** The format, or null before the start. */
    protected final PcmFormat knownFormat() {
        return format;
    }

    /** The buffer the reader writes to, or null before the start. */
    protected final SpillingPcmBuffer buffer() {
        return buffer;
    }

    /**
     * Buffers audio the connection received (after {@link #start}). Audio that would bring what waits for the session
     * beyond the call's {@link BufferLimits} (memory and temp file) is not taken: the call ends with an {@link
     * AudioBufferFullException} that the session reads after every byte buffered until then (the transcript keeps
     * that audio), one line is logged naming the settings, and false is returned: the caller closes its connection.
     *
     * @throws IOException when the temp file cannot be written
     */
    protected final boolean offer(byte[] pcm) throws IOException {
        if (buffer.write(pcm)) {
            return true;
        }
        String reason = "audio buffer full: more than " + limits.totalSeconds() + " s of audio waiting for the recogniser";
        if (end(reason, new AudioBufferFullException(description() + ": " + reason + "; the call was ended"))) {
            log.warn("{}: {} ({}); ending the call, the {} s received are transcribed", description(), reason,
                    limits.settings(), String.format("%.1f", receivedSeconds()));
        }
        return false;
    }

    /** Runs {@code action} once the call has ended (at once when it has), on the thread that ended it. */
    public final void whenEnded(Runnable action) {
        endedFuture.thenRun(action);
    }

    /**
     * Records the end once: the session reads what is buffered, then {@code error} when not null, else the end of
     * the stream. Returns whether this call was the one that ended it (and so may log it).
     */
    protected final boolean end(String reason, IOException error) {
        endLock.lock();
        try {
            if (endReason != null) {
                return false;
            }
            endReason = reason;
            fault = error;
        } finally {
            endLock.unlock();
        }
        SpillingPcmBuffer b = buffer;
        if (b != null) {
            if (error != null) {
                b.fail(error);
            } else {
                b.end();
            }
        }
        formatKnown.countDown();
        endedFuture.complete(null);
        return true;
    }

    /** Live audio arrives at the pace of the call: the session collects whole chunks. */
    @Override
    public final boolean realTime() {
        return true;
    }

    /** Waits for the start; a call that ended before it gives its fault or the no-audio format. */
    @Override
    public final PcmFormat format() throws IOException, InterruptedException {
        formatKnown.await();
        PcmFormat f = format;
        if (f != null) {
            return f;
        }
        if (fault != null) {
            throw fault;
        }
        return noAudioFormat;
    }

    @Override
    public final int read(byte[] dst, int offset, int length) throws IOException, InterruptedException {
        formatKnown.await();
        SpillingPcmBuffer b = buffer;
        if (b == null) {
            if (fault != null) {
                throw fault;
            }
            return -1;
        }
        return b.readAtLeast(dst, offset, length, format.bytesFor(wakeMillis));
    }

    /** Sets the listener for DTMF digits; digits that arrived before are delivered to it first, on this thread. */
    @Override
    public final void setDtmfListener(DtmfListener listener) {
        dtmfLock.lock();
        try {
            dtmfListener = listener;
            for (PendingDigit p : pendingDtmf) {
                listener.onDtmf(p.digit(), p.atSeconds());
            }
            pendingDtmf.clear();
        } finally {
            dtmfLock.unlock();
        }
    }

    /** The reader received a DTMF digit: to the listener, at the audio received so far, or kept until there is one. */
    protected final void dtmf(char digit) {
        double at = receivedSeconds();
        dtmfLock.lock();
        try {
            if (dtmfListener == null) {
                pendingDtmf.add(new PendingDigit(digit, at));
                return;
            }
            try {
                dtmfListener.onDtmf(digit, at);
            } catch (RuntimeException e) {
                log.warn("{}: DTMF listener failed on '{}': {}", description(), digit, e.toString());
            }
        } finally {
            dtmfLock.unlock();
        }
    }

    private record PendingDigit(char digit, double atSeconds) {
    }

    /** Seconds of audio received so far (not necessarily read yet). */
    public final double receivedSeconds() {
        SpillingPcmBuffer b = buffer;
        PcmFormat f = format;
        return b == null || f == null ? 0 : f.secondsOf(b.totalWritten());
    }

    public final boolean ended() {
        return endReason != null;
    }

    @Override
    public final String endReason() {
        String r = endReason;
        return r == null ? "in progress" : r;
    }

    /** Stops the call, then frees the buffer (and its spill file). */
    @Override
    public void close() {
        stop();
        closeBuffer();
    }

    protected final void closeBuffer() {
        SpillingPcmBuffer b = buffer;
        if (b != null) {
            b.close();
        }
    }
}
