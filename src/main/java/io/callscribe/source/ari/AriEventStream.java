package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The ARI events WebSocket ({@code /ari/events?app=NAME&subscribeAll=true}), kept connected: when it
 * cannot connect or drops (Asterisk restarting), it tries again after 0.5 s, 1 s, 2 s ... up to
 * {@link #MAX_BACKOFF}, logging one line per state change, not per attempt.
 * <p>Thread contract: {@link Listener} methods run on one dispatcher thread, in order:
 * {@code connected()} after each (re)connect, then the events that arrived after it.
 */
public final class AriEventStream implements AutoCloseable {

    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(AriEventStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives the stream, on the dispatcher thread. */
    public interface Listener {
        /** The socket is (again) open: find what happened while it was not. */
        void connected();

        void event(AriEvent event);

        /** The socket closed or could not open; {@code why} is one line for the log. */
        default void disconnected(String why) {
        }
    }

    private sealed interface Item {
    }

    private record Connected() implements Item {
    }

    private record Received(AriEvent event) implements Item {
    }

    private record Lost(String why) implements Item {
    }

    private final AriClient client;
    private final Listener listener;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread connector;
    private final Thread dispatcher;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile WebSocket socket;
    private volatile String lastProblem;

    public AriEventStream(AriClient client, Listener listener) {
        this.client = client;
        this.listener = listener;
        this.connector = Thread.ofVirtual().name("ari-events-" + client.settings().app()).unstarted(this::connectLoop);
        this.dispatcher = Thread.ofVirtual().name("ari-dispatch-" + client.settings().app()).unstarted(this::dispatch);
    }

    public AriEventStream start() {
        dispatcher.start();
        connector.start();
        return this;
    }

    public boolean isConnected() {
        return connected;
    }

    private void connectLoop() {
        Duration backoff = Duration.ofMillis(500);
        while (!closed) {
            CompletableFuture<String> closedFuture = new CompletableFuture<>();
            try {
                socket = client.http().newWebSocketBuilder()
                        .header("Authorization", client.authorization())
                        .connectTimeout(client.settings().requestTimeout())
                        .buildAsync(client.settings().eventsUri(), new Receiver(closedFuture))
                        .get(client.settings().requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
                connected = true;
                if (lastProblem != null) {
                    log.info("ARI events connected again to {} (app {})", client.settings().baseUri(), client.settings().app());
                } else {
                    log.info("ARI events connected to {} (app {})", client.settings().baseUri(), client.settings().app());
                }
                lastProblem = null;
                backoff = Duration.ofMillis(500);
                queue.add(new Connected());
                String why = closedFuture.get();
                connected = false;
                if (!closed) {
                    problem("ARI events connection to " + client.settings().baseUri() + " lost (" + why + "); reconnecting");
                }
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                connected = false;
                if (closed) {
                    return;
                }
                problem(describeFailure(e));
            }
            if (closed) {
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private String describeFailure(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof WebSocketHandshakeException h) {
            int status = h.getResponse().statusCode();
            if (status == 401 || status == 403) {
                return "ARI events at " + client.settings().baseUri() + ": " + status + ", user '" + client.settings().user()
                        + "' was refused (check ari.conf and the password); retrying";
            }
            return "ARI events at " + client.settings().baseUri() + ": handshake answered " + status + "; retrying";
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return "ARI events at " + client.settings().baseUri() + ": no answer; retrying";
        }
        return "ARI events: cannot reach " + client.settings().baseUri() + " (" + AriClient.describe(t) + "); retrying";
    }

    /** One log line per distinct problem, not one per retry. */
    private void problem(String line) {
        if (!line.equals(lastProblem)) {
            log.warn(line);
            lastProblem = line;
            queue.add(new Lost(line));
        }
    }

    private void dispatch() {
        while (true) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                switch (item) {
                    case Connected c -> listener.connected();
                    case Received r -> listener.event(r.event());
                    case Lost l -> listener.disconnected(l.why());
                }
            } catch (RuntimeException e) {
                log.error("ARI event handling failed on {}: {}", item, e.toString());
            }
        }
    }

    /** Collects text frames into events; completes {@code closed} with the reason the socket ended. */
    private final class Receiver implements WebSocket.Listener {
        private final CompletableFuture<String> closed;
        private final StringBuilder text = new StringBuilder();

        private Receiver(CompletableFuture<String> closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    queue.add(new Received(AriEvent.parse(JSON.readTree(message))));
                } catch (Exception e) {
                    log.warn("ARI events: ignoring a message that is not an event: {}", e.getMessage());
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete("closed by Asterisk, status " + statusCode + (reason.isEmpty() ? "" : " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(AriClient.describe(error));
        }
    }

    @Override
    public void close() {
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        connector.interrupt();
        dispatcher.interrupt();
    }
}
