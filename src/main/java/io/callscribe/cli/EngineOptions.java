package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.engine.Engines;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which recogniser a command uses: {@code --engine sphinx4|vosk|vosk-ws}, {@code --asr ws://...}, {@code --model DIR}. */
final class EngineOptions {

    @Option(names = "--engine", defaultValue = "sphinx4", paramLabel = "NAME",
            description = "Recogniser: sphinx4 (embedded, no setup), vosk (libvosk in-process, needs --model) "
                    + "or vosk-ws (a Vosk server, needs --asr). Default: ${DEFAULT-VALUE}; --asr implies vosk-ws.")
    String engine;

    @Option(names = "--asr", paramLabel = "URL", description = "Vosk server address, e.g. ws://127.0.0.1:2700.")
    String asr;

    @Option(names = "--model", paramLabel = "DIR", description = "Vosk model directory for --engine vosk.")
    Path model;

    /** A short description for messages before the engine exists. */
    String describe() {
        return asr != null ? asr : engine;
    }

    Recognizer create() {
        if (asr != null) {
            if (!asr.startsWith("ws://") && !asr.startsWith("wss://")) {
                throw new IllegalArgumentException("--asr must be a ws:// or wss:// address, not '" + asr + "'");
            }
            return Engines.builtIn().create(asr);
        }
        return switch (engine) {
            case "vosk-ws" -> throw new IllegalArgumentException("--engine vosk-ws needs --asr ws://HOST:PORT");
            default -> Engines.builtIn(model).create(engine);
        };
    }
}
