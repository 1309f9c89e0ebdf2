package io.callscribe.server;

import io.callscribe.net.JettyWebSocketHost;
import io.callscribe.asr.Recognizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket server speaking the Vosk server protocol (config, binary audio, {@code {"eof" : 1}},
 * {@code {"reset" : 1}}; one JSON reply per message, in order) in front of any {@link Recognizer}.
 * Each connection gets its own recogniser stream; all connections share a pool of
 * {@link VoskServerSettings.Tuning#workers()} threads that feed the streams.
 */
public final class VoskProtocolServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VoskProtocolServer.class);

    private final Recognizer recognizer;
    private final VoskServerSettings settings;
    private final ExecutorService workers;
    private final ScheduledExecutorService keepalive;
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger admitted = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong lastRefusalLogMs = new java.util.concurrent.atomic.AtomicLong();
    private final JettyWebSocketHost host;

    private VoskProtocolServer(Recognizer recognizer, VoskServerSettings settings) throws Exception {
        this.recognizer = recognizer;
        this.settings = settings;
        this.workers = Executors.newFixedThreadPool(settings.tuning().workers(), daemon("vosk-worker-"));
        this.keepalive = Executors.newSingleThreadScheduledExecutor(daemon("vosk-keepalive-"));
        // Jetty's idle timeout is only a backstop: the ping cycle detects dead peers sooner.
        Duration idle = settings.tuning().pingInterval().multipliedBy(3).plusSeconds(60);
        try {
            this.host = JettyWebSocketHost.start(settings.host(), settings.port(), settings.tuning().maxMessageBytes(), idle,
                    (request, response) -> {
                        String peer = request.getRemoteSocketAddress() == null ? "?" : request.getRemoteSocketAddress().toString();
                        if (admitted.incrementAndGet() > settings.tuning().maxConnections()) {
                            admitted.decrementAndGet();
                            refused(peer);
                            return new TryAgainLater();
                        }
                        return new VoskConnection(this, connectionIds.incrementAndGet(), peer);
                    },
                    "vosk-ws");
        } catch (Exception e) {
            workers.shutdownNow();
            keepalive.shutdownNow();
            throw e;
        }
    }

    /** Starts listening; the server is ready when this returns. */
    public static VoskProtocolServer start(Recognizer recognizer, VoskServerSettings settings) throws Exception {
        VoskProtocolServer server = new VoskProtocolServer(recognizer, settings);
        log.info("vosk protocol server listening on {} with engine {}, default {} Hz, {} workers",
                server.uri(), recognizer.name(), settings.sampleRate(), settings.tuning().workers());
        return server;
    }

    public URI uri() {
        return host.uri();
    }

    public int port() {
        return host.port();
    }

    /** Connections open right now. */
    public int openConnections() {
        return open.get();
    }

    Recognizer recognizer() {
        return recognizer;
    }

    VoskServerSettings settings() {
        return settings;
    }

    ExecutorService workers() {
        return workers;
    }

    ScheduledExecutorService keepalive() {
        return keepalive;
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
        admitted.decrementAndGet();
    }

    private void refused(String peer) {
        long now = System.currentTimeMillis();
        long last = lastRefusalLogMs.get();
        if (now - last >= 10_000 && lastRefusalLogMs.compareAndSet(last, now)) {
            log.warn("vosk connection from {} refused with 1013 try again later: {} connections are served, the limit "
                    + "(--max-connections; logged at most every 10 s)", peer, settings.tuning().maxConnections());
        }
    }

    /** A connection beyond the limit: closed with 1013 as soon as it opens, before any stream or decoder exists. */
    private static final class TryAgainLater implements org.eclipse.jetty.websocket.api.WebSocketListener {
        @Override
        public void onWebSocketConnect(org.eclipse.jetty.websocket.api.Session session) {
            session.close(io.callscribe.vosk.VoskCloseStatus.TRY_AGAIN_LATER.code(), "try again later: server at its connection limit");
        }
    }

    @Override
    public void close() {
        int port = port();
        host.close();
        workers.shutdownNow();
        keepalive.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("vosk protocol server on port {} stopped", port);
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
