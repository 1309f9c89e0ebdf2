package io.callscribe.vad;

/**
 * Classifies 10 ms frames of 16-bit mono PCM as speech or not, from their energy against an adaptive noise floor and
 * their zero-crossing rate. Not thread-safe: one leg, one thread.
 *
 * <p>Rules, per frame of {@code n} samples:
 * <ul>
 *   <li>energy {@code E = 10 log10(1 + mean(x^2))} dB (0 dB for digital silence, ~70 dB for loud speech);</li>
 *   <li>zero-crossing rate {@code Z} = sign changes per sample (voiced speech ~0.02-0.15, fricatives and hiss ~0.3-0.6);</li>
 *   <li>noise floor {@code F}: the lowest frame energy of the last 2 s (minimum statistics over eight 250 ms blocks).
 *       Speech has quiet gaps between syllables and words well within 2 s, so {@code F} follows the line's noise,
 *       also when it gets louder, while a talker's level does not lift it. During the first 2 s of a leg it is capped
 *       at 40 dB, so a leg that starts with speech is not taken as noise;</li>
 *   <li>speech when {@code E >= minSpeechDb} and either {@code E >= F + margin}, or {@code E >= F + margin/2} with
 *       {@code Z >= 0.25} (quiet unvoiced consonants like "s" and "f", whose energy is low but whose crossings are
 *       many; steady hiss does not pass, because the floor has adapted to it).</li>
 * </ul>
 * No WebRTC-VAD port is kept up on Maven Central; this detector is small enough to read in one sitting and is tuned
 * for the gate's purpose, where a missed onset costs words and a false one only costs a little decoding.
 */
public final class VoiceActivityDetector {

    public static final int FRAME_MILLIS = 10;
    private static final int BLOCK_FRAMES = 25;
    private static final int WINDOW_BLOCKS = 8;
    private static final double START_FLOOR_CAP_DB = 40;
    private static final double FRICATIVE_ZCR = 0.25;

    private final int frameBytes;
    private final double marginDb;
    private final double minSpeechDb;
    /** Minimum energy of each of the last {@code WINDOW_BLOCKS} completed blocks (a ring), and of the current one. */
    private final double[] blockMinima = new double[WINDOW_BLOCKS];
    private int blocksDone;
    private double currentMin = Double.POSITIVE_INFINITY;
    private int framesInBlock;
    private double floorDb = Double.NaN;

    public VoiceActivityDetector(int sampleRate, VadTuning tuning) {
        if (sampleRate < 8000 || sampleRate % 100 != 0) {
            throw new IllegalArgumentException("vad needs a sample rate of 8000 Hz or more in steps of 100, not " + sampleRate);
        }
        this.frameBytes = sampleRate / 1000 * FRAME_MILLIS * 2;
        this.marginDb = tuning.marginDb();
        this.minSpeechDb = tuning.minSpeechDb();
    }

    /** Bytes in one frame (10 ms). */
    public int frameBytes() {
        return frameBytes;
    }

    /** Classifies the frame at {@code offset} (exactly {@link #frameBytes()} bytes) and adapts the noise floor. */
    public boolean isSpeech(byte[] pcm, int offset) {
        int samples = frameBytes / 2;
        double sumSquares = 0;
        int crossings = 0;
        int previous = 0;
        for (int i = 0; i < samples; i++) {
            int p = offset + 2 * i;
            int x = (short) ((pcm[p] & 0xff) | (pcm[p + 1] << 8));
            sumSquares += (double) x * x;
            if (i > 0 && ((x >= 0) != (previous >= 0))) {
                crossings++;
            }
            previous = x;
        }
        double energy = 10 * Math.log10(1 + sumSquares / samples);
        double zcr = (double) crossings / samples;
        track(energy);
        boolean speech = energy >= minSpeechDb
                && (energy >= floorDb + marginDb || (energy >= floorDb + marginDb / 2 && zcr >= FRICATIVE_ZCR));
        return speech;
    }

    private void track(double energy) {
        currentMin = Math.min(currentMin, energy);
        double floor = currentMin;
        int held = Math.min(blocksDone, WINDOW_BLOCKS);
        for (int i = 0; i < held; i++) {
            floor = Math.min(floor, blockMinima[i]);
        }
        floorDb = blocksDone < WINDOW_BLOCKS ? Math.min(floor, START_FLOOR_CAP_DB) : floor;
        if (++framesInBlock == BLOCK_FRAMES) {
            blockMinima[blocksDone % WINDOW_BLOCKS] = currentMin;
            blocksDone++;
            currentMin = Double.POSITIVE_INFINITY;
            framesInBlock = 0;
        }
    }
}
