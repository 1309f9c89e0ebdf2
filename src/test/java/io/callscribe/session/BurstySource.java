package io.callscribe.session;

import io.callscribe.audio.PcmFormat;
import io.callscribe.source.AudioSource;

import java.io.IOException;

/** Test double: a source that hands out a byte array in bursts of {@code burst} bytes, then ends. */
final class BurstySource implements AudioSource {

    private final PcmFormat format;
    private final byte[] audio;
    private final int burst;
    private final boolean realTime;
    private int position;
    private int burstLeft;
    private volatile boolean stopped;
    volatile boolean closed;
    volatile IOException failAtEnd;

    BurstySource(PcmFormat format, byte[] audio, int burst, boolean realTime) {
        this.format = format;
        this.audio = audio;
        this.burst = burst;
        this.realTime = realTime;
        this.burstLeft = burst;
    }

    @Override
    public String description() {
        return "test source";
    }

    @Override
    public PcmFormat format() {
        return format;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (position >= audio.length || stopped) {
            if (failAtEnd != null) {
                throw failAtEnd;
            }
            return -1;
        }
        if (burstLeft == 0) {
            burstLeft = burst;
        }
        int n = Math.min(Math.min(length, burstLeft), audio.length - position);
        System.arraycopy(audio, position, buffer, offset, n);
        position += n;
        burstLeft -= n;
        return n;
    }

    @Override
    public boolean realTime() {
        return realTime;
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public String endReason() {
        return stopped ? "stopped" : "test audio done";
    }

    @Override
    public void close() {
        closed = true;
    }
}
