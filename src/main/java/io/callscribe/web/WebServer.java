package io.callscribe.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.event.CallIds;
import io.callscribe.store.CallPage;
import io.callscribe.store.CallQuery;
import io.callscribe.store.StoreException;
import io.callscribe.store.StoredCall;
import io.callscribe.store.StoredTranscript;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptFormats;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The HTTP face of the service: the dashboard (static files from the jar), the JSON API over a
 * {@link CallRegistry}, the live feed (Server-Sent Events) and Prometheus metrics. See docs/api.md.
 * <pre>{@code
 * CallRegistry calls = new CallRegistry();
 * try (WebServer web = WebServer.start(new WebSettings("127.0.0.1", 8080, token), calls, prometheus)) {
 *     web.readiness(() -> recognizerReachable() ? Readiness.ok() : Readiness.notReady("vosk server down"));
 *     ...
 * }
 * }</pre>
 */
public final class WebServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebServer.class);

    /** Page files hold no call data: served without the token so the page can ask for one. */
    private static final Set<String> PUBLIC_PATHS = Set.of("/health", "/", "/index.html", "/app.js", "/style.css");
    private static final int FEED_QUEUE = 2000;
    private static final Duration FEED_HEARTBEAT = Duration.ofSeconds(15);
    private static final String JSON = "application/json; charset=utf-8";
    /** The page loads only its own script and style and talks only to this server; nobody may frame it. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final WebSettings settings;
    private final CallRegistry registry;
    private final PrometheusMeterRegistry metrics;
    private final byte[] tokenDigest;
    private final RequestGuard guard;
    private final RefusalLog refusals = new RefusalLog(log, System::currentTimeMillis);
    private volatile Supplier<Readiness> readiness = Readiness::ok;
    private volatile CallArchive archive;
    private volatile Consumer<String> removeFiles = id -> { };
    private final Javalin app;

    /** An HTTP error with a message for the client; never logged with a stack trace. */
    static final class ApiError extends RuntimeException {
        final int status;

        ApiError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private WebServer(WebSettings settings, CallRegistry registry, PrometheusMeterRegistry metrics) {
        this.settings = settings;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.metrics = metrics;
        this.tokenDigest = settings.token() == null ? null : sha256(settings.token());
        this.guard = new RequestGuard(settings);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = true;
            config.startupWatcherEnabled = false;
            config.http.disableCompression(); // the feed must reach the page event by event
            config.jetty.defaultHost = settings.host();
            config.jetty.defaultPort = settings.port();
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
            config.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/web";
                sf.location = Location.CLASSPATH;
                sf.headers = java.util.Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff",
                        "Content-Security-Policy", CONTENT_SECURITY_POLICY, "X-Frame-Options", "DENY",
                        "Referrer-Policy", "no-referrer");
            });
        });
        routes();
    }

    /**
     * Checks the settings (a non-loopback address needs a token) and starts listening.
     *
     * @param metrics scraped by {@code GET /metrics}; null leaves that endpoint answering 404
     */
    public static WebServer start(WebSettings settings, CallRegistry registry, PrometheusMeterRegistry metrics) {
        settings.check();
        WebServer server = new WebServer(settings, registry, metrics);
        try {
            server.app.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("web server cannot listen on " + settings.host() + ":" + settings.port()
                    + ": " + rootMessage(e), e);
        }
        log.info("web server listening on {}{}", server.url(), settings.token() == null ? "" : " (token required)");
        return server;
    }

    /** What {@code GET /ready} reports; the default is always ready. */
    public WebServer readiness(Supplier<Readiness> check) {
        this.readiness = Objects.requireNonNull(check, "check");
        return this;
    }

    /** Serves finished calls from {@code archive} (search, paging, survive restarts); null serves them from memory. */
    public WebServer archive(CallArchive archive) {
        this.archive = archive;
        return this;
    }

    /** What {@code DELETE /calls/{id}} does to a call's files (under --out-dir) after removing it. */
    public WebServer removeFiles(Consumer<String> removeFiles) {
        this.removeFiles = Objects.requireNonNull(removeFiles, "removeFiles");
        return this;
    }

    public int port() {
        return app.port();
    }

    public String url() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return "http://" + host + ":" + port() + "/";
    }

    private void routes() {
        app.before(this::authorize);
        app.get("/health", ctx -> json(ctx, 200, EventJson.MAPPER.createObjectNode().put("status", "ok")));
        app.get("/ready", this::ready);
        app.get("/metrics", this::metrics);
        app.get("/calls", this::listCalls);
        app.get("/calls/{id}", this::getCall);
        app.post("/calls/{id}/hangup", this::hangup);
        app.delete("/calls/{id}", this::deleteCall);
        app.get("/feed", this::feed);
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.getMessage()));
        app.exception(StoreException.class, (e, ctx) -> {
            log.warn("web request {} {}: transcript store unavailable: {}", ctx.method(), ctx.path(), e.getMessage());
            error(ctx, 503, "transcript store unavailable: " + e.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("web request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + e.getClass().getSimpleName());
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
    }

    private void authorize(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("Referrer-Policy", "no-referrer");
        String hostRefused = guard.checkHost(ctx.header("Host"));
        if (hostRefused != null) {
            refuse(ctx, 403, hostRefused);
        }
        String presented = null;
        boolean bearer = false;
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = header.substring(7).strip();
            bearer = true;
        } else if (ctx.queryParam("token") != null) {
            presented = ctx.queryParam("token");
        }
        // Digests have one length whatever was presented: isEqual then compares in constant time.
        boolean tokenRight = tokenDigest != null && presented != null && MessageDigest.isEqual(tokenDigest, sha256(presented));
        if (!SAFE_METHODS.contains(ctx.method().name())) {
            String originRefused = guard.checkOrigin(ctx.scheme(), ctx.header("Host"), ctx.header("Origin"),
                    ctx.header("Sec-Fetch-Site"), bearer && tokenRight);
            if (originRefused != null) {
                refuse(ctx, 403, originRefused);
            }
        }
        if (tokenDigest == null || PUBLIC_PATHS.contains(ctx.path()) || tokenRight) {
            return;
        }
        ctx.header("WWW-Authenticate", "Bearer");
        if (presented == null) {
            throw new ApiError(401, "access token required (Authorization: Bearer <token> or ?token=)");
        }
        refuse(ctx, 401, "access token is wrong");
    }

    /** Logs the refusal (rate-limited, client address first) and answers with a JSON error. */
    private void refuse(Context ctx, int status, String reason) {
        refusals.refused(ctx.req().getRemoteAddr(), reason, ctx.method().name(), ctx.path());
        throw new ApiError(status, reason);
    }

    private void ready(Context ctx) {
        Readiness r;
        try {
            r = readiness.get();
        } catch (RuntimeException e) {
            r = Readiness.notReady("readiness check failed: " + e.getMessage());
        }
        ObjectNode body = EventJson.MAPPER.createObjectNode().put("ready", r.ready());
        if (r.detail() != null) {
            body.put(r.ready() ? "detail" : "error", r.detail());
        }
        json(ctx, r.ready() ? 200 : 503, body);
    }

    private void metrics(Context ctx) {
        if (metrics == null) {
            throw new ApiError(404, "metrics are not enabled");
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void listCalls(Context ctx) {
        String live = ctx.queryParam("live");
        Boolean liveFilter = null;
        if (live != null && !live.isEmpty()) {
            if (!live.equals("true") && !live.equals("false")) {
                throw new ApiError(400, "live must be true or false, got '" + live + "'");
            }
            liveFilter = Boolean.valueOf(live);
        }
        CallArchive stored = archive;
        if (stored != null && !Boolean.TRUE.equals(liveFilter)) {
            listStored(ctx, stored, liveFilter == null);
            return;
        }
        ArrayNode calls = EventJson.MAPPER.createArrayNode();
        for (CallSummary c : registry.list(ctx.queryParam("q"), liveFilter)) {
            calls.add(summaryJson(c));
        }
        ObjectNode body = EventJson.MAPPER.createObjectNode();
        body.set("calls", calls);
        json(ctx, 200, body);
    }

    /**
     * Finished calls from the store, one page; live calls of this instance (from memory) come first on the first
     * page when {@code withLive}. See docs/api.md for the parameters.
     */
    private void listStored(Context ctx, CallArchive stored, boolean withLive) {
        CallQuery q = new CallQuery(ctx.queryParam("q"), time(ctx, "from", false), time(ctx, "to", true),
                ctx.queryParam("number"), ctx.queryParam("source"), limit(ctx), ctx.queryParam("cursor"));
        ArrayNode calls = EventJson.MAPPER.createArrayNode();
        if (withLive && q.cursor() == null && q.number() == null) {
            for (CallSummary c : registry.list(q.text(), true)) {
                boolean inRange = c.started() == null || ((q.from() == null || !c.started().isBefore(q.from()))
                        && (q.to() == null || c.started().isBefore(q.to())));
                if (inRange && (q.source() == null || q.source().equals(CallQuery.kindOf(c.source())))) {
                    calls.add(summaryJson(c));
                }
            }
        }
        CallPage page;
        try {
            page = stored.search(q);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
        for (StoredCall c : page.calls()) {
            if (!registry.isLive(c.id())) {
                calls.add(storedJson(c));
            }
        }
        ObjectNode body = EventJson.MAPPER.createObjectNode();
        body.set("calls", calls);
        if (page.nextCursor() == null) {
            body.putNull("next_cursor");
        } else {
            body.put("next_cursor", page.nextCursor());
        }
        json(ctx, 200, body);
    }

    private static int limit(Context ctx) {
        String s = ctx.queryParam("limit");
        if (s == null || s.isEmpty()) {
            return CallQuery.DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= CallQuery.MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new ApiError(400, "limit must be a whole number 1.." + CallQuery.MAX_LIMIT + ", got '" + s + "'");
    }

    /** An ISO instant ({@code 2026-05-01T10:00:00Z}) or a date (UTC; as {@code to} it includes that whole day). */
    private static Instant time(Context ctx, String param, boolean endOfDay) {
        String s = ctx.queryParam(param);
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(s.strip());
        } catch (DateTimeParseException e) {
            try {
                LocalDate day = LocalDate.parse(s.strip());
                return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                throw new ApiError(400, param + " must be a date (2026-05-01) or an instant (2026-05-01T10:00:00Z), got '"
                        + s + "'");
            }
        }
    }

    static ObjectNode storedJson(StoredCall c) {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put("id", c.id());
        n.put("live", c.ended() == null);
        putIfPresent(n, "source", c.source());
        putIfPresent(n, "recognizer", c.recognizer());
        putIfPresent(n, "started", c.started());
        putIfPresent(n, "ended", c.ended());
        n.put("audio_seconds", round(c.durationSeconds()));
        n.putNull("lag_seconds");
        n.put("finals", c.finals());
        n.put("errors", c.errors());
        putIfPresent(n, "end_reason", c.endReason());
        storedDetails(n, c);
        if (c.match() != null) {
            ObjectNode m = n.putObject("match");
            putIfPresent(m, "speaker", c.match().speaker());
            m.put("start", round(c.match().start()));
            m.put("end", round(c.match().end()));
            m.put("text", c.match().text());
            ArrayNode spans = m.putArray("highlights");
            for (int[] span : c.match().highlights()) {
                spans.addArray().add(span[0]).add(span[1]);
            }
        }
        return n;
    }

    private static void storedDetails(ObjectNode n, StoredCall c) {
        ArrayNode speakers = n.putArray("speakers");
        c.speakers().forEach(speakers::add);
        ObjectNode meta = n.putObject("metadata");
        c.metadata().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> meta.put(e.getKey(), e.getValue()));
    }

    private void deleteCall(Context ctx) {
        String id = callId(ctx);
        if (settings.token() == null) {
            throw new ApiError(403, "deleting a call needs a token: start the service with --token and send it "
                    + "(Authorization: Bearer <token>)");
        }
        if (registry.isLive(id)) {
            throw new ApiError(409, "call '" + id + "' is live: hang it up first, then delete it");
        }
        CallArchive stored = archive;
        boolean inMemory = registry.forget(id);
        boolean inStore = stored != null && stored.delete(id);
        if (!inMemory && !inStore) {
            throw new ApiError(404, "no call '" + id + "'");
        }
        removeFiles.accept(id);
        log.info("call {}: deleted over HTTP", id);
        json(ctx, 200, EventJson.MAPPER.createObjectNode().put("call", id).put("deleted", true));
    }

    static ObjectNode summaryJson(CallSummary c) {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put("id", c.id());
        n.put("live", c.live());
        putIfPresent(n, "source", c.source());
        putIfPresent(n, "recognizer", c.recognizer());
        putIfPresent(n, "started", c.started());
        putIfPresent(n, "ended", c.ended());
        n.put("audio_seconds", round(c.audioSeconds()));
        if (Double.isNaN(c.lagSeconds())) {
            n.putNull("lag_seconds");
        } else {
            n.put("lag_seconds", round(c.lagSeconds()));
        }
        n.put("finals", c.finals());
        n.put("errors", c.errors());
        putIfPresent(n, "end_reason", c.endReason());
        return n;
    }

    private void getCall(Context ctx) {
        String id = callId(ctx);
        String format = ctx.queryParam("format") == null ? "json" : ctx.queryParam("format");
        CallArchive stored = archive;
        StoredTranscript fromStore = null;
        CallTranscript.Snapshot t = registry.transcript(id).orElse(null);
        if (t == null && stored != null) {
            fromStore = stored.find(id).orElse(null);
            t = fromStore == null ? null : fromStore.snapshot();
        }
        if (t == null) {
            throw new ApiError(404, "no call '" + id + "'");
        }
        StoredCall storedCall = fromStore == null ? null : fromStore.call();
        boolean download = "1".equals(ctx.queryParam("download")) || "true".equals(ctx.queryParam("download"));
        switch (format) {
            case "json" -> {
                ObjectNode body = TranscriptFormats.json(t);
                body.put("live", t.live());
                if (storedCall != null) {
                    putIfPresent(body, "recognizer", storedCall.recognizer());
                    storedDetails(body, storedCall);
                }
                registry.summary(id).ifPresent(s -> {
                    putIfPresent(body, "recognizer", s.recognizer());
                    if (!Double.isNaN(s.lagSeconds())) {
                        body.put("lag_seconds", round(s.lagSeconds()));
                    }
                    if (s.live()) {
                        body.put("audio_seconds", round(s.audioSeconds()));
                    }
                });
                if (!t.partials().isEmpty()) {
                    ObjectNode partials = body.putObject("partials");
                    t.partials().forEach(partials::put);
                }
                disposition(ctx, id, "json", download);
                json(ctx, 200, body);
            }
            case "txt" -> {
                disposition(ctx, id, "txt", download);
                ctx.contentType("text/plain; charset=utf-8").result(TranscriptFormats.text(t));
            }
            case "vtt" -> {
                disposition(ctx, id, "vtt", download);
                ctx.contentType("text/vtt; charset=utf-8").result(TranscriptFormats.webVtt(t));
            }
            default -> throw new ApiError(400, "format must be json, txt or vtt, got '" + format + "'");
        }
    }

    private static void disposition(Context ctx, String id, String ext, boolean download) {
        // Call ids are restricted to [A-Za-z0-9._-]: safe inside the quoted file name.
        ctx.header("Content-Disposition", (download ? "attachment" : "inline") + "; filename=\"" + id + "." + ext + "\"");
    }

    private void hangup(Context ctx) {
        String id = callId(ctx);
        switch (registry.hangup(id)) {
            case REQUESTED -> json(ctx, 202, EventJson.MAPPER.createObjectNode().put("call", id).put("hangup", "requested"));
            case UNKNOWN -> throw new ApiError(404, "no call '" + id + "'");
            case ENDED -> throw new ApiError(409, "call '" + id + "' has already ended");
            case NOT_SUPPORTED -> throw new ApiError(409, "call '" + id + "' cannot be hung up from here (its source offers no hangup)");
        }
    }

    /**
     * Server-Sent Events, one event per {@link EventJson} line. First an {@code event: snapshot} (the page resets
     * its live view), then the replay of the followed calls, then live events; a comment line every 15 s keeps
     * proxies and the connection awake. Blocking on a virtual thread: one per follower.
     */
    private void feed(Context ctx) throws IOException {
        String call = ctx.queryParam("call");
        if (call != null && !CallIds.valid(call)) {
            throw new ApiError(400, "invalid call id '" + call + "'");
        }
        FeedSubscription sub = registry.subscribe(call, FEED_QUEUE);
        try {
            ctx.status(200);
            ctx.res().setContentType("text/event-stream; charset=utf-8");
            ctx.res().setHeader("Cache-Control", "no-cache");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            StringBuilder first = new StringBuilder("retry: 2000\n");
            first.append("event: snapshot\ndata: ").append(EventJson.MAPPER.createObjectNode()
                    .put("events", sub.snapshot().size())).append("\n\n");
            for (TranscriptEvent e : sub.snapshot()) {
                first.append("data: ").append(EventJson.toLine(e)).append("\n\n");
            }
            write(out, first);
            long heartbeatMs = FEED_HEARTBEAT.toMillis();
            while (true) {
                TranscriptEvent e = sub.poll(heartbeatMs, TimeUnit.MILLISECONDS);
                if (e != null) {
                    StringBuilder sb = new StringBuilder("data: ").append(EventJson.toLine(e)).append("\n\n");
                    // Send whatever else is already waiting in the same write.
                    TranscriptEvent more;
                    while ((more = sub.poll(0, TimeUnit.MILLISECONDS)) != null) {
                        sb.append("data: ").append(EventJson.toLine(more)).append("\n\n");
                    }
                    write(out, sb);
                } else if (!sub.isOpen()) {
                    break; // dropped as too slow or server stopping: the page reconnects and gets a fresh snapshot
                } else {
                    write(out, new StringBuilder(": keepalive\n\n"));
                }
            }
        } catch (IOException e) {
            log.debug("feed follower went away: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sub.close();
        }
    }

    private static void write(OutputStream out, StringBuilder sb) throws IOException {
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String callId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!CallIds.valid(id)) {
            throw new ApiError(400, "invalid call id '" + id + "'");
        }
        return id;
    }

    private static void json(Context ctx, int status, ObjectNode body) {
        ctx.status(status).contentType(JSON).result(body.toString());
    }

    private static void error(Context ctx, int status, String message) {
        json(ctx, status, EventJson.MAPPER.createObjectNode().put("error", message));
    }

    private static void putIfPresent(ObjectNode n, String field, Object value) {
        if (value != null) {
            n.put(field, value.toString());
        }
    }

    private static double round(double v) {
        return Double.isNaN(v) ? 0 : Math.round(v * 1000.0) / 1000.0;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** Ends every feed, then stops listening. */
    @Override
    public void close() {
        registry.close();
        app.stop();
    }
}
