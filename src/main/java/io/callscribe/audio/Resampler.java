package io.callscribe.audio;

import java.util.Arrays;

/**
 * Streaming band-limited sample-rate converter for 16-bit mono PCM: polyphase interpolation with a
 * Kaiser-windowed sinc low-pass, for any rational ratio (8000 to 16000, 44100 to 16000, ...).
 * <p>
 * The filter state (the last input samples and the output phase) is kept between calls, so feeding a
 * signal in chunks of any size yields exactly the same samples as feeding it at once. Output sample
 * {@code n} is the input signal at time {@code n * inRate / outRate}; the filter is centred on it, so
 * output lags input by half the filter length until {@link #flush} pads the end with silence.
 * <p>
 * Cutoff: 0.91 of the lower Nyquist frequency (-6 dB point), stop band beyond the lower Nyquist at about
 * -80 dB. Not thread-safe; one instance per stream.
 */
public final class Resampler {

    private static final int ZERO_CROSSINGS = 16;
    private static final double ROLLOFF = 0.91;
    private static final double KAISER_BETA = 8.0;

    private final int inRate;
    private final int outRate;
    private final int up;       // L: output steps per input period group
    private final int down;     // M
    private final int taps;     // input samples per output sample
    private final float[] coefficients; // phase-major: [phase * taps + k]
    private final boolean passThrough;

    /** Input samples not yet fully consumed; history[0] is the oldest tap of the next output. */
    private float[] history;
    private int historyLength;
    private int phase;          // output time = (oldest-tap-index + taps/2 - 1) + phase / up, in input samples
    private short[] scratch = new short[0];

    public Resampler(int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive: " + inRate + " -> " + outRate);
        }
        this.inRate = inRate;
        this.outRate = outRate;
        int g = gcd(inRate, outRate);
        this.up = outRate / g;
        this.down = inRate / g;
        this.passThrough = up == down;
        double cutoff = Math.min(1.0, (double) up / down) * ROLLOFF; // fraction of the input Nyquist
        int half = passThrough ? 1 : (int) Math.ceil(ZERO_CROSSINGS / cutoff);
        this.taps = 2 * half;
        this.coefficients = passThrough ? new float[0] : design(up, taps, cutoff);
        this.history = new float[Math.max(taps * 2, 1024)];
        reset();
    }

    /** Back to the initial state: silence before the first sample, phase 0. */
    public void reset() {
        Arrays.fill(history, 0f);
        historyLength = passThrough ? 0 : taps / 2 - 1; // zeros before the first input sample
        phase = 0;
    }

    /**
     * Coefficients for every phase p: tap k multiplies the input sample at distance (k - (taps/2 - 1)) from the
     * output's integer time, so it weighs time offset d = (taps/2 - 1 - k) + p/up.
     */
    private static float[] design(int up, int taps, double cutoff) {
        float[] h = new float[up * taps];
        double half = taps / 2.0;
        double i0Beta = besselI0(KAISER_BETA);
        for (int p = 0; p < up; p++) {
            for (int k = 0; k < taps; k++) {
                double d = (taps / 2 - 1 - k) + (double) p / up;
                double x = d / half;
                double window = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0Beta;
                double arg = Math.PI * cutoff * d;
                double sinc = arg == 0 ? 1 : Math.sin(arg) / arg;
                h[p * taps + k] = (float) (cutoff * sinc * window);
            }
        }
        return h;
    }

    private static double besselI0(double x) {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 50; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    /** An upper bound of the output samples for {@code inSamples} more input (and a flush). */
    public int maxOutputSamples(int inSamples) {
        return (int) (((long) inSamples + taps) * up / down) + 2;
    }

    /**
     * Resamples {@code length} samples.
     *
     * @return the number of samples written to {@code out} starting at {@code outOffset}
     */
    public int process(short[] in, int offset, int length, short[] out, int outOffset) {
        if (passThrough) {
            System.arraycopy(in, offset, out, outOffset, length);
            return length;
        }
        ensureHistory(historyLength + length);
        for (int i = 0; i < length; i++) {
            history[historyLength + i] = in[offset + i];
        }
        historyLength += length;
        return drain(out, outOffset);
    }

    /**
     * Resamples little-endian 16-bit PCM bytes ({@code length} must be even).
     *
     * @return the number of bytes written to {@code out}
     */
    public int process(byte[] in, int offset, int length, byte[] out, int outOffset) {
        if ((length & 1) != 0) {
            throw new IllegalArgumentException("PCM chunk of " + length + " bytes is not whole 16-bit samples");
        }
        int samples = length / 2;
        if (passThrough) {
            System.arraycopy(in, offset, out, outOffset, length);
            return length;
        }
        ensureHistory(historyLength + samples);
        for (int i = 0; i < samples; i++) {
            int at = offset + 2 * i;
            history[historyLength + i] = (short) ((in[at] & 0xFF) | in[at + 1] << 8);
        }
        historyLength += samples;
        short[] s = scratchFor(samples);
        return toBytes(s, drain(s, 0), out, outOffset);
    }

    /** Emits the outputs still held back by the filter delay (pads with silence), then {@link #reset()}s. */
    public int flush(short[] out, int outOffset) {
        if (passThrough) {
            return 0;
        }
        int lastInput = historyLength - 1; // history index of the last real sample
        int pad = taps / 2;
        ensureHistory(historyLength + pad);
        Arrays.fill(history, historyLength, historyLength + pad, 0f);
        historyLength += pad;
        int n = 0;
        int start = 0;
        // Every output whose time lies before the end of the input: integer time index <= last input.
        while (start + taps / 2 - 1 <= lastInput) {
            out[outOffset + n++] = compute(start);
            phase += down;
            start += phase / up;
            phase %= up;
        }
        reset();
        return n;
    }

    /** Byte version of {@link #flush(short[], int)}. */
    public int flush(byte[] out, int outOffset) {
        short[] s = scratchFor(0);
        return toBytes(s, flush(s, 0), out, outOffset);
    }

    private int drain(short[] out, int outOffset) {
        int n = 0;
        int start = 0;
        // The next output needs taps samples from history[start].
        while (start + taps <= historyLength) {
            out[outOffset + n++] = compute(start);
            phase += down;
            start += phase / up;
            phase %= up;
        }
        // Keep what later outputs still need (taps exceed the step, so start never passes the end).
        int keep = Math.max(0, historyLength - start);
        if (keep > 0) {
            System.arraycopy(history, start, history, 0, keep);
        }
        historyLength = keep;
        return n;
    }

    private short compute(int start) {
        float[] h = coefficients;
        float[] x = history;
        int base = phase * taps;
        float acc = 0f;
        for (int k = 0; k < taps; k++) {
            acc += h[base + k] * x[start + k];
        }
        int s = Math.round(acc);
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, s));
    }

    private void ensureHistory(int needed) {
        if (needed > history.length) {
            history = Arrays.copyOf(history, Math.max(needed, history.length * 2));
        }
    }

    private short[] scratchFor(int inSamples) {
        int need = maxOutputSamples(inSamples);
        if (scratch.length < need) {
            scratch = new short[need];
        }
        return scratch;
    }

    private static int toBytes(short[] samples, int count, byte[] out, int outOffset) {
        for (int i = 0; i < count; i++) {
            out[outOffset + 2 * i] = (byte) samples[i];
            out[outOffset + 2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return 2 * count;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
