package io.callscribe.asr;

import java.util.List;

/**
 * How to open one recogniser stream.
 *
 * @param sampleRate      rate of the PCM that will be sent (mono, 16-bit little-endian)
 * @param words           ask for word timings
 * @param maxAlternatives 0 for a single best result
 * @param phraseList      words or phrases to bias towards (engines may ignore it)
 * @param label           names the stream in errors and logs (usually the call id and speaker)
 */
public record StreamOptions(int sampleRate, boolean words, int maxAlternatives, List<String> phraseList, String label) {
    public StreamOptions {
        phraseList = List.copyOf(phraseList);
        if (maxAlternatives < 0) {
            throw new IllegalArgumentException("maxAlternatives must be >= 0");
        }
    }

    public static StreamOptions of(int sampleRate, String label) {
        return new StreamOptions(sampleRate, true, 0, List.of(), label);
    }

    public StreamOptions withSampleRate(int rate) {
        return new StreamOptions(rate, words, maxAlternatives, phraseList, label);
    }
}
