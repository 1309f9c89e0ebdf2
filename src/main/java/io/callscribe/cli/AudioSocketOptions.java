package io.callscribe.cli;

import io.callscribe.source.audiosocket.AudioSocketServer;
import picocli.CommandLine.Option;

import java.time.Duration;

/** {@code run}'s AudioSocket listener and its limits per call. */
final class AudioSocketOptions {

    @Option(names = "--audiosocket", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT",
            description = "AudioSocket listener, or 'off' (default ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--audiosocket-max-calls", defaultValue = "500", paramLabel = "N",
            description = "AudioSocket calls connected at once; more are refused (default ${DEFAULT-VALUE}).")
    int maxCalls;

    @Option(names = "--audiosocket-buffer-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "Audio per AudioSocket call kept in memory while the recogniser lags (default ${DEFAULT-VALUE}).")
    int bufferSeconds;

    @Option(names = "--audiosocket-max-spill-seconds", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Audio per AudioSocket call kept in a temp file beyond that; beyond both, the call ends with an error "
                    + "and what arrived is transcribed (default ${DEFAULT-VALUE}).")
    int maxSpillSeconds;

    @Option(names = "--audiosocket-read-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "An AudioSocket call that sends nothing for this long has ended (default ${DEFAULT-VALUE}).")
    int readTimeoutSeconds;

    /** The listen address; null with {@code --audiosocket off}. */
    HostPort listen() {
        return HostPort.parse(address, "--audiosocket");
    }

    /** The listener's settings; null with {@code --audiosocket off}. */
    AudioSocketServer.Config config() {
        HostPort listen = listen();
        return listen == null ? null : AudioSocketServer.Config.of(listen.host(), listen.port(), maxCalls, bufferSeconds,
                maxSpillSeconds, Duration.ofSeconds(readTimeoutSeconds));
    }
}
