package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.engine.Engines;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Which recogniser a command uses, the same options on {@code transcribe}, {@code run}, {@code demo} and
 * {@code serve}: {@code --engine sphinx4|vosk|vosk-ws}, {@code --asr ws://...}, {@code --model DIR} and
 * {@code --asr-reply-timeout}. The engine itself comes from the one factory, {@link Engines}.
 */
final class EngineOptions {

    @Option(names = "--engine", defaultValue = "sphinx4", paramLabel = "NAME",
            description = "Recogniser: sphinx4 (embedded, no setup), vosk (libvosk in-process, needs --model) "
                    + "or vosk-ws (a Vosk server, needs --asr). Default: ${DEFAULT-VALUE}; --asr implies vosk-ws.")
    String engine;

    @Option(names = "--asr", paramLabel = "URL[,URL...]",
            description = "Vosk server address, e.g. ws://127.0.0.1:2700; several comma-separated share the calls "
                    + "(least loaded first, a failed one is skipped for a while, calls on it move to another).")
    String asr;

    @Option(names = "--asr-reply-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "A Vosk server that leaves audio unanswered this long is treated as down (default ${DEFAULT-VALUE} s).")
    int asrReplyTimeoutSeconds = 15;

    @Option(names = "--asr-max-reply-kib", defaultValue = "1024", paramLabel = "KIB",
            description = "Longest reply taken from a Vosk server: a longer one fails the stream, which reconnects and "
                    + "replays its audio, instead of being buffered (default ${DEFAULT-VALUE} KiB; a result is a few).")
    int asrMaxReplyKib = 1024;

    @Option(names = "--model", paramLabel = "DIR", description = "Vosk model directory for --engine vosk.")
    Path model;

    /** Where engines come from; tests put their own in. */
    Engines engines = Engines.builtIn();

    /** A short description for messages before the engine exists. */
    String describe() {
        return asr != null ? asr : engine;
    }

    Engines.Choice choice() {
        if (asrMaxReplyKib < 1 || asrMaxReplyKib > 1 << 20) {
            throw new IllegalArgumentException("--asr-max-reply-kib must be 1 to 1048576 (KiB), got " + asrMaxReplyKib);
        }
        return new Engines.Choice(engine, asr, model, Duration.ofSeconds(asrReplyTimeoutSeconds), asrMaxReplyKib * 1024);
    }

    Recognizer create() {
        return engines.create(choice());
    }
}
