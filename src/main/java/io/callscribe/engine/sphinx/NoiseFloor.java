package io.callscribe.engine.sphinx;

/**
 * Adds faint white noise to 16-bit little-endian PCM in place. Narrowband (8 kHz) phone audio resampled to 16 kHz is
 * silent above 4 kHz, and Sphinx4's wideband model then sees near-log(0) filterbank energies there; a noise floor far
 * below speech level (100 of 32767 is about -50 dBFS) keeps those features in the range the model was trained on.
 * Deterministic (fixed seed, xorshift) so that runs are repeatable. Not thread-safe: one per stream.
 */
final class NoiseFloor {

    private final int amplitude;
    private long state = 0x9E3779B97F4A7C15L;

    NoiseFloor(int amplitude) {
        this.amplitude = amplitude;
    }

    void addTo(byte[] pcm) {
        if (amplitude == 0) {
            return;
        }
        int span = 2 * amplitude + 1;
        for (int i = 0; i + 1 < pcm.length; i += 2) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            int noise = (int) Math.floorMod(state, (long) span) - amplitude;
            int sample = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8)) + noise;
            sample = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sample));
            pcm[i] = (byte) sample;
            pcm[i + 1] = (byte) (sample >> 8);
        }
    }
}
