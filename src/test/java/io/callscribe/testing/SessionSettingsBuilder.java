package io.callscribe.testing;

import io.callscribe.session.FailedAudio;
import io.callscribe.session.KeptAudio;
import io.callscribe.session.ReconnectPolicy;
import io.callscribe.session.SessionSettings;
import io.callscribe.vad.VadMode;
import io.callscribe.vad.VadTuning;

import java.time.Duration;
import java.util.List;

/**
 * Test support: session settings through {@link SessionSettings}' one constructor, the one {@code callscribe}'s
 * options use, starting from the defaults of those options (200 ms chunks, the engine's rate, words, one best
 * result, 30 s to finish, the default reconnect policy, {@code --vad auto}, no failed audio kept, no live audio kept).
 */
public final class SessionSettingsBuilder {

    private int chunkMillis = 200;
    private int asrRate;
    private boolean words = true;
    private int maxAlternatives;
    private List<String> phraseList = List.of();
    private boolean realTime;
    private Duration finishTimeout = Duration.ofSeconds(30);
    private ReconnectPolicy reconnect = ReconnectPolicy.defaults();
    private VadMode vad = VadMode.AUTO;
    private VadTuning vadTuning;
    private FailedAudio failedAudio = FailedAudio.OFF;
    private KeptAudio keptAudio = KeptAudio.OFF;

    private SessionSettingsBuilder() {
    }

    public static SessionSettingsBuilder settings() {
        return new SessionSettingsBuilder();
    }

    /** These settings, to change some of them. */
    public static SessionSettingsBuilder from(SessionSettings s) {
        SessionSettingsBuilder b = new SessionSettingsBuilder();
        b.chunkMillis = s.chunkMillis();
        b.asrRate = s.asrRate();
        b.words = s.words();
        b.maxAlternatives = s.maxAlternatives();
        b.phraseList = s.phraseList();
        b.realTime = s.realTime();
        b.finishTimeout = s.finishTimeout();
        b.reconnect = s.reconnect();
        b.vad = s.vad();
        b.vadTuning = s.vadTuning();
        b.failedAudio = s.failedAudio();
        b.keptAudio = s.keptAudio();
        return b;
    }

    /** The defaults, as they are. */
    public static SessionSettings defaults() {
        return settings().build();
    }

    public SessionSettingsBuilder chunkMillis(int millis) {
        chunkMillis = millis;
        return this;
    }

    public SessionSettingsBuilder finishTimeout(Duration timeout) {
        finishTimeout = timeout;
        return this;
    }

    public SessionSettingsBuilder reconnect(ReconnectPolicy policy) {
        reconnect = policy;
        return this;
    }

    /** A mode's own gate tuning. */
    public SessionSettingsBuilder vad(VadMode mode) {
        vad = mode;
        vadTuning = null;
        return this;
    }

    /** Every leg gated with this tuning. */
    public SessionSettingsBuilder vadTuning(VadTuning tuning) {
        vad = VadMode.ON;
        vadTuning = tuning;
        return this;
    }

    public SessionSettingsBuilder failedAudio(FailedAudio keep) {
        failedAudio = keep;
        return this;
    }

    public SessionSettingsBuilder keptAudio(KeptAudio keep) {
        keptAudio = keep;
        return this;
    }

    public SessionSettings build() {
        return new SessionSettings(chunkMillis, asrRate, words, maxAlternatives, phraseList, realTime, finishTimeout,
                reconnect, vad, vadTuning, failedAudio, keptAudio);
    }
}
