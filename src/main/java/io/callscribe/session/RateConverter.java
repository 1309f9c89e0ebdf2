package io.callscribe.session;

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
        throw new UnsupportedOperationException("resampling " + from + " -> " + to + " Hz is not wired in yet");
    }
}
