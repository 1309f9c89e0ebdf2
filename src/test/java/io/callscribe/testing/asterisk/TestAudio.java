package io.callscribe.testing.asterisk;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.audio.Resampler;
import io.callscribe.audio.WavHeader;
import io.callscribe.audio.WavHeaderParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Test audio for {@link PrivateAsterisk}: 16-bit mono PCM clips read from WAV files, resampled, padded, and
 * placed where Asterisk's {@code Playback} finds them ({@code NAME.wav} for 8 kHz, {@code NAME.wav16} for 16 kHz:
 * format_wav accepts no other rate for either extension).
 */
public final class TestAudio {

    private TestAudio() {
    }

    /** 16-bit little-endian mono PCM at {@code rate}. */
    public record Clip(byte[] pcm, int rate) {

        public Clip {
            if (rate != 8000 && rate != 16000) {
                throw new IllegalArgumentException("Asterisk plays 8000 or 16000 Hz WAV, not " + rate);
            }
            if (pcm.length % 2 != 0) {
                throw new IllegalArgumentException("odd PCM length " + pcm.length);
            }
        }

        public double seconds() {
            return pcm.length / 2.0 / rate;
        }

        /** The same audio at {@code newRate} (callscribe's band-limited resampler). */
        public Clip at(int newRate) {
            if (newRate == rate) {
                return this;
            }
            Resampler r = new Resampler(rate, newRate);
            byte[] out = new byte[(r.maxOutputSamples(pcm.length / 2) + 64) * 2];
            int n = r.process(pcm, 0, pcm.length, out, 0);
            n += r.flush(out, n);
            return new Clip(Arrays.copyOf(out, n), newRate);
        }

        /** This clip followed by silence up to {@code totalSeconds} (unchanged when already as long). */
        public Clip paddedTo(double totalSeconds) {
            int bytes = (int) Math.round(totalSeconds * rate) * 2;
            return bytes <= pcm.length ? this : new Clip(Arrays.copyOf(pcm, bytes), rate);
        }

        /** Silence of {@code seconds}, then this clip. */
        public Clip delayedBy(double seconds) {
            int lead = (int) Math.round(seconds * rate) * 2;
            byte[] out = new byte[lead + pcm.length];
            System.arraycopy(pcm, 0, out, lead, pcm.length);
            return new Clip(out, rate);
        }

        /**
         * The audio a G.711 mu-law channel carries: every sample encoded to mu-law and decoded back (the standard
         * segment encoder, as Asterisk's codec_ulaw does), so a transcript of a ulaw call can be held against the
         * transcript of the same coded audio rather than of the clean clip.
         */
        public Clip throughUlaw() {
            byte[] out = new byte[pcm.length];
            for (int i = 0; i < pcm.length; i += 2) {
                int v = ulawToLinear(linearToUlaw((short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8))));
                out[i] = (byte) v;
                out[i + 1] = (byte) (v >> 8);
            }
            return new Clip(out, rate);
        }

        private static int linearToUlaw(int sample) {
            int sign = (sample >> 8) & 0x80;
            int magnitude = Math.min(sign != 0 ? -sample : sample, 32635) + 0x84;
            int exponent = 7;
            for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) {
                exponent--;
            }
            int mantissa = (magnitude >> (exponent + 3)) & 0x0F;
            return ~(sign | (exponent << 4) | mantissa) & 0xFF;
        }

        private static int ulawToLinear(int code) {
            int u = ~code & 0xFF;
            int t = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7);
            return (u & 0x80) != 0 ? 0x84 - t : t - 0x84;
        }

        /** This clip followed by {@code next} (at the same rate). */
        public Clip then(Clip next) {
            if (next.rate != rate) {
                throw new IllegalArgumentException("cannot join " + rate + " Hz and " + next.rate + " Hz");
            }
            byte[] out = Arrays.copyOf(pcm, pcm.length + next.pcm.length);
            System.arraycopy(next.pcm, 0, out, pcm.length, next.pcm.length);
            return new Clip(out, rate);
        }

        /** The same audio with its polarity inverted: it sounds the same and has other samples. */
        public Clip inverted() {
            byte[] out = new byte[pcm.length];
            for (int i = 0; i < pcm.length; i += 2) {
                int v = Math.min(32767, -(short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8)));
                out[i] = (byte) v;
                out[i + 1] = (byte) (v >> 8);
            }
            return new Clip(out, rate);
        }

        /** The part from {@code fromSeconds} to {@code toSeconds}. */
        public Clip slice(double fromSeconds, double toSeconds) {
            int from = (int) Math.round(fromSeconds * rate) * 2;
            int to = Math.min(pcm.length, (int) Math.round(toSeconds * rate) * 2);
            return new Clip(Arrays.copyOfRange(pcm, from, to), rate);
        }

        /** Writes a canonical 44-byte-header WAV. */
        public void writeWav(Path file) throws IOException {
            try (MixMonitorWriter w = MixMonitorWriter.wav(file, PcmFormat.mono(rate), null)) {
                w.write(pcm);
            }
        }
    }

    /** Reads a 16-bit mono WAV (8 or 16 kHz). */
    public static Clip read(Path wav) throws IOException {
        WavHeader h = WavHeaderParser.read(wav);
        if (h.format().channels() != 1) {
            throw new IllegalArgumentException(wav + ": " + h.format().channels() + " channels, test audio must be mono");
        }
        byte[] all = Files.readAllBytes(wav);
        long end = h.dataEnd() == WavHeader.UNKNOWN ? all.length : Math.min(all.length, h.dataEnd());
        byte[] pcm = Arrays.copyOfRange(all, (int) h.dataOffset(), (int) end);
        return new Clip(pcm.length % 2 == 0 ? pcm : Arrays.copyOf(pcm, pcm.length - 1), h.format().sampleRate());
    }

    /**
     * Writes {@code clip} into the instance's sounds folder as {@code name.wav} (8 kHz) or {@code name.wav16}
     * (16 kHz) and returns the path without extension, as {@code Playback()} takes it.
     */
    public static Path place(PrivateAsterisk asterisk, String name, Clip clip) throws IOException {
        Path base = asterisk.soundsDir().resolve(name);
        clip.writeWav(Path.of(base + (clip.rate() == 8000 ? ".wav" : ".wav16")));
        return base;
    }
}
