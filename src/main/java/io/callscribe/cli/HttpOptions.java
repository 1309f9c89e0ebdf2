package io.callscribe.cli;

import io.callscribe.web.WebSettings;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code run}'s HTTP side: the call API, live page and /metrics, and who may use them. */
final class HttpOptions {

    @Option(names = "--http", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Call API, live page and /metrics, or 'off' (default ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Access token for the HTTP API and page; required when --http is not a loopback address.")
    String token;

    @Option(names = "--http-allowed-hosts", split = ",", paramLabel = "NAME",
            description = "Extra names the HTTP Host header may carry (e.g. a reverse proxy's name; '*' for any). "
                    + "The bound address, and localhost on loopback, are always allowed; others are refused (DNS rebinding).")
    List<String> allowedHosts;

    /** The web server's settings; null with {@code --http off}. */
    WebSettings settings() {
        HostPort listen = HostPort.parse(address, "--http");
        return listen == null ? null : new WebSettings(listen.host(), listen.port(), token, allowedHosts);
    }
}
