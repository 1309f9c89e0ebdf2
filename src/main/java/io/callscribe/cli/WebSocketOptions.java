package io.callscribe.cli;

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

    /** The listener's settings, {@code defaultToken} (the HTTP one) without {@code --websocket-token}; null when off. */
    MediaWebSocketServer.Config config(String defaultToken) {
        HostPort listen = HostPort.parse(address, "--websocket");
        return listen == null ? null : new MediaWebSocketServer.Config(listen.host(), listen.port(),
                token != null ? token : defaultToken, MediaWebSocketCall.Config.defaults());
    }
}
