package io.callscribe.cli;

import io.callscribe.service.CallManager;
import io.callscribe.service.SpoolWatcher;
import io.callscribe.transcript.TranscriptHandOff;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code run}'s MixMonitor spool: which directory, how its recordings pair up and are read, how many at once. */
final class SpoolOptions {

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--spool", defaultValue = "/var/spool/asterisk/monitor", paramLabel = "DIR",
            description = "MixMonitor directory to watch for recordings, or 'off' (default ${DEFAULT-VALUE}).")
    String dir;

    Map<String, String> legs = parseLegs("-in=caller,-out=agent");

    @Option(names = "--spool-legs", defaultValue = "-in=caller,-out=agent", paramLabel = "SUFFIX=SPEAKER,...",
            description = "File-name suffixes of r()/t() recordings and their speakers, or 'off' (default ${DEFAULT-VALUE}).")
    void legs(String text) {
        try {
            legs = parseLegs(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static Map<String, String> parseLegs(String text) {
        Map<String, String> legs = new LinkedHashMap<>();
        if (text == null || text.isBlank() || text.equalsIgnoreCase("off")) {
            return legs;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("--spool-legs: '" + pair.strip()
                        + "' is not SUFFIX=SPEAKER (for example -in=caller); use 'off' for no pairing");
            }
            legs.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return legs;
    }

    @Option(names = "--spool-include-existing",
            description = "Also transcribe finished recordings that are in the spool at start-up.")
    boolean includeExisting;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "Where handled recordings are listed (default <out-dir>/.spool-state).")
    Path stateFile;

    @Option(names = "--spool-max-calls", defaultValue = "200", paramLabel = "N",
            description = "Spool recordings transcribed at once; more wait in the spool (default ${DEFAULT-VALUE}).")
    int maxCalls;

    @Mixin RecordingOptions recording = new RecordingOptions();

    /** The list of handled recordings: {@code --state-file}, else in the transcripts directory. */
    Path stateFile(Path outDir) {
        return stateFile != null ? stateFile : outDir.resolve(".spool-state");
    }

    /** A watcher of the spool, not yet started; null with {@code --spool off}. */
    SpoolWatcher watcher(Path outDir, CallManager calls, TranscriptHandOff handOff) {
        if (dir == null || dir.isBlank() || dir.equalsIgnoreCase("off")) {
            return null;
        }
        SpoolWatcher.Settings settings = new SpoolWatcher.Settings(Path.of(dir), legs, Duration.ofSeconds(1),
                Duration.ofSeconds(2), stateFile(outDir), includeExisting);
        return new SpoolWatcher(settings, recording.opener(), calls, handOff).maxCalls(maxCalls);
    }
}
