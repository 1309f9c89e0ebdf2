package io.callscribe.cli;

import io.callscribe.sink.WebhookSettings;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.List;

/** {@code run}'s webhooks: where events are posted, which ones, and how the receiver can trust them. */
final class WebhookOptions {

    @Option(names = "--webhook", split = ",", paramLabel = "URL",
            description = "POST call_start, final and call_end events to these URLs.")
    List<URI> urls;

    @Option(names = "--webhook-partials", description = "Also POST partial results to webhooks.")
    boolean partials;

    @Option(names = "--webhook-secret", paramLabel = "SECRET",
            description = "Sign webhook bodies with HMAC-SHA256 in the X-Callscribe-Signature header.")
    String secret;

    @Option(names = "--webhook-authorization", paramLabel = "VALUE",
            description = "Authorization header of every webhook POST, e.g. 'Bearer abc' (better from "
                    + "CALLSCRIBE_WEBHOOK_AUTHORIZATION or the config file than on the command line).")
    String authorization;

    /** One webhook per URL, with the default delivery (queue, retries, timeout). */
    List<WebhookSettings> settings() {
        return urls == null ? List.of() : urls.stream().map(url -> WebhookSettings.of(url, partials, authorization, secret)).toList();
    }
}
