package io.callscribe.source.websocket;

import io.callscribe.net.JettyWebSocketHost;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;
import org.eclipse.jetty.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.JettyServerUpgradeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The WebSocket server chan_websocket connects to when Asterisk is the client: a websocket_client.conf connection
 * whose {@code uri} points here, used by {@code Dial(WebSocket/<connection id>/c(slin16))} in the dialplan and by
 * ARI externalMedia with {@code transport=websocket&connection_type=client}. Every path is accepted; the query
 * string is the call's URI parameters (the {@code v()} dial option). Each connection becomes a
 * {@link MediaWebSocketCall}, handed to the consumer on a new virtual thread once its MEDIA_START arrived.
 *
 * <p>Access: with a token set, a connection must carry it as the password of HTTP basic auth (websocket_client.conf
 * {@code username}/{@code password}; the user name is not checked), as a bearer token, or as a {@code token} URI
 * parameter; others get 403. Listening on anything but loopback without a token is refused.
 *
 * <p>Limit: at most {@link Config#maxCalls()} connections at once (waiting for MEDIA_START or in a call); one beyond it
 * is closed at once with 1013 (try again later) before it becomes a call, logged at most every 10 s.
 */
public final class MediaWebSocketServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MediaWebSocketServer.class);

    /** The subprotocol chan_websocket speaks; accepted when the client offers it (websocket_client.conf {@code protocols}). */
    public static final String SUBPROTOCOL = "media";
    /** URI parameter that may carry the token. */
    public static final String TOKEN_PARAMETER = "token";

    /**
     * @param host  address to bind (127.0.0.1 by default)
     * @param port  TCP port, 0 for any free one
     * @param token    access token, or null (allowed on loopback only)
     * @param call     buffering and handshake limits of each call
     * @param maxCalls connections at once; one beyond it is closed with 1013 before it becomes a call
     */
    public record Config(String host, int port, String token, MediaWebSocketCall.Config call, int maxCalls) {
        public static final int DEFAULT_MAX_CALLS = 500;

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(call, "call");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("chan_websocket listener port must be 0..65535, got " + port);
            }
            if (maxCalls < 1) {
                throw new IllegalArgumentException("--websocket-max-calls must be at least 1, got " + maxCalls);
            }
            if (token != null && token.isBlank()) {
                token = null;
            }
        }

        /** At most {@value #DEFAULT_MAX_CALLS} calls at once. */
        public Config(String host, int port, String token, MediaWebSocketCall.Config call) {
            this(host, port, token, call, DEFAULT_MAX_CALLS);
        }

        boolean loopbackHost() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("chan_websocket listener host '" + host + "' cannot be resolved: " + e.getMessage());
            }
        }
    }

    private static final int MAX_MESSAGE_BYTES = 64 * 1024;
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

    private final Config config;
    private final Consumer<MediaWebSocketCall> onCall;
    private final Set<MediaWebSocketCall> calls = ConcurrentHashMap.newKeySet();
    /** Held while a connection is counted and added to {@link #calls}, so that two at once cannot both take the last place. */
    private final ReentrantLock admission = new ReentrantLock();
    private final java.util.concurrent.atomic.AtomicLong lastLimitLogMs = new java.util.concurrent.atomic.AtomicLong();
    private final JettyWebSocketHost host;
    private final int port;
    private volatile boolean stopped;

    private MediaWebSocketServer(Config config, Consumer<MediaWebSocketCall> onCall) throws Exception {
        if (config.token() == null && !config.loopbackHost()) {
            throw new IllegalArgumentException("chan_websocket listener on " + config.host() + ":" + config.port()
                    + " would be reachable from other machines: set a token (or listen on 127.0.0.1)");
        }
        this.config = config;
        this.onCall = onCall;
        try {
            this.host = JettyWebSocketHost.start(config.host(), config.port(), MAX_MESSAGE_BYTES, IDLE_TIMEOUT,
                    this::upgrade, "websocket-media");
            this.port = host.port();
        } catch (IOException e) {
            throw new IOException("chan_websocket listener cannot listen on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Binds and starts accepting; {@code onCall} gets every call after its MEDIA_START, on a new virtual thread. */
    public static MediaWebSocketServer start(Config config, Consumer<MediaWebSocketCall> onCall) throws Exception {
        MediaWebSocketServer server = new MediaWebSocketServer(config, onCall);
        log.info("chan_websocket listener on {}{}", server.uri(), config.token() == null ? "" : " (token required)");
        return server;
    }

    public int port() {
        return port;
    }

    /** {@code ws://host:port}: what websocket_client.conf's {@code uri} names. */
    public URI uri() {
        return host.uri();
    }

    /** Calls connected right now (after MEDIA_START or waiting for it). */
    public int activeCalls() {
        return calls.size();
    }

    private Object upgrade(JettyServerUpgradeRequest request, JettyServerUpgradeResponse response) {
        String remote = String.valueOf(request.getRemoteSocketAddress());
        Map<String, String> parameters = new LinkedHashMap<>();
        request.getParameterMap().forEach((k, v) -> parameters.put(k, v.isEmpty() ? "" : v.get(0)));
        try {
            if (stopped) {
                response.sendError(503, "callscribe is stopping");
                return null;
            }
            if (config.token() != null && !authorized(request.getHeader("Authorization"), parameters.get(TOKEN_PARAMETER))) {
                log.warn("chan_websocket connection from {} refused: no valid token (set password = <token> "
                        + "in websocket_client.conf)", remote);
                response.sendForbidden("a valid token is required");
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        List<String> offered = request.getSubProtocols();
        if (offered.contains(SUBPROTOCOL)) {
            response.setAcceptedSubProtocol(SUBPROTOCOL);
        }
        parameters.remove(TOKEN_PARAMETER);
        return new Endpoint(remote, parameters);
    }

    private boolean authorized(String authorization, String tokenParameter) {
        String presented = tokenParameter;
        if (authorization != null) {
            if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    presented = colon < 0 ? decoded : decoded.substring(colon + 1);
                } catch (IllegalArgumentException e) {
                    return false;
                }
            } else if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented = authorization.substring(7).strip();
            }
        }
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                config.token().getBytes(StandardCharsets.UTF_8));
    }

    /** One connection, on Jetty's threads. */
    private final class Endpoint implements WebSocketListener {
        private final String remote;
        private final Map<String, String> parameters;
        private volatile MediaWebSocketCall call;

        Endpoint(String remote, Map<String, String> parameters) {
            this.remote = remote;
            this.parameters = parameters;
        }

        @Override
        public void onWebSocketConnect(Session session) {
            JettyLink link = new JettyLink(session, remote);
            MediaWebSocketCall c;
            admission.lock();
            try {
                if (calls.size() >= config.maxCalls()) {
                    c = null;
                } else {
                    c = new MediaWebSocketCall(link, parameters, config.call(), "from");
                    calls.add(c);
                }
            } finally {
                admission.unlock();
            }
            if (c == null) {
                refuse(link);
                return;
            }
            call = c;
            if (stopped) {
                c.stop();
            }
            c.started().thenAccept(started -> Thread.ofVirtual().name("websocket-call-" + started.callId()).start(() -> {
                try {
                    onCall.accept(started);
                } catch (RuntimeException e) {
                    log.error("{}: call handler failed: {}", started.description(), e.toString());
                    started.stop();
                }
            }));
        }

        /** Beyond the limit: closed with 1013 before it is a call (Asterisk hangs up the WebSocket channel). */
        private void refuse(JettyLink link) {
            long now = System.currentTimeMillis();
            long last = lastLimitLogMs.get();
            if (now - last >= 10_000 && lastLimitLogMs.compareAndSet(last, now)) {
                log.warn("chan_websocket connection from {} refused: {} calls are connected, the limit "
                        + "(--websocket-max-calls; logged at most every 10 s)", remote, config.maxCalls());
            }
            link.close(MediaCloseStatus.TRY_AGAIN_LATER, "callscribe is at its limit of " + config.maxCalls()
                    + " calls (--websocket-max-calls)");
        }

        @Override
        public void onWebSocketText(String message) {
            MediaWebSocketCall c = call;
            if (c != null) {
                c.onText(message);
            }
        }

        @Override
        public void onWebSocketBinary(byte[] payload, int offset, int length) {
            MediaWebSocketCall c = call;
            if (c != null) {
                c.onBinary(payload, offset, length);
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            MediaWebSocketCall c = call;
            if (c != null) {
                c.onClose(statusCode, reason);
                calls.remove(c);
            }
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            MediaWebSocketCall c = call;
            if (c != null) {
                c.onError(cause);
                calls.remove(c);
            } else {
                log.info("chan_websocket connection from {} failed: {}", remote, cause.toString());
            }
        }
    }

    /** A Jetty session as a call's link; sends are serialised (Jetty allows one blocking send at a time). */
    private static final class JettyLink implements MediaWebSocketCall.Link {
        private final Session session;
        private final String remote;
        private final ReentrantLock sending = new ReentrantLock();

        JettyLink(Session session, String remote) {
            this.session = session;
            this.remote = remote;
        }

        @Override
        public void sendText(String text) throws IOException {
            sending.lock();
            try {
                session.getRemote().sendString(text);
            } finally {
                sending.unlock();
            }
        }

        @Override
        public void close(MediaCloseStatus status, String reason) {
            if (session.isOpen()) {
                session.close(status.code(), reason);
            }
        }

        @Override
        public String remote() {
            return remote;
        }
    }

    /** Stops listening and ends every live call with reason "stopped". Idempotent. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (MediaWebSocketCall c : calls) {
            c.stop();
        }
        host.close();
        log.info("chan_websocket listener on port {} stopped", port());
    }

    @Override
    public void close() {
        stop();
    }
}
