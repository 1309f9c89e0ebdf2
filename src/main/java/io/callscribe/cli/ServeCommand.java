package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.engine.Engines;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code callscribe serve}: a Vosk-protocol WebSocket server in front of a callscribe engine, so that
 * existing Vosk clients (res_speech_vosk, Jigasi, scripts) can use it. Runs until interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve an engine over the Vosk WebSocket protocol.",
                "Defaults come from VOSK_SERVER_INTERFACE, VOSK_SERVER_PORT, VOSK_SAMPLE_RATE, VOSK_ALTERNATIVES "
                        + "and VOSK_SHOW_WORDS when set; options override them."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", description = "Interface to bind (default 127.0.0.1).")
    String host;

    @Option(names = "--port", description = "Port to listen on (default 2700; 0 picks a free one).")
    Integer port;

    @Option(names = "--engine", defaultValue = "sphinx4",
            description = "Engine name or ws://host:port of another Vosk server (default ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--sample-rate", description = "Rate assumed when a client sends no config (default 8000).")
    Integer sampleRate;

    @Option(names = "--max-alternatives", description = "Default n-best count (default 0).")
    Integer maxAlternatives;

    @Option(names = "--show-words", arity = "1", description = "Word timings in finals by default: true or false (default true).")
    Boolean showWords;

    /** Counted down once the server listens; lets tests and wrappers wait for it. */
    final CountDownLatch listening = new CountDownLatch(1);
    volatile VoskProtocolServer server;

    private final Engines engines;
    private final Map<String, String> environment;

    public ServeCommand() {
        this(Engines.builtIn(), System.getenv());
    }

    ServeCommand(Engines engines, Map<String, String> environment) {
        this.engines = engines;
        this.environment = environment;
    }

    VoskServerSettings settings() {
        VoskServerSettings s = VoskServerSettings.fromEnvironment(environment);
        if (host != null) {
            s = s.withHost(host);
        }
        if (port != null) {
            s = s.withPort(port);
        }
        if (sampleRate != null) {
            s = s.withSampleRate(sampleRate);
        }
        if (maxAlternatives != null) {
            s = s.withMaxAlternatives(maxAlternatives);
        }
        if (showWords != null) {
            s = s.withShowWords(showWords);
        }
        return s;
    }

    @Override
    public Integer call() throws Exception {
        VoskServerSettings settings;
        Recognizer recognizer;
        try {
            settings = settings();
            recognizer = engines.create(engine);
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
