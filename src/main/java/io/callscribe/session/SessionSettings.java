package io.callscribe.session;

import io.callscribe.asr.StreamOptions;
import io.callscribe.vad.VadMode;
import io.callscribe.vad.VadTuning;

import java.time.Duration;
import java.util.List;

/**
 * How a call session streams audio to the recogniser.
 *
 * @param chunkMillis     audio per recogniser message (Vosk steps in 200 ms; whole samples only)
 * @param asrRate         resample to this rate before sending; 0 = the engine's required rate, else the call's
 * @param words           ask for word timings
 * @param maxAlternatives 0 for one best result
 * @param phraseList      phrases to bias recognition towards (engines may ignore it)
 * @param realTime        pace a finished recording like a live call instead of sending it as fast as possible
 * @param finishTimeout   how long to wait for the final result after end of call
 * @param reconnect       how a leg recovers from a broken recogniser connection (reconnect and replay)
 * @param vad             whether legs pass a voice-activity gate before the recogniser (default: two-leg calls do)
 * @param vadTuning       the gate's tuning when it is on; null = the one {@code vad} names
 * @param failedAudio     what a leg keeps of its audio once its recogniser failed for good (default: nothing)
 * @param keptAudio       whether a live leg keeps all of its audio in a WAV ({@code --keep-audio}; default: no)
 */
public record SessionSettings(int chunkMillis, int asrRate, boolean words, int maxAlternatives,
                              List<String> phraseList, boolean realTime, Duration finishTimeout,
                              ReconnectPolicy reconnect, VadMode vad, VadTuning vadTuning,
                              FailedAudio failedAudio, KeptAudio keptAudio) {

    public SessionSettings {
        if (chunkMillis < 10 || chunkMillis > 5000) {
            throw new IllegalArgumentException("chunk must be 10..5000 ms, not " + chunkMillis);
        }
        if (asrRate < 0) {
            throw new IllegalArgumentException("asr rate must be positive");
        }
        phraseList = List.copyOf(phraseList);
        java.util.Objects.requireNonNull(reconnect, "reconnect");
        java.util.Objects.requireNonNull(vad, "vad");
        java.util.Objects.requireNonNull(failedAudio, "failedAudio");
        java.util.Objects.requireNonNull(keptAudio, "keptAudio");
    }

    /** The gate tuning for a call of {@code legs} legs, or empty when its legs are not gated. */
    java.util.Optional<VadTuning> gateFor(int legs) {
        if (vad == VadMode.OFF) {
            return java.util.Optional.empty();
        }
        return vadTuning != null ? java.util.Optional.of(vadTuning) : vad.tuningFor(legs);
    }

    StreamOptions streamOptions(int sampleRate, String label) {
        return new StreamOptions(sampleRate, words, maxAlternatives, phraseList, label);
    }
}
