package io.callscribe.cli;

import io.callscribe.service.TailingRecordingOpener;
import io.callscribe.session.CallSession;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** How recordings are read while Asterisk writes them: {@code transcribe}'s one file, {@code run}'s spool. */
final class RecordingOptions {

    @Option(names = {"--channels", "--raw-channels"}, defaultValue = "1", paramLabel = "N",
            description = "Channels of a .raw recording: 2 for MixMonitor's D option, each channel transcribed as a speaker "
                    + "(default ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = {"--speakers", "--stereo-speakers"}, split = ",", defaultValue = "caller,agent", paramLabel = "A,B",
            description = "Speakers of the two channels of a 2-channel recording (default ${DEFAULT-VALUE}).")
    List<String> speakers;

    @Option(names = "--idle-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "A recording that stops growing for this long has ended (default ${DEFAULT-VALUE} s).")
    int idleTimeoutSeconds;

    private TailOptions tail() {
        return TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(idleTimeoutSeconds));
    }

    /** The legs of one recording, {@code rate} for a headerless file whose extension does not say (0: its default). */
    List<CallSession.Leg> legs(Path file, int rate) throws IOException {
        return TailingRecordingOpener.legsOf(RecordingTailer.open(file, rate, channels, tail()), channels, speakers, null);
    }

    /** Opens the spool's recordings: {@code --channels} applies to {@code .raw} files. */
    TailingRecordingOpener opener() {
        return new TailingRecordingOpener(tail(), channels, speakers);
    }
}
