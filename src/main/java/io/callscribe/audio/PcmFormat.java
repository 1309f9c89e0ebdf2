package io.callscribe.audio;

/**
 * Signed 16-bit little-endian linear PCM, the only sample encoding callscribe handles internally.
 * Asterisk calls it "slin"; Vosk expects it on the wire.
 */
public record PcmFormat(int sampleRate, int channels) {

    public static final int BYTES_PER_SAMPLE = 2;

    public PcmFormat {
        if (sampleRate < 1000 || sampleRate > 384_000) {
            throw new IllegalArgumentException("unsupported sample rate " + sampleRate + " Hz");
        }
        if (channels < 1 || channels > 2) {
            throw new IllegalArgumentException("unsupported channel count " + channels + " (mono or 2-channel only)");
        }
    }

    public static PcmFormat mono(int sampleRate) {
        return new PcmFormat(sampleRate, 1);
    }

    /** Bytes of one sample frame (one sample of every channel). */
    public int frameBytes() {
        return BYTES_PER_SAMPLE * channels;
    }

    public int bytesPerSecond() {
        return sampleRate * frameBytes();
    }

    /** Whole frames of audio in {@code millis}, as bytes. */
    public int bytesFor(int millis) {
        return (int) ((long) sampleRate * millis / 1000) * frameBytes();
    }

    public double secondsOf(long bytes) {
        return (double) bytes / bytesPerSecond();
    }

    @Override
    public String toString() {
        return sampleRate + " Hz " + (channels == 1 ? "mono" : channels + "ch") + " slin16";
    }
}
