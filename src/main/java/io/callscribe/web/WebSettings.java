package io.callscribe.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where the web server listens, the access token and the host names it answers to. A token, when set, is
 * required by every endpoint except {@code /health} (and the static page files, which hold no call data).
 * Listening on anything but a loopback address without a token is refused.
 *
 * @param host         address to bind; {@code 127.0.0.1} by default
 * @param port         TCP port; 0 picks a free one ({@link WebServer#port()} tells which)
 * @param token        access token, or null
 * @param allowedHosts extra names a request's {@code Host} header may carry (for example the name of a reverse
 *                     proxy); the bound address, {@code localhost}/{@code 127.0.0.1}/{@code [::1]} on loopback and
 *                     this machine's addresses and name on a wildcard bind are always allowed. {@code *} allows any.
 */
public record WebSettings(String host, int port, String token, List<String> allowedHosts) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public WebSettings {
        if (host == null || host.isBlank()) {
            host = DEFAULT_HOST;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("web port " + port + " is not in 0..65535");
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        allowedHosts = allowedHosts == null ? List.of() : allowedHosts.stream()
                .map(String::strip).filter(h -> !h.isEmpty()).map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    public WebSettings(String host, int port, String token) {
        this(host, port, token, List.of());
    }

    boolean tokenRequired() {
        return token != null || !loopback();
    }

    /** True when {@link #host} names only this machine (127.0.0.0/8, ::1, "localhost"). */
    public boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("web host '" + host + "' cannot be resolved: " + e.getMessage());
        }
    }

    /** Refuses settings that would expose call transcripts without a token. */
    public void check() {
        if (!loopback() && token == null) {
            throw new IllegalArgumentException("web server on " + host + ":" + port
                    + " would be reachable from other machines: set an access token (or listen on 127.0.0.1)");
        }
    }
}
