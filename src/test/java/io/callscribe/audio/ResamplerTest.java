package io.callscribe.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ResamplerTest {

    @Test
    void upsampledSineKeepsFrequencyAndAmplitude() {
        short[] in = sine(8000, 1000, 10000, 8000);
        short[] out = resampleAll(new Resampler(8000, 16000), in);
        // Skip the filter's start and end transients.
        short[] steady = Arrays.copyOfRange(out, 2000, out.length - 2000);
        assertThat(amplitude(steady, 16000, 1000)).isCloseTo(10000, within(150.0));
        assertThat(amplitude(steady, 16000, 1000)).isGreaterThan(20 * amplitude(steady, 16000, 3000));
        // No imaging of 1 kHz around the old Nyquist (8k - 1k = 7 kHz): that is what sample repetition produces.
        assertThat(amplitude(steady, 16000, 7000)).isLessThan(10000 * 0.001);
    }

    @Test
    void upsampledSineMatchesTheIdealWaveformInTime() {
        short[] in = sine(8000, 440, 8000, 8000);
        short[] out = resampleAll(new Resampler(8000, 16000), in);
        short[] ideal = sine(16000, 440, 8000, 16000);
        double maxErr = 0;
        for (int i = 1000; i < 15000; i++) {
            maxErr = Math.max(maxErr, Math.abs(out[i] - ideal[i]));
        }
        assertThat(maxErr).as("output sample n is the input at time n/2").isLessThan(40);
    }

    @Test
    void downsamplingRemovesContentAboveTheNewNyquist() {
        short[] tone6k = sine(16000, 6000, 10000, 16000);
        short[] out = resampleAll(new Resampler(16000, 8000), tone6k);
        short[] steady = Arrays.copyOfRange(out, 500, out.length - 500);
        // 6 kHz would alias to 2 kHz at 8 kHz; it must be at least 40 dB down.
        double aliased = Math.max(amplitude(steady, 8000, 2000), rms(steady) * Math.sqrt(2));
        assertThat(20 * Math.log10(aliased / 10000)).isLessThan(-40);

        short[] tone1k = sine(16000, 1000, 10000, 16000);
        short[] kept = Arrays.copyOfRange(resampleAll(new Resampler(16000, 8000), tone1k), 500, 7500);
        assertThat(amplitude(kept, 8000, 1000)).isCloseTo(10000, within(150.0));
    }

    @ParameterizedTest
    @CsvSource({"8000,16000", "16000,8000", "44100,16000", "48000,16000", "16000,16000", "11025,8000"})
    void chunkedEqualsOneShotAndLengthIsExact(int inRate, int outRate) {
        short[] in = noise(inRate * 3 / 2 + 7, 42);
        short[] oneShot = resampleAll(new Resampler(inRate, outRate), in);
        long expected = ((long) in.length * outRate + inRate - 1) / inRate;
        assertThat(oneShot.length).isEqualTo((int) expected);

        Resampler r = new Resampler(inRate, outRate);
        short[] out = new short[oneShot.length + 16];
        int n = 0;
        Random sizes = new Random(7);
        for (int off = 0; off < in.length; ) {
            int len = Math.min(in.length - off, sizes.nextInt(1, 700));
            n += r.process(in, off, len, out, n);
            off += len;
        }
        n += r.flush(out, n);
        assertThat(Arrays.copyOf(out, n)).isEqualTo(oneShot);
    }

    @Test
    void byteApiMatchesShortApiAcrossOddChunking() {
        short[] in = noise(8000, 3);
        short[] expected = resampleAll(new Resampler(8000, 16000), in);
        byte[] bytes = new byte[in.length * 2];
        for (int i = 0; i < in.length; i++) {
            bytes[2 * i] = (byte) in[i];
            bytes[2 * i + 1] = (byte) (in[i] >> 8);
        }
        Resampler r = new Resampler(8000, 16000);
        byte[] out = new byte[expected.length * 2 + 64];
        int n = 0;
        for (int off = 0; off < bytes.length; off += 320) {
            n += r.process(bytes, off, Math.min(320, bytes.length - off), out, n);
        }
        n += r.flush(out, n);
        assertThat(n).isEqualTo(expected.length * 2);
        for (int i = 0; i < expected.length; i++) {
            assertThat((short) ((out[2 * i] & 0xFF) | out[2 * i + 1] << 8)).isEqualTo(expected[i]);
        }
    }

    @Test
    void fullScaleInputClipsInsteadOfWrapping() {
        short[] square = new short[4000];
        for (int i = 0; i < square.length; i++) {
            square[i] = (i / 20) % 2 == 0 ? Short.MAX_VALUE : Short.MIN_VALUE;
        }
        short[] out = resampleAll(new Resampler(8000, 16000), square);
        // Gibbs overshoot must saturate, never flip sign: right after a positive edge stays positive.
        for (int i = 200; i < out.length - 200; i++) {
            int inIndex = i / 2;
            if (inIndex % 20 > 4 && inIndex % 20 < 16) {
                assertThat(Integer.signum(out[i])).isEqualTo(Integer.signum(square[inIndex]));
            }
        }
    }

    static short[] resampleAll(Resampler r, short[] in) {
        short[] out = new short[r.maxOutputSamples(in.length) * 2];
        int n = r.process(in, 0, in.length, out, 0);
        n += r.flush(out, n);
        return Arrays.copyOf(out, n);
    }

    static short[] sine(int rate, double hz, double amplitude, int samples) {
        short[] s = new short[samples];
        for (int i = 0; i < samples; i++) {
            s[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return s;
    }

    static short[] noise(int samples, long seed) {
        Random r = new Random(seed);
        short[] s = new short[samples];
        for (int i = 0; i < samples; i++) {
            s[i] = (short) (r.nextGaussian() * 6000);
        }
        return s;
    }

    /** Amplitude of the {@code hz} component (Goertzel over the whole block). */
    static double amplitude(short[] s, int rate, double hz) {
        double w = 2 * Math.PI * hz / rate, coeff = 2 * Math.cos(w), s1 = 0, s2 = 0;
        for (short v : s) {
            double s0 = v + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * Math.sqrt(Math.max(power, 0)) / s.length;
    }

    static double rms(short[] s) {
        double sum = 0;
        for (short v : s) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / s.length);
    }
}
