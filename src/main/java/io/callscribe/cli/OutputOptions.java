package io.callscribe.cli;

import io.callscribe.session.FailedAudio;
import io.callscribe.sink.ConsoleSink;
import io.callscribe.sink.JsonLinesSink;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.sink.TranscriptSink;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where transcripts go: console view or JSON lines on stdout, an event log, transcript files. */
final class OutputOptions {

    @Option(names = "--jsonl", description = "Print events as JSON lines on stdout instead of the console view.")
    boolean jsonl;

    @Option(names = "--events", paramLabel = "FILE", description = "Also append every event as a JSON line to FILE.")
    Path events;

    @Option(names = "--out-dir", defaultValue = "transcripts", paramLabel = "DIR",
            description = "Where <call>.json, .txt and .vtt are written at end of call (default ./${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--keep-failed-audio", defaultValue = "3600", paramLabel = "SECONDS|off",
            description = "When the recogniser fails for good mid-call, keep the audio it did not transcribe (from its "
                    + "last final to the end of the call) in <out-dir>/<call>.unrecognised.wav for `callscribe transcribe`, "
                    + "at most this many seconds per speaker; off = keep nothing. Recordings are kept anyway "
                    + "(default ${DEFAULT-VALUE}).")
    String keepFailedAudio = "3600";

    TranscriptFileSink files;

    /** What a call keeps of its audio once its recogniser failed for good. */
    FailedAudio failedAudio() {
        return FailedAudio.parse(keepFailedAudio, outDir);
    }

    /** The sinks for a command; {@code showCallId} when several calls share the console. */
    List<TranscriptSink> sinks(boolean console, boolean showCallId) throws IOException {
        List<TranscriptSink> sinks = new ArrayList<>();
        if (jsonl) {
            sinks.add(JsonLinesSink.to(System.out));
        } else if (console) {
            sinks.add(ConsoleSink.stdout(showCallId));
        }
        if (events != null) {
            sinks.add(JsonLinesSink.appendingTo(events));
        }
        // The transcript files come first: when they cannot be written, the error event it reports reaches the
        // other sinks before the call's call_end (see TranscriptFileSink#reportErrorsTo).
        files = new TranscriptFileSink(outDir).reportErrorsTo(new SinkFanout(List.copyOf(sinks))::accept);
        sinks.add(0, files);
        return sinks;
    }
}
