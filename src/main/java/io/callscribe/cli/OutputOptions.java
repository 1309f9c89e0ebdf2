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

    @Option(names = "--fallback-dir", paramLabel = "DIR|off",
            description = "Where ended transcripts wait on disk while --out-dir cannot be written (full, read-only), "
                    + "moved to --out-dir as soon as it can be, at the latest at the next start; best on another "
                    + "file system. off = they wait in memory only (at most 1000). Default "
                    + "$XDG_STATE_HOME/callscribe/waiting/<out-dir> (~/.local/state when XDG_STATE_HOME is unset).")
    String fallbackDir;

    TranscriptFileSink files;

    /** {@code --fallback-dir}, else the per-user state directory's one for this out-dir; null with {@code off}. */
    Path fallbackDir() {
        if (fallbackDir != null) {
            return fallbackDir.equalsIgnoreCase("off") ? null : Path.of(fallbackDir);
        }
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("callscribe").resolve("waiting").resolve(keyOf(outDir));
    }

    /** A directory name for an out-dir: its absolute path made a file name, and a hash of it (distinct paths differ). */
    static String keyOf(Path outDir) {
        String abs = outDir.toAbsolutePath().normalize().toString();
        String readable = abs.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^_+", "");
        if (readable.length() > 80) {
            readable = readable.substring(readable.length() - 80);
        }
        return readable + "-" + String.format("%08x", abs.hashCode());
    }

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
        files = new TranscriptFileSink(outDir, fallbackDir()).reportErrorsTo(new SinkFanout(List.copyOf(sinks))::accept);
        sinks.add(0, files);
        return sinks;
    }
}
