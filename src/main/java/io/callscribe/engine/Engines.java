package io.callscribe.engine;

import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerPool;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.vosk.VoskLibRecognizer;
import io.callscribe.engine.vosk.VoskModelDirectory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The one engine factory: {@code transcribe}, {@code run}, {@code demo} and {@code serve} all turn their
 * {@code --engine}, {@code --asr}, {@code --model} and tuning options into a {@link Choice} and create the
 * recogniser here. Engines are registered under a short name; tests register their own. Register
 * everything before the first {@link #create} (registration is not thread-safe; creating is).
 */
public final class Engines {

    /**
     * What a command asked for.
     *
     * @param engine          engine name ({@code sphinx4}, {@code vosk}, {@code vosk-ws})
     * @param asr             comma-separated Vosk server addresses; when set, the engine is {@code vosk-ws}
     * @param model           Vosk model directory for {@code vosk}; may be null
     * @param asrReplyTimeout a Vosk server that leaves audio unanswered this long is treated as down
     * @param asrMaxReplyChars a longer reply from a Vosk server fails the stream instead of being buffered
     */
    public record Choice(String engine, String asr, Path model, Duration asrReplyTimeout, int asrMaxReplyChars) {
        public static Choice of(String engine) {
            return new Choice(engine, null, null, VoskWebSocketRecognizer.DEFAULT_REPLY_TIMEOUT,
                    VoskWebSocketRecognizer.DEFAULT_MAX_REPLY_CHARS);
        }

        /** The engine name in force: {@code --asr} implies {@code vosk-ws}. */
        public String engineName() {
            return asr != null ? "vosk-ws" : engine;
        }
    }

    private final Map<String, Function<Choice, ? extends Recognizer>> makers = new TreeMap<>();

    /** sphinx4 (embedded), vosk (libvosk, needs a model), vosk-ws (Vosk servers, needs addresses). */
    public static Engines builtIn() {
        return new Engines()
                .register("sphinx4", choice -> {
                    rejectModel(choice, "the embedded Sphinx4 engine has its own models");
                    return new Sphinx4Recognizer();
                })
                .register("vosk", Engines::libvosk)
                .register("vosk-ws", Engines::voskServers);
    }

    /** Adds or replaces an engine. Returns this for chaining. */
    public Engines register(String name, Function<Choice, ? extends Recognizer> maker) {
        if (name == null || name.isBlank() || name.contains("://")) {
            throw new IllegalArgumentException("engine name must be a plain word, got '" + name + "'");
        }
        makers.put(name, maker);
        return this;
    }

    /**
     * Creates the engine the choice names.
     *
     * @throws IllegalArgumentException in one line: an unknown engine (naming the known ones), a missing
     *                                  or unusable model directory, a malformed server address
     */
    public Recognizer create(Choice choice) {
        Function<Choice, ? extends Recognizer> maker = makers.get(choice.engineName());
        if (maker == null) {
            throw new IllegalArgumentException("unknown engine '" + choice.engineName() + "'; known: "
                    + (makers.isEmpty() ? "none" : String.join(", ", makers.keySet())));
        }
        return maker.apply(choice);
    }

    /** A model directory given to an engine that would ignore it is refused, so that nobody thinks it is in use. */
    private static void rejectModel(Choice choice, String why) {
        if (choice.model() != null) {
            throw new IllegalArgumentException("--model " + choice.model() + " is for --engine vosk (libvosk), but the engine is "
                    + choice.engineName() + ": " + why);
        }
    }

    private static Recognizer libvosk(Choice choice) {
        if (choice.model() == null) {
            throw new IllegalArgumentException("--engine vosk needs --model DIR; " + VoskModelDirectory.HOW_TO_GET);
        }
        try {
            return new VoskLibRecognizer(choice.model());
        } catch (RecognizerException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Recognizer voskServers(Choice choice) {
        if (choice.asr() == null || choice.asr().isBlank()) {
            throw new IllegalArgumentException("--engine vosk-ws needs --asr ws://HOST:PORT");
        }
        rejectModel(choice, "--asr " + choice.asr() + " sends the audio to a Vosk server, which has its own model");
        List<Recognizer> servers = new ArrayList<>();
        for (String address : choice.asr().split(",")) {
            String a = address.strip();
            if (!a.startsWith("ws://") && !a.startsWith("wss://")) {
                throw new IllegalArgumentException("--asr must be ws:// or wss:// addresses, not '" + a + "'");
            }
            servers.add(new VoskWebSocketRecognizer(URI.create(a), VoskWebSocketRecognizer.DEFAULT_CONNECT_TIMEOUT,
                    VoskWebSocketRecognizer.DEFAULT_MAX_IN_FLIGHT, choice.asrReplyTimeout(), choice.asrMaxReplyChars()));
        }
        return servers.size() == 1 ? servers.get(0) : new RecognizerPool(servers);
    }
}
