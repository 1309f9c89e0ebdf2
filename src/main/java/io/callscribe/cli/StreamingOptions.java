package io.callscribe.cli;

import io.callscribe.session.FailedAudio;
import io.callscribe.session.KeptAudio;
import io.callscribe.session.ReconnectPolicy;
import io.callscribe.session.SessionSettings;
import io.callscribe.vad.VadMode;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** How audio is streamed to the recogniser; shared by every command that runs calls. */
final class StreamingOptions {

    @Option(names = "--chunk-ms", defaultValue = "200", paramLabel = "MS",
            description = "Audio per recogniser message (default ${DEFAULT-VALUE} ms).")
    int chunkMs;

    @Option(names = "--asr-rate", defaultValue = "0", paramLabel = "HZ",
            description = "Resample calls to this rate before recognition, e.g. 16000 for a wideband model "
                    + "(default: the engine's own rate, else the call's).")
    int asrRate;

    @Option(names = "--max-alternatives", defaultValue = "0", paramLabel = "N", description = "N-best alternatives (default 0).")
    int maxAlternatives;

    @Option(names = "--phrase-list", split = ",", paramLabel = "PHRASE",
            description = "Phrases to favour, comma-separated (ignored by static-graph models).")
    List<String> phraseList;

    @Option(names = "--finish-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long to wait for the final result at end of call (default ${DEFAULT-VALUE} s).")
    int finishTimeoutSeconds;

    @Option(names = "--reconnect-attempts", defaultValue = "8", paramLabel = "N",
            description = "Reconnects (with backoff) when the recogniser connection breaks mid-call; the audio since "
                    + "the last final is replayed. 0 = fail the call at once (default ${DEFAULT-VALUE}).")
    int reconnectAttempts = 8;

    @Option(names = "--reconnect-max", defaultValue = "60", paramLabel = "SECONDS",
            description = "Give up reconnecting after this long per outage (default ${DEFAULT-VALUE} s).")
    int reconnectMaxSeconds = 60;

    @Option(names = "--vad", defaultValue = "auto", paramLabel = "MODE", converter = VadModeConverter.class,
            description = "Voice-activity gate before the recogniser: silence longer than a hangover is not sent. "
                    + "auto (default) = on for two-leg calls, off for one; off; on; aggressive (louder speech only, "
                    + "shorter margins).")
    VadMode vad = VadMode.AUTO;

    static final class VadModeConverter implements picocli.CommandLine.ITypeConverter<VadMode> {
        @Override
        public VadMode convert(String value) {
            return VadMode.parse(value);
        }
    }

    /**
     * How calls stream; {@code failedAudio}: what a leg keeps of its audio once its recogniser failed for good;
     * {@code keptAudio}: whether live legs keep all of their audio ({@code run --keep-audio}).
     */
    SessionSettings settings(boolean realTime, FailedAudio failedAudio, KeptAudio keptAudio) {
        ReconnectPolicy reconnect = ReconnectPolicy.defaults().withAttempts(reconnectAttempts)
                .withMaxTotal(Duration.ofSeconds(reconnectMaxSeconds));
        return new SessionSettings(chunkMs, asrRate, true, maxAlternatives, phraseList == null ? List.of() : phraseList,
                realTime, Duration.ofSeconds(finishTimeoutSeconds), reconnect, vad, null, failedAudio, keptAudio);
    }
}
