package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.service.TailingRecordingOpener;
import io.callscribe.event.CallIds;
import io.callscribe.session.CallOutcome;
import io.callscribe.session.CallSession;
import io.callscribe.sink.SinkFanout;
import io.callscribe.source.AudioSource;
import io.callscribe.source.RecordingFormat;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code callscribe transcribe FILE}: one call recording, transcribed while Asterisk is still writing it
 * (or at once when it is finished). Exit status 0 when the call was transcribed without errors.
 */
@Command(name = "transcribe", mixinStandardHelpOptions = true,
        description = {"Transcribe one call recording live, while it is still being written.",
                "Ends when MixMonitor closes the file, when it stops growing for --idle-timeout, or on Ctrl-C."})
public final class TranscribeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "Recording: .wav, .wav16, .sln, .sln16, .raw (may not exist yet).")
    Path file;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Mixin
    StreamingOptions streaming = new StreamingOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Option(names = "--call-id", paramLabel = "ID", description = "Call id in events and file names (default: the file's base name).")
    String callId;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "HZ",
            description = "Sample rate of a headerless file when its extension does not say (default: 8000 for .sln/.raw).")
    int rate;

    @Option(names = "--channels", defaultValue = "1", paramLabel = "N",
            description = "2 for a 2-channel .raw (MixMonitor D option): each channel is transcribed as a speaker.")
    int channels;

    @Option(names = "--speakers", split = ",", defaultValue = "caller,agent", paramLabel = "A,B",
            description = "Speaker names of the two channels with --channels 2 (default ${DEFAULT-VALUE}).")
    List<String> speakers;

    @Option(names = "--idle-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "End the call when the file has not grown for this long (default ${DEFAULT-VALUE} s).")
    int idleTimeoutSeconds;

    @Option(names = "--realtime", description = "Pace a finished recording like a live call instead of sending it as fast as possible.")
    boolean realTime;

    @Override
    public Integer call() throws Exception {
        Logging.warningsOnly();
        String id = callId != null ? CallIds.require(callId) : CallIds.sanitize(RecordingFormat.baseName(file));
        TailOptions tail = TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(idleTimeoutSeconds));
        AudioSource source = RecordingTailer.open(file, rate, channels, tail);
        List<CallSession.Leg> legs = TailingRecordingOpener.legsOf(source, channels, speakers, null);
        try (Recognizer recognizer = engine.create();
             SinkFanout sinks = new SinkFanout(output.sinks(true, false))) {
            CallSession session = new CallSession(id, legs, recognizer, streaming.settings(realTime).withFailedAudio(output.failedAudio()), sinks);
            Signals.onTerminate(session::stop);
            CallOutcome outcome = session.run();
            sinks.close();
            if (!output.jsonl) {
                System.err.println("transcript: " + output.files.jsonPath(id) + " and " + output.files.textPath(id));
            }
            return outcome.ok() ? 0 : 1;
        }
    }
}
