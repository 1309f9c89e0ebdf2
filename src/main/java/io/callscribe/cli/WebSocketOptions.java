package io.callscribe.cli;

import io.callscribe.source.BufferLimits;
import io.callscribe.source.websocket.MediaWebSocketCall;
import io.callscribe.source.websocket.MediaWebSocketServer;
import picocli.CommandLine.Option;

/** {@code run}'s chan_websocket listener, which Asterisk connects to. */
final class WebSocketOptions {

    @Option(names = "--websocket", defaultValue = "off", paramLabel = "HOST:PORT",
            description = "chan_websocket listener that Asterisk connects to (websocket_client.conf uri = ws://HOST:PORT), "
                    + "or 'off' (default ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--websocket-token", paramLabel = "TOKEN",
            description = "Token Asterisk must send (websocket_client.conf password); default --token. "
                    + "Required when --websocket is not a loopback address.")
    String token;

    @Option(names = "--websocket-max-calls", defaultValue = "500", paramLabel = "N",
            description = "chan_websocket connections at once; one more is closed with 1013 (try again later) (default ${DEFAULT-VALUE}).")
    int maxCalls;

    @Option(names = "--websocket-buffer-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "Audio per chan_websocket call kept in memory while the recogniser lags (default ${DEFAULT-VALUE}).")
    int bufferSeconds;

    @Option(names = "--websocket-max-spill-seconds", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Audio per chan_websocket call kept in a temp file beyond that; beyond both, the call ends with an "
                    + "error and what arrived is transcribed (default ${DEFAULT-VALUE}).")
    int maxSpillSeconds;

    /** The listener's settings, {@code defaultToken} (the HTTP one) without {@code --websocket-token}; null when off. */
    MediaWebSocketServer.Config config(String defaultToken) {
        HostPort listen = HostPort.parse(address, "--websocket");
        return listen == null ? null : new MediaWebSocketServer.Config(listen.host(), listen.port(),
                token != null ? token : defaultToken,
                MediaWebSocketCall.Config.of(BufferLimits.of("--websocket", bufferSeconds, maxSpillSeconds)), maxCalls);
    }
}
