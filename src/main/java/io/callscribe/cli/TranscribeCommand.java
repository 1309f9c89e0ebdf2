package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.event.CallIds;
import io.callscribe.session.CallOutcome;
import io.callscribe.session.CallSession;
import io.callscribe.sink.SinkFanout;
import io.callscribe.source.RecordingFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
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

    @Mixin CallOptions calls = new CallOptions();

    @Option(names = "--call-id", paramLabel = "ID", description = "Call id in events and file names (default: the file's base name).")
    String callId;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "HZ",
            description = "Sample rate of a headerless file when its extension does not say (default: 8000 for .sln/.raw).")
    int rate;

    @Mixin RecordingOptions recording = new RecordingOptions();

    @Option(names = "--realtime", description = "Pace a finished recording like a live call instead of sending it as fast as possible.")
    boolean realTime;

    @Override
    public Integer call() throws Exception {
        Logging.warningsOnly();
        String id = callId != null ? CallIds.require(callId) : CallIds.sanitize(RecordingFormat.baseName(file));
        List<CallSession.Leg> legs = recording.legs(file, rate);
        try (Recognizer recognizer = calls.engine.create();
             SinkFanout sinks = new SinkFanout(calls.output.sinks(true, false))) {
            CallSession session = new CallSession(id, legs, recognizer, calls.session(realTime), sinks);
            Signals.onTerminate(session::stop);
            CallOutcome outcome = session.run();
            sinks.close();
            if (!calls.output.jsonl) {
                System.err.println("transcript: " + calls.output.files.jsonPath(id) + " and " + calls.output.files.textPath(id));
            }
            return outcome.ok() ? 0 : 1;
        }
    }
}
