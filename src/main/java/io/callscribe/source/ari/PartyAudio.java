package io.callscribe.source.ari;

import io.callscribe.audio.PcmFormat;
import io.callscribe.source.AudioSource;
import io.callscribe.source.LiveAudioSource;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One party of an ARI call as the call session sees it: slin16 audio that starts when Asterisk's
 * externalMedia connection for the party's snoop arrives (AudioSocket or RTP) and ends when the party's
 * stream is ended (hang-up, snoop gone, bridge gone) and what was received has been read. The session's
 * reading thread never waits for an ARI request: until the media connection is attached it just waits for audio.
 */
final class PartyAudio implements AudioSource {

    static final PcmFormat FORMAT = PcmFormat.mono(16000);

    private final String description;
    private final Runnable onStop;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private AudioSource media;
    private String endReason;
    private IOException failure;
    private final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();

    /** @param onStop what {@link #stop()} from the session side does (tear the party's Asterisk side down) */
    PartyAudio(String description, Runnable onStop) {
        this.description = description;
        this.onStop = onStop;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public PcmFormat format() {
        return FORMAT;
    }

    @Override
    public boolean realTime() {
        return true;
    }

    /** Hands over the media connection; false (and the caller closes it) when the party has already ended. */
    boolean attach(AudioSource connection) throws IOException, InterruptedException {
        PcmFormat f = connection.format();
        if (!f.equals(FORMAT)) {
            fail(new IOException(description + ": Asterisk sends " + f + ", expected " + FORMAT
                    + " (externalMedia format=slin16)"));
            return false;
        }
        lock.lock();
        try {
            if (media != null || endReason != null) {
                return false;
            }
            media = connection;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean attached() {
        return media() != null;
    }

    /**
     * The party's stream is over: audio the media connection already delivered is still read, then end
     * of stream. The connection itself ends when Asterisk closes it or {@link #closeMedia} is called.
     */
    void end(String reason) {
        finish(reason, null);
    }

    /** Ends the stream with an error the session reports (an ARI request for this party failed). */
    void fail(IOException error) {
        finish("error", error);
        closeMedia();
    }

    /** The first end wins: its reason, and the error a reader gets once the media's audio is read (null: none). */
    private void finish(String reason, IOException error) {
        lock.lock();
        try {
            if (endReason == null) {
                endReason = reason;
                failure = error;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The media connection's own end reason ("in progress" while it runs or before it is attached). */
    String mediaEndReason() {
        lock.lock();
        try {
            return media == null ? "in progress" : media.endReason();
        } finally {
            lock.unlock();
        }
    }

    boolean ended() {
        lock.lock();
        try {
            return endReason != null;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the media connection: what it has buffered is still read, then end of stream. */
    void closeMedia() {
        AudioSource m = media();
        if (m != null) {
            m.stop();
        }
    }

    /** Seconds of audio Asterisk sent for this party so far (read or not). */
    double receivedSeconds() {
        return media() instanceof LiveAudioSource live ? live.receivedSeconds() : FORMAT.secondsOf(delivered.get());
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException, InterruptedException {
        AudioSource m;
        lock.lock();
        try {
            while (media == null && endReason == null) {
                changed.await();
            }
            if (failure != null && media == null) {
                throw failure;
            }
            m = media;
        } finally {
            lock.unlock();
        }
        if (m == null) {
            return -1;
        }
        int n = m.read(buffer, offset, length);
        if (n > 0) {
            delivered.addAndGet(n);
        }
        if (n < 0) {
            end(m.endReason());
            lock.lock();
            try {
                if (failure != null) {
                    throw failure;
                }
            } finally {
                lock.unlock();
            }
        }
        return n;
    }

    @Override
    public void stop() {
        end("stopped");
        onStop.run();
    }

    @Override
    public String endReason() {
        lock.lock();
        try {
            return endReason == null ? "in progress" : endReason;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        AudioSource m = media();
        if (m != null) {
            m.close();
        }
    }

    /** The media connection, or null before it is attached. */
    private AudioSource media() {
        lock.lock();
        try {
            return media;
        } finally {
            lock.unlock();
        }
    }
}
