package io.callscribe.engine;

import io.callscribe.asr.Recognizer;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Resolves an engine name to a {@link Recognizer}. Engines register a supplier under a short name; a
 * {@code ws://} or {@code wss://} address names a remote Vosk server instead.
 */
public final class Engines {

    private final Map<String, Supplier<? extends Recognizer>> suppliers = new TreeMap<>();

    /** The engines built into callscribe. */
    public static Engines builtIn() {
        return builtIn(null);
    }

    /** The built-in engines; {@code voskModel} is the model directory for the in-process {@code vosk} engine. */
    public static Engines builtIn(java.nio.file.Path voskModel) {
        Engines engines = new Engines();
        engines.register("sphinx4", io.callscribe.engine.sphinx.Sphinx4Recognizer::new);
        engines.register("vosk", () -> {
            if (voskModel == null) {
                throw new IllegalArgumentException("--engine vosk needs --model DIR. "
                        + io.callscribe.engine.vosk.VoskModelDirectory.HOW_TO_GET);
            }
            try {
                return new io.callscribe.engine.vosk.VoskLibRecognizer(voskModel);
            } catch (io.callscribe.asr.RecognizerException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        });
        return engines;
    }

    /** Adds or replaces an engine. Returns this for chaining. */
    public synchronized Engines register(String name, Supplier<? extends Recognizer> supplier) {
        if (name == null || name.isBlank() || name.contains("://")) {
            throw new IllegalArgumentException("engine name must be a plain word, got '" + name + "'");
        }
        suppliers.put(name, supplier);
        return this;
    }

    public synchronized Set<String> names() {
        return Set.copyOf(suppliers.keySet());
    }

    /**
     * Creates the engine called {@code name}.
     *
     * @throws IllegalArgumentException naming the known engines when there is none by that name
     */
    public Recognizer create(String name) {
        if (name.startsWith("ws://") || name.startsWith("wss://")) {
            return new VoskWebSocketRecognizer(URI.create(name));
        }
        Supplier<? extends Recognizer> supplier;
        synchronized (this) {
            supplier = suppliers.get(name);
        }
        if (supplier == null) {
            throw new IllegalArgumentException("unknown engine '" + name + "'; known: "
                    + (suppliers.isEmpty() ? "none built in" : String.join(", ", new TreeMap<>(suppliers).keySet()))
                    + ", or a Vosk server address ws://host:port");
        }
        return supplier.get();
    }
}
