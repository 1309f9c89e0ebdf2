package io.callscribe.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import io.callscribe.testing.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The checks a browser page on another site meets: cross-site POSTs, DNS rebinding, framing, token guessing. */
class WebSecurityTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final CallRegistry registry = new CallRegistry(3);
    private final AtomicInteger hangups = new AtomicInteger();
    private WebServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    private void start(WebSettings settings) {
        server = WebServer.start(settings, registry, null);
        registry.attach("live-1", CallControl.hangupOnly(hangups::incrementAndGet));
    }

    private HttpResponse<String> hangup(String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "calls/live-1/hangup"))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A raw request, so the Host header can be anything (the JDK client does not let a caller set it). */
    private String raw(String method, String path, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body());
    }

    @Test
    void crossSitePostCannotHangUpACallOnTheDefaultSetup() throws Exception {
        start(new WebSettings("127.0.0.1", 0, null));
        try (CapturedLog log = CapturedLog.of(WebServer.class)) {
            HttpResponse<String> evil = hangup("Origin", "http://evil.example");
            assertThat(evil.statusCode()).isEqualTo(403);
            assertThat(json(evil).get("error").asText()).contains("cross-origin").contains("evil.example");
            HttpResponse<String> fetchMeta = hangup("Sec-Fetch-Site", "cross-site");
            assertThat(fetchMeta.statusCode()).isEqualTo(403);
            assertThat(json(fetchMeta).get("error").asText()).contains("cross-site");
            assertThat(hangup("Origin", "null").statusCode()).isEqualTo(403);
            // Same host name, other port: another origin.
            assertThat(hangup("Origin", "http://127.0.0.1:1").statusCode()).isEqualTo(403);
            assertThat(hangups).hasValue(0);
            assertThat(log.matching("refused 127.0.0.1")).isNotEmpty();
        }
        // The page itself (same origin) and a non-browser client may.
        String self = "http://127.0.0.1:" + server.port();
        assertThat(hangup("Origin", self, "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(202);
        assertThat(hangup().statusCode()).isEqualTo(202);
        assertThat(hangups).hasValue(2);
    }

    @Test
    void crossSitePostWithTheTokenInItsHeaderIsAClientNotAPage() throws Exception {
        start(new WebSettings("127.0.0.1", 0, "tok-123"));
        assertThat(hangup("Origin", "http://evil.example").statusCode()).isEqualTo(403);
        assertThat(hangup("Origin", "http://evil.example", "Authorization", "Bearer wrong").statusCode()).isEqualTo(403);
        assertThat(hangup("Origin", "http://evil.example", "Authorization", "Bearer tok-123").statusCode()).isEqualTo(202);
        assertThat(hangups).hasValue(1);
    }

    @Test
    void foreignHostHeaderIsRefusedSoDnsRebindingCannotReadCalls() throws Exception {
        start(new WebSettings("127.0.0.1", 0, null));
        int port = server.port();
        try (CapturedLog log = CapturedLog.of(WebServer.class)) {
            String rebound = raw("GET", "/calls", "evil.example:" + port);
            assertThat(rebound).startsWith("HTTP/1.1 403").contains("evil.example").contains("not a name of this server");
            assertThat(raw("GET", "/feed", "attacker.test").split("\r\n")[0]).contains("403");
            assertThat(raw("POST", "/calls/live-1/hangup", "evil.example").split("\r\n")[0]).contains("403");
            assertThat(log.matching("not a name of this server")).hasSize(1); // rate-limited: one line per client
        }
        for (String ok : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port)) {
            assertThat(raw("GET", "/calls", ok).split("\r\n")[0]).as(ok).contains("200");
        }
        assertThat(hangups).hasValue(0);
    }

    @Test
    void configuredHostNamesAreAllowed() throws Exception {
        start(new WebSettings("127.0.0.1", 0, null, List.of("callscribe.pbx.example")));
        assertThat(raw("GET", "/calls", "callscribe.pbx.example").split("\r\n")[0]).contains("200");
        assertThat(raw("GET", "/calls", "other.pbx.example").split("\r\n")[0]).contains("403");
    }

    @Test
    void pageForbidsFramingSniffingAndForeignScripts() throws Exception {
        start(new WebSettings("127.0.0.1", 0, null));
        for (String path : List.of("/", "/app.js", "/calls")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
            assertThat(r.headers().firstValue("Content-Security-Policy").orElse("")).as(path)
                    .contains("script-src 'self'").contains("frame-ancestors 'none'");
        }
    }

    @Test
    void wrongTokensAreLoggedWithTheClientAddressRateLimited() throws Exception {
        start(new WebSettings("127.0.0.1", 0, "right"));
        try (CapturedLog log = CapturedLog.of(WebServer.class)) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "calls"))
                        .header("Authorization", "Bearer guess-" + i).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(401);
            }
            List<String> lines = log.matching("access token is wrong");
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).startsWith("web: refused 127.0.0.1: access token is wrong (GET /calls)");
            assertThat(lines.get(0)).doesNotContain("guess");
        }
    }

    @Test
    void refusalLogCountsWhatItSparedInTheNextLine() {
        long[] now = {0};
        org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(WebServer.class);
        try (CapturedLog log = CapturedLog.of(WebServer.class)) {
            RefusalLog refusals = new RefusalLog(logger, () -> now[0]);
            for (int i = 0; i < 5; i++) {
                refusals.refused("198.51.100.9", "access token is wrong", "GET", "/calls");
            }
            refusals.refused("203.0.113.1", "access token is wrong", "GET", "/calls\nforged line");
            now[0] = RefusalLog.WINDOW_MS + 1;
            refusals.refused("198.51.100.9", "access token is wrong", "GET", "/calls");
            assertThat(log.lines()).containsExactly(
                    "web: refused 198.51.100.9: access token is wrong (GET /calls)",
                    "web: refused 203.0.113.1: access token is wrong (GET /calls?forged line)",
                    "web: refused 198.51.100.9: access token is wrong (GET /calls) (+4 more refused in the last 10 s)");
        }
    }
}
