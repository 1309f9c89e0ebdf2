package io.callscribe.session;

import io.callscribe.asr.StreamOptions;

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
 */
public record SessionSettings(int chunkMillis, int asrRate, boolean words, int maxAlternatives,
                              List<String> phraseList, boolean realTime, Duration finishTimeout,
                              ReconnectPolicy reconnect) {

    public SessionSettings {
        if (chunkMillis < 10 || chunkMillis > 5000) {
            throw new IllegalArgumentException("chunk must be 10..5000 ms, not " + chunkMillis);
        }
        if (asrRate < 0) {
            throw new IllegalArgumentException("asr rate must be positive");
        }
        phraseList = List.copyOf(phraseList);
        java.util.Objects.requireNonNull(reconnect, "reconnect");
    }

    /** With the default reconnect policy. */
    public SessionSettings(int chunkMillis, int asrRate, boolean words, int maxAlternatives,
                           List<String> phraseList, boolean realTime, Duration finishTimeout) {
        this(chunkMillis, asrRate, words, maxAlternatives, phraseList, realTime, finishTimeout, ReconnectPolicy.defaults());
    }

    public static SessionSettings defaults() {
        return new SessionSettings(200, 0, true, 0, List.of(), false, Duration.ofSeconds(30));
    }

    public SessionSettings withRealTime(boolean realTime) {
        return new SessionSettings(chunkMillis, asrRate, words, maxAlternatives, phraseList, realTime, finishTimeout,
                reconnect);
    }

    public SessionSettings withReconnect(ReconnectPolicy policy) {
        return new SessionSettings(chunkMillis, asrRate, words, maxAlternatives, phraseList, realTime, finishTimeout,
                policy);
    }

    public SessionSettings withFinishTimeout(Duration timeout) {
        return new SessionSettings(chunkMillis, asrRate, words, maxAlternatives, phraseList, realTime, timeout,
                reconnect);
    }

    StreamOptions streamOptions(int sampleRate, String label) {
        return new StreamOptions(sampleRate, words, maxAlternatives, phraseList, label);
    }
}
