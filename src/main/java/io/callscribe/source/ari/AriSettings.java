package io.callscribe.source.ari;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where Asterisk's ARI is and who we are to it.
 *
 * @param baseUri        e.g. {@code http://127.0.0.1:8088} (the {@code /ari} path is added)
 * @param user           an {@code ari.conf} user
 * @param password       its password
 * @param app            the Stasis application name callscribe registers (also the prefix of the ids it creates)
 * @param requestTimeout how long one ARI request may take before it counts as failed
 */
public record AriSettings(URI baseUri, String user, String password, String app, Duration requestTimeout) {

    public AriSettings {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        String scheme = baseUri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("ARI address must be http:// or https://, got '" + baseUri + "'");
        }
        if (!app.matches("[A-Za-z0-9_.-]{1,40}")) {
            throw new IllegalArgumentException("ARI app name must be 1-40 letters, digits, '.', '_' or '-', got '" + app + "'");
        }
        String path = baseUri.getPath() == null ? "" : baseUri.getPath().replaceAll("/+$", "");
        if (path.endsWith("/ari")) {
            path = path.substring(0, path.length() - 4);
        }
        baseUri = URI.create(scheme + "://" + baseUri.getRawAuthority() + path);
    }

    public static AriSettings of(URI baseUri, String user, String password, String app) {
        return new AriSettings(baseUri, user, password, app, Duration.ofSeconds(5));
    }

    /** {@code http://host:port/ari} + path. */
    URI ari(String pathAndQuery) {
        return URI.create(baseUri + "/ari" + pathAndQuery);
    }

    /** The events WebSocket address (ws:// or wss://), credentials in the header, not the URL. */
    URI eventsUri() {
        String ws = baseUri.getScheme().equals("https") ? "wss" : "ws";
        return URI.create(ws + "://" + baseUri.getRawAuthority() + baseUri.getRawPath() + "/ari/events?app="
                + app + "&subscribeAll=true");
    }
}
