package io.callscribe.asr;

import io.callscribe.audio.Resampler;

/**
 * Converts call audio to the recogniser's sample rate. The identity converter returns its input
 * array untouched, so a call at the engine's rate costs no copy.
 */
interface RateConverter {

    /** Converts {@code length} bytes of {@code pcm}; may return {@code pcm} itself when no change is needed. */
    byte[] convert(byte[] pcm, int length);

    /** Samples still held for filter state at end of call. */
    byte[] flush();

    static RateConverter between(int from, int to) {
        if (from == to) {
            return new RateConverter() {
                public byte[] convert(byte[] pcm, int length) {
                    return pcm;
                }

                public byte[] flush() {
                    return new byte[0];
                }
            };
        }
        Resampler resampler = new Resampler(from, to);
        return new RateConverter() {
            private byte[] out = new byte[0];

            public byte[] convert(byte[] pcm, int length) {
                int n = resampler.process(pcm, 0, length, ensure(length / 2), 0);
                return java.util.Arrays.copyOf(out, n);
            }

            public byte[] flush() {
                return java.util.Arrays.copyOf(out, resampler.flush(ensure(0), 0));
            }

            private byte[] ensure(int inSamples) {
                int need = 2 * resampler.maxOutputSamples(inSamples);
                if (out.length < need) {
                    out = new byte[need];
                }
                return out;
            }
        };
    }
}
