package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.engine.Engines;
import picocli.CommandLine.Mixin;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code callscribe serve}: a Vosk-protocol WebSocket server in front of any callscribe engine (the same
 * {@code --engine}, {@code --model}, {@code --asr} options as the other commands), so that existing Vosk
 * clients (res_speech_vosk, Jigasi, scripts) can use it. Clients may send any sample rate their config
 * names; it is resampled to the engine's own. Runs until interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve an engine over the Vosk WebSocket protocol.",
                "Defaults come from VOSK_SERVER_INTERFACE, VOSK_SERVER_PORT, VOSK_SAMPLE_RATE, VOSK_ALTERNATIVES "
                        + "and VOSK_SHOW_WORDS when set; options override them."})
public final class ServeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--host", description = "Interface to bind (default 127.0.0.1).")
    String host;

    @Option(names = "--port", description = "Port to listen on (default 2700; 0 picks a free one).")
    Integer port;

    @Mixin EngineOptions engine = new EngineOptions();

    @Option(names = "--sample-rate", description = "Rate assumed when a client sends no config (default 8000); "
            + "every rate is resampled to the engine's own.")
    Integer sampleRate;

    @Option(names = "--max-alternatives", description = "Default n-best count (default 0).")
    Integer maxAlternatives;

    @Option(names = "--show-words", arity = "1", description = "Word timings in finals by default: true or false (default true).")
    Boolean showWords;

    @Option(names = "--max-connections", description = "Connections served at once; more are closed with 1013 "
            + "\"try again later\" (default: 4 per core, at least 8).")
    Integer maxConnections;

    /** Counted down once the server listens; lets tests and wrappers wait for it. */
    final CountDownLatch listening = new CountDownLatch(1);
    volatile VoskProtocolServer server;

    private final Map<String, String> environment;

    public ServeCommand() {
        this(Engines.builtIn(), System.getenv());
    }

    ServeCommand(Engines engines, Map<String, String> environment) {
        this.engine.engines = engines;
        this.environment = environment;
    }

    /** The VOSK_* variables with the options laid over them: an option means what its variable means. */
    VoskServerSettings settings() {
        Map<String, String> values = new HashMap<>(environment);
        overlay(values, "VOSK_SERVER_INTERFACE", host);
        overlay(values, "VOSK_SERVER_PORT", port);
        overlay(values, "VOSK_SAMPLE_RATE", sampleRate);
        overlay(values, "VOSK_ALTERNATIVES", maxAlternatives);
        overlay(values, "VOSK_SHOW_WORDS", showWords);
        VoskServerSettings.Tuning tuning = VoskServerSettings.Tuning.defaults();
        return VoskServerSettings.fromEnvironment(values, maxConnections == null ? tuning : tuning.withMaxConnections(maxConnections));
    }

    private static void overlay(Map<String, String> values, String variable, Object option) {
        if (option != null) {
            values.put(variable, option.toString());
        }
    }

    @Override
    public Integer call() throws Exception {
        VoskServerSettings settings;
        Recognizer recognizer;
        try {
            settings = settings();
            recognizer = engine.create();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("callscribe serve: " + e.getMessage());
            return 2;
        }
        boolean interrupted = false;
        try (recognizer; VoskProtocolServer s = VoskProtocolServer.start(recognizer, settings)) {
            server = s;
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(stop::countDown, "serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            listening.countDown();
            try {
                stop.await();
            } catch (InterruptedException e) {
                interrupted = true; // stop the server first: Jetty's stop refuses to run interrupted
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is already exiting
                }
            }
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("callscribe serve: cannot listen on " + settings.host() + ":"
                    + settings.port() + ": " + e.getMessage());
            return 1;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
