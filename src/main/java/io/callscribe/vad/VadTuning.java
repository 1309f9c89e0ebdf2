package io.callscribe.vad;

/**
 * How a {@link VadGate} decides and what it keeps around speech.
 *
 * @param onsetMillis    speech must last this long (consecutive speech frames) before the gate opens: clicks stay out
 * @param leadInMillis   audio before the onset sent with it, so the recogniser hears the start of the first word
 * @param hangoverMillis audio after the last speech frame still sent (pauses inside a sentence, trailing context for
 *                       the recogniser); after it the gate closes
 * @param marginDb       a frame is speech when its energy is this far above the adaptive noise floor ...
 * @param minSpeechDb    ... and above this absolute level (dB of mean square 16-bit sample value; 30 dB is an rms of
 *                       about 32, far below speech on a phone line)
 * @param resetOnPause   when the gate closes, end the utterance with the recogniser's reset, so the final comes at once
 *                       instead of after the endpointer has heard silence that is never sent
 */
public record VadTuning(int onsetMillis, int leadInMillis, int hangoverMillis, double marginDb, double minSpeechDb,
                        boolean resetOnPause) {

    /**
     * {@code --vad on}: keeps every quiet word; drops silences longer than 0.6 s. A lead-in of 0.5 s gives the engine's
     * front end some of the silence before each utterance (BENCHMARKS.md section 8: on Sphinx4 it decoded the sample call
     * better than 0.3 s, at 49.7% instead of 47.6% of the audio sent).
     */
    public static final VadTuning STANDARD = new VadTuning(20, 500, 600, 8, 30, true);

    /** {@code --vad aggressive}: louder speech only, shorter margins around it. */
    public static final VadTuning AGGRESSIVE = new VadTuning(30, 200, 350, 12, 36, true);

    /** How much longer than an engine's endpointing silence the hangover must be for the gate to leave the end to it. */
    static final int ENDPOINT_MARGIN_MILLIS = 200;

    /**
     * This tuning for an engine that ends an utterance by itself after {@code endpointSilence} (see
     * {@code Recognizer.endpointSilence}): when the hangover sent after speech covers that silence with room to spare,
     * the engine's endpointer ends the utterance on it as it would on the whole pause, and a reset is left out. On
     * Sphinx4 a reset restarts the front end's adaptation for the next utterance, which changed words (BENCHMARKS.md
     * section 8); without it the gated words equal the ungated ones. Otherwise this tuning unchanged.
     */
    public VadTuning forEngine(java.util.Optional<java.time.Duration> endpointSilence) {
        if (resetOnPause && endpointSilence.isPresent()
                && endpointSilence.get().toMillis() + ENDPOINT_MARGIN_MILLIS <= hangoverMillis) {
            return new VadTuning(onsetMillis, leadInMillis, hangoverMillis, marginDb, minSpeechDb, false);
        }
        return this;
    }

    public VadTuning {
        if (onsetMillis < VoiceActivityDetector.FRAME_MILLIS || onsetMillis > 1000) {
            throw new IllegalArgumentException("vad onset must be 10..1000 ms, not " + onsetMillis);
        }
        if (leadInMillis < 0 || leadInMillis > 2000 || hangoverMillis < 10 || hangoverMillis > 5000) {
            throw new IllegalArgumentException("vad lead-in must be 0..2000 ms and hangover 10..5000 ms, not "
                    + leadInMillis + " / " + hangoverMillis);
        }
        if (marginDb <= 0 || marginDb > 60 || minSpeechDb < 0 || minSpeechDb > 90) {
            throw new IllegalArgumentException("vad margin must be in (0, 60] dB and minimum level in [0, 90] dB");
        }
    }
}
