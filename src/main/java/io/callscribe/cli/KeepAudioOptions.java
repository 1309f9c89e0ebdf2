package io.callscribe.cli;

import io.callscribe.session.KeptAudio;
import picocli.CommandLine.Option;

/** {@code --keep-audio}: whether {@code callscribe run} keeps the audio of its live calls (docs/asterisk.md). */
final class KeepAudioOptions {

    @Option(names = "--keep-audio", defaultValue = "off", paramLabel = "DIR|off",
            description = "Keep each live call's audio (AudioSocket, ARI, chan_websocket), as the source delivered it, in "
                    + "DIR/<call>.audio.<speaker>.wav (<call>.audio.wav for one speaker), written as <name>.partial.wav "
                    + "and renamed when the speaker's stream ends; `callscribe transcribe` re-runs it. Recordings are "
                    + "kept anyway (default ${DEFAULT-VALUE}).")
    String keepAudio = "off";

    @Option(names = "--keep-audio-max-seconds", defaultValue = "14400", paramLabel = "SECONDS",
            description = "Audio kept per speaker of a call at most with --keep-audio; the rest is transcribed, not kept "
                    + "(default ${DEFAULT-VALUE} s).")
    long maxSeconds = 14_400;

    KeptAudio keptAudio() {
        return KeptAudio.parse(keepAudio, maxSeconds);
    }
}
