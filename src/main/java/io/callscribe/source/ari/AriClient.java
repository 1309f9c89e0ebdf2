package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The ARI REST requests callscribe makes, over the JDK HTTP client with basic auth. Thread-safe; every call
 * blocks its (virtual) thread for at most {@link AriSettings#requestTimeout()} and throws {@link AriException}
 * naming the request and what went wrong.
 */
public final class AriClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AriSettings settings;
    private final HttpClient http;
    private final String authorization;

    public AriClient(AriSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.requestTimeout()).build();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (settings.user() + ":" + settings.password()).getBytes(StandardCharsets.UTF_8));
    }

    public AriSettings settings() {
        return settings;
    }

    String authorization() {
        return authorization;
    }

    HttpClient http() {
        return http;
    }

    /** {@code GET /asterisk/info}: the cheapest request that proves address and credentials. */
    public JsonNode info() throws AriException {
        return send("GET", "/asterisk/info", Map.of());
    }

    public List<AriChannel> channels() throws AriException {
        List<AriChannel> out = new ArrayList<>();
        send("GET", "/channels", Map.of()).forEach(n -> out.add(AriChannel.from(n)));
        return out;
    }

    public Optional<AriChannel> channel(String id) throws AriException {
        try {
            return Optional.of(AriChannel.from(send("GET", "/channels/" + enc(id), Map.of())));
        } catch (AriException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public List<AriBridge> bridges() throws AriException {
        List<AriBridge> out = new ArrayList<>();
        send("GET", "/bridges", Map.of()).forEach(n -> out.add(AriBridge.from(n)));
        return out;
    }

    /** A channel variable or dialplan function ({@code CHANNEL(linkedid)}); empty when unset. */
    public Optional<String> variable(String channelId, String name) throws AriException {
        try {
            String v = send("GET", "/channels/" + enc(channelId) + "/variable", Map.of("variable", name)).path("value").asText("");
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (AriException e) {
            if (e.notFound()) {
                return Optional.empty(); // unset variable, or the channel is gone
            }
            throw e;
        }
    }

    /** {@code POST /channels/{id}/snoop} with spy=in into our app, with an id we choose. */
    public AriChannel snoop(String channelId, String snoopId) throws AriException {
        return AriChannel.from(send("POST", "/channels/" + enc(channelId) + "/snoop",
                Map.of("spy", "in", "whisper", "none", "app", settings.app(), "snoopId", snoopId)));
    }

    /** {@code POST /channels/externalMedia}; returns the raw reply (its channelvars hold the RTP address). */
    public JsonNode externalMedia(String channelId, Map<String, String> parameters) throws AriException {
        Map<String, String> q = new LinkedHashMap<>(parameters);
        q.put("app", settings.app());
        q.put("channelId", channelId);
        return send("POST", "/channels/externalMedia", q);
    }

    public void createBridge(String bridgeId, String name) throws AriException {
        send("POST", "/bridges", Map.of("type", "mixing", "bridgeId", bridgeId, "name", name));
    }

    public void addToBridge(String bridgeId, List<String> channelIds) throws AriException {
        send("POST", "/bridges/" + enc(bridgeId) + "/addChannel", Map.of("channel", String.join(",", channelIds)));
    }

    /** Hangs a channel up; false when it was already gone. */
    public boolean hangup(String channelId) throws AriException {
        try {
            send("DELETE", "/channels/" + enc(channelId), Map.of());
            return true;
        } catch (AriException e) {
            if (e.notFound()) {
                return false;
            }
            throw e;
        }
    }

    /** Destroys a bridge; false when it was already gone. */
    public boolean destroyBridge(String bridgeId) throws AriException {
        try {
            send("DELETE", "/bridges/" + enc(bridgeId), Map.of());
            return true;
        } catch (AriException e) {
            if (e.notFound()) {
                return false;
            }
            throw e;
        }
    }

    private JsonNode send(String method, String path, Map<String, String> query) throws AriException {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((k, v) -> q.add(enc(k) + "=" + enc(v)));
        URI uri = settings.ari(path + q);
        String what = method + " " + path;
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout())
                .header("Authorization", authorization)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new AriException("ARI " + what + ": no answer within " + settings.requestTimeout().toMillis() + " ms", e);
        } catch (IOException e) {
            throw new AriException("ARI " + what + ": cannot reach " + settings.baseUri() + " (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AriException("ARI " + what + ": interrupted", e);
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new AriException("ARI " + what + ": " + status + ", user '" + settings.user()
                    + "' was refused (check ari.conf and the password)", status);
        }
        if (status / 100 != 2) {
            throw new AriException("ARI " + what + ": " + status + " " + errorText(response.body()), status);
        }
        if (response.body().isBlank()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AriException("ARI " + what + ": reply is not JSON", status);
        }
    }

    private static String errorText(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (IOException ignored) {
            // not JSON: show the start of the body
        }
        return body.length() > 100 ? body.substring(0, 100) : body;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
