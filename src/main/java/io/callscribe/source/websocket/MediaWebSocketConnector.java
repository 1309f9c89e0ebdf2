package io.callscribe.source.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Connects callscribe to Asterisk's chan_websocket server, {@code ws://<asterisk>/media/<connection id>} with
 * subprotocol {@code media}: the other way of chan_websocket, where Asterisk waits for the application. The
 * connection id is what Asterisk generated for the channel: ARI externalMedia with
 * {@code transport=websocket&encapsulation=none&connection_type=server} returns it as the channel variable
 * {@code MEDIA_WEBSOCKET_CONNECTION_ID}, as does a {@code Dial(WebSocket/INCOMING/...)} channel.
 *
 * <pre>{@code
 * try (MediaWebSocketConnector connector = new MediaWebSocketConnector(MediaWebSocketCall.Config.defaults())) {
 *     MediaWebSocketCall leg = connector.connect(URI.create("http://127.0.0.1:8088/ari"), connectionId,
 *             "ariuser", "secret", Duration.ofSeconds(5));
 *     calls.start(linkedId, List.of(new CallSession.Leg("caller", leg)));   // the leg is an AudioSource
 * }
 * }</pre>
 *
 * {@link #connect} returns once MEDIA_START arrived; the leg ends when Asterisk hangs up the channel (it closes the
 * WebSocket) or on {@link MediaWebSocketCall#stop()} (callscribe closes it, Asterisk hangs up the channel).
 * Thread-safe; one connector (one HTTP client, its selector thread and virtual-thread executor) serves any number
 * of legs and is closed after them ({@link #close}).
 */
public final class MediaWebSocketConnector implements AutoCloseable {

    private final MediaWebSocketCall.Config config;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    public MediaWebSocketConnector(MediaWebSocketCall.Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.http = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * {@code ws://host:port[/prefix]/media/<id>} from Asterisk's HTTP base ({@code http://host:port}, with or
     * without a trailing {@code /ari}; {@code https} gives {@code wss}).
     */
    public static URI mediaUri(URI asteriskBase, String connectionId) {
        if (connectionId == null || !connectionId.matches("[A-Za-z0-9._~-]+")) {
            throw new IllegalArgumentException("chan_websocket connection id '" + connectionId
                    + "' is not a plain id (letters, digits, . _ ~ -)");
        }
        String scheme = switch (String.valueOf(asteriskBase.getScheme()).toLowerCase()) {
            case "http", "ws" -> "ws";
            case "https", "wss" -> "wss";
            default -> throw new IllegalArgumentException("Asterisk URL " + asteriskBase + " is not http(s):// or ws(s)://");
        };
        String path = asteriskBase.getPath() == null ? "" : asteriskBase.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.endsWith("/ari")) {
            path = path.substring(0, path.length() - 4);
        }
        return URI.create(scheme + "://" + asteriskBase.getRawAuthority() + path + "/media/" + connectionId);
    }

    /**
     * Connects to {@code /media/<connectionId>} and waits for MEDIA_START.
     *
     * @param user     HTTP basic auth user sent along, or null for none (Asterisk's /media does not ask for it)
     * @param timeout  for the connection and MEDIA_START together
     * @throws IOException naming the URI when Asterisk refuses (404: no such connection id, 409: already connected),
     *                     cannot be reached, sends no MEDIA_START in time, or breaks the protocol
     */
    public MediaWebSocketCall connect(URI asteriskBase, String connectionId, String user, String password,
                                      Duration timeout) throws IOException, InterruptedException {
        URI uri = mediaUri(asteriskBase, connectionId);
        ClientLink link = new ClientLink(uri.getRawAuthority());
        MediaWebSocketCall call = new MediaWebSocketCall(link, Map.of(), config.withHandshakeTimeout(timeout), "to");
        WebSocket.Builder builder = http.newWebSocketBuilder().subprotocols(MediaWebSocketServer.SUBPROTOCOL)
                .connectTimeout(timeout);
        if (user != null) {
            builder.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        WebSocket ws;
        try {
            ws = builder.buildAsync(uri, new Listener(call, link)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            call.onError(new IOException(describe(cause)));
            throw new IOException("chan_websocket connection to " + uri + " failed: " + describe(cause), cause);
        } catch (TimeoutException e) {
            call.onError(new IOException("not open within " + timeout.toMillis() + " ms"));
            throw new IOException("chan_websocket connection to " + uri + " not open within " + timeout.toMillis() + " ms");
        }
        link.attach(ws);
        try {
            long left = Math.max(1, deadline - System.nanoTime());
            return call.started().get(left, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            call.stop();
            throw new IOException("chan_websocket connection to " + uri + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            call.stop();
            throw new IOException("chan_websocket connection to " + uri + ": no MEDIA_START within " + timeout.toMillis() + " ms");
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof java.net.http.WebSocketHandshakeException h) {
            int status = h.getResponse().statusCode();
            return "HTTP " + status + switch (status) {
                case 404 -> " (Asterisk has no channel waiting with this connection id)";
                case 409 -> " (another application is already connected for this connection id)";
                case 401, 403 -> " (not authorised)";
                default -> "";
            };
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Closes the HTTP client. Meant for after the legs ended: legs still connected get up to 2 s to finish,
     * then their sockets are aborted (their audio so far is kept; they end with a connection error).
     */
    @Override
    public void close() {
        http.shutdown();
        try {
            if (!http.awaitTermination(Duration.ofSeconds(2))) {
                http.shutdownNow();
            }
        } catch (InterruptedException e) {
            http.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }

    /** Feeds whole messages to the call; asks for the next message only after the call took the last one. */
    private static final class Listener implements WebSocket.Listener {
        private final MediaWebSocketCall call;
        private final ClientLink link;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Listener(MediaWebSocketCall call, ClientLink link) {
            this.call = call;
            this.link = link;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            link.attach(webSocket);
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                call.onText(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (last && binary.size() == 0) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                call.onBinary(bytes, 0, bytes.length);
            } else {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                binary.writeBytes(bytes);
                if (last) {
                    byte[] whole = binary.toByteArray();
                    binary.reset();
                    call.onBinary(whole, 0, whole.length);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            call.onClose(statusCode, reason);
            link.close(MediaCloseStatus.NORMAL, "");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            call.onError(error);
            webSocket.abort();
        }
    }

    /** A JDK WebSocket as a call's link: one send at a time; a close not answered within 2 s aborts the socket. */
    private static final class ClientLink implements MediaWebSocketCall.Link {
        private final String remote;
        private final ReentrantLock sending = new ReentrantLock();
        private final CompletableFuture<WebSocket> socket = new CompletableFuture<>();
        private volatile boolean closing;

        ClientLink(String remote) {
            this.remote = remote;
        }

        void attach(WebSocket ws) {
            socket.complete(ws);
            if (closing) {
                ws.abort();
            }
        }

        @Override
        public void sendText(String text) throws IOException {
            WebSocket ws = socket.getNow(null);
            if (ws == null) {
                throw new IOException("chan_websocket connection to " + remote + " is not open");
            }
            sending.lock();
            try {
                ws.sendText(text, true).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("cannot send to " + remote + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted sending to " + remote, e);
            } finally {
                sending.unlock();
            }
        }

        @Override
        public void close(MediaCloseStatus status, String reason) {
            closing = true;
            WebSocket ws = socket.getNow(null);
            if (ws == null) {
                return; // attach() aborts it
            }
            if (!ws.isOutputClosed()) {
                ws.sendClose(status.code(), reason == null ? "" : reason)
                        .orTimeout(2, TimeUnit.SECONDS)
                        .whenComplete((w, e) -> CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(ws::abort));
            } else if (ws.isInputClosed()) {
                ws.abort();
            } else {
                CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(ws::abort);
            }
        }

        @Override
        public String remote() {
            return remote;
        }
    }
}
