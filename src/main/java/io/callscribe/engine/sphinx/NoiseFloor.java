package io.callscribe.engine.sphinx;

/**
 * Adds faint white noise to 16-bit little-endian PCM in place. Narrowband (8 kHz) phone audio resampled to 16 kHz is
 * silent above 4 kHz, and Sphinx4's wideband model then sees near-log(0) filterbank energies there; a noise floor far
 * below speech level (100 of 32767 is about -50 dBFS) keeps those features in the range the model was trained on.
 *
 * <p>The noise added to a sample is a fixed function of that sample's position in the stream's audio, counting audio
 * the caller left out ({@link #skip}): a stretch of audio gets the same noise whether the silence before it was sent
 * or dropped by a voice-activity gate, so what the gate leaves out does not change the words of what it sends, and
 * every run of the same audio decodes the same. Not thread-safe: one per stream, used by its sender.
 */
final class NoiseFloor {

    private static final long SEED = 0x9E3779B97F4A7C15L;

    private final int amplitude;
    private long position;

    NoiseFloor(int amplitude) {
        this.amplitude = amplitude;
    }

    /** Adds the noise of the next {@code pcm.length / 2} positions. */
    void addTo(byte[] pcm) {
        if (amplitude == 0) {
            position += pcm.length / 2;
            return;
        }
        long span = 2L * amplitude + 1;
        for (int i = 0; i + 1 < pcm.length; i += 2) {
            int noise = (int) Math.floorMod(mix(SEED + position++), span) - amplitude;
            int sample = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8)) + noise;
            sample = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sample));
            pcm[i] = (byte) sample;
            pcm[i + 1] = (byte) (sample >> 8);
        }
    }

    /** Moves on by {@code samples} positions the caller did not send. */
    void skip(long samples) {
        if (samples < 0) {
            throw new IllegalArgumentException("cannot skip a negative number of samples: " + samples);
        }
        position += samples;
    }

    /** Positions passed so far: samples noised plus samples skipped. */
    long position() {
        return position;
    }

    /** SplitMix64's finaliser: consecutive positions give independent-looking values. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
