package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerPool;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.engine.Engines;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Which recogniser a command uses: {@code --engine sphinx4|vosk|vosk-ws}, {@code --asr ws://...}, {@code --model DIR}. */
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

    @Option(names = "--model", paramLabel = "DIR", description = "Vosk model directory for --engine vosk.")
    Path model;

    /** A short description for messages before the engine exists. */
    String describe() {
        return asr != null ? asr : engine;
    }

    Recognizer create() {
        if (asr != null) {
            List<Recognizer> servers = new ArrayList<>();
            for (String address : asr.split(",")) {
                String a = address.strip();
                if (!a.startsWith("ws://") && !a.startsWith("wss://")) {
                    throw new IllegalArgumentException("--asr must be ws:// or wss:// addresses, not '" + a + "'");
                }
                servers.add(new VoskWebSocketRecognizer(URI.create(a), VoskWebSocketRecognizer.DEFAULT_CONNECT_TIMEOUT,
                        VoskWebSocketRecognizer.DEFAULT_MAX_IN_FLIGHT, Duration.ofSeconds(asrReplyTimeoutSeconds)));
            }
            return servers.size() == 1 ? servers.get(0) : new RecognizerPool(servers);
        }
        return switch (engine) {
            case "vosk-ws" -> throw new IllegalArgumentException("--engine vosk-ws needs --asr ws://HOST:PORT");
            default -> Engines.builtIn(model).create(engine);
        };
    }
}
