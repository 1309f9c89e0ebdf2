package io.callscribe.source;

import io.callscribe.audio.PcmFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live connection's audio on its way from the connection's reader to the call session (AudioSocket,
 * chan_websocket, RTP): its format is unknown until the first audio or the handshake names it ({@link #start}),
 * from then on the reader writes it to a {@link SpillingPcmBuffer} and never waits for the session, and the call
 * ends once ({@link #end}), with a reason and, for a fault, the error the session reads after the audio received
 * before it. {@link #format} and {@link #read} wait for the start; a call that ends first gives its fault, or no
 * audio. DTMF digits the connection carries go to the {@link #setDtmfListener listener} with their position in the
 * audio received; those that came before it was set are delivered to it first.
 */
public abstract class LiveAudioSource implements AudioSource {

    private static final Logger log = LoggerFactory.getLogger(LiveAudioSource.class);

    private final PcmFormat noAudioFormat;
    private final int wakeMillis;
    private final CountDownLatch formatKnown = new CountDownLatch(1);
    private final ReentrantLock endLock = new ReentrantLock();
    private volatile PcmFormat format;
    private volatile SpillingPcmBuffer buffer;
    private volatile String endReason;
    private volatile IOException fault;
    private final ReentrantLock dtmfLock = new ReentrantLock();
    private final List<PendingDigit> pendingDtmf = new ArrayList<>(); // replayed to a late listener
    private DtmfListener dtmfListener;

    /**
     * @param noAudioFormat what {@link #format} gives for a call that ended before any audio, without a fault
     * @param wakeMillis    audio {@link #read} waits for before it returns (unless the call ended); 0: any audio
     */
    protected LiveAudioSource(PcmFormat noAudioFormat, int wakeMillis) {
        this.noAudioFormat = noAudioFormat;
        this.wakeMillis = wakeMillis;
    }

    /** The audio starts, in {@code f}, into {@code b} (the reader writes it; {@link #end} ends it). Called once. */
    protected final void start(PcmFormat f, SpillingPcmBuffer b) {
        format = f; // before the buffer: a reader that sees the buffer sees its format
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
