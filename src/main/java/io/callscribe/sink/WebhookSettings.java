package io.callscribe.sink;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how {@link WebhookSink} posts.
 *
 * @param url            http(s) endpoint receiving one POST per event
 * @param partials       also post partial results (many per second while someone speaks)
 * @param authorization  value of the {@code Authorization} header, or null
 * @param secret         key for the {@code X-Callscribe-Signature: sha256=<hex HMAC-SHA256 of the body>} header, or null
 * @param queueCapacity  events waiting for delivery before partials, then other events, are dropped
 * @param maxAttempts    tries per event before it is given up (and counted as a failure)
 * @param firstBackoff   wait after the first failed try; doubles per try, with jitter, up to {@code maxBackoff}
 * @param maxBackoff     longest wait between tries
 * @param requestTimeout per try, connection and answer together
 */
public record WebhookSettings(URI url, boolean partials, String authorization, String secret, int queueCapacity,
                              int maxAttempts, Duration firstBackoff, Duration maxBackoff, Duration requestTimeout) {

    public WebhookSettings {
        Objects.requireNonNull(url, "webhook url");
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException("webhook url '" + url + "' is not an http:// or https:// URL with a host");
        }
        if (queueCapacity < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("webhook queue capacity and attempts must be at least 1, got "
                    + queueCapacity + " and " + maxAttempts);
        }
        Objects.requireNonNull(firstBackoff, "firstBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** These with the default delivery: 10 000 queued events, 5 tries 0.5 s..30 s apart, 10 s per request. */
    public static WebhookSettings of(URI url, boolean partials, String authorization, String secret) {
        return new WebhookSettings(url, partials, authorization, secret, 10_000, 5, Duration.ofMillis(500),
                Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** The URL without query or user info, for logs (a query may carry a key). */
    String safeUrl() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
