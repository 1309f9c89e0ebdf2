package io.callscribe.web;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where the web server listens and the access token. A token, when set, is required by every endpoint except
 * {@code /health} (and the static page files, which hold no call data). Listening on anything but a loopback
 * address without a token is refused.
 *
 * @param host  address to bind; {@code 127.0.0.1} by default
 * @param port  TCP port; 0 picks a free one ({@link WebServer#port()} tells which)
 * @param token access token, or null
 */
public record WebSettings(String host, int port, String token) {

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
    }

    public static WebSettings loopback(int port) {
        return new WebSettings(DEFAULT_HOST, port, null);
    }

    public WebSettings withToken(String value) {
        return new WebSettings(host, port, value);
    }

    public boolean tokenRequired() {
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
