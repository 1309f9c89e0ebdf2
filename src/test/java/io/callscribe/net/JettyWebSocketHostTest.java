package io.callscribe.net;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The WebSocket upgrade has a total deadline from accept: Jetty's idle timeout alone counts per read. */
class JettyWebSocketHostTest {

    private static final Duration DEADLINE = Duration.ofSeconds(2);

    /** Echoes text messages. */
    public static final class Echo implements WebSocketListener {
        private volatile Session session;

        @Override
        public void onWebSocketConnect(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            try {
                session.getRemote().sendString(message);
            } catch (IOException e) {
                // the client went away
            }
        }
    }

    private static JettyWebSocketHost host() throws Exception {
        return JettyWebSocketHost.start("127.0.0.1", 0, 1 << 16, Duration.ofSeconds(30), DEADLINE,
                (request, response) -> new Echo(), "deadline-test");
    }

    @Test
    void aClientDribblingItsUpgradeRequestIsClosedAtTheDeadlineNotAfterTheIdleTimeout() throws Exception {
        byte[] request = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (JettyWebSocketHost host = host(); Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", host.port()), 2000);
            long start = System.nanoTime();
            AtomicInteger sent = new AtomicInteger();
            Thread dribbler = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (byte b : request) {
                        out.write(b);
                        out.flush();
                        sent.incrementAndGet();
                        Thread.sleep(1000); // one byte a second: every read is well within the 30 s idle timeout
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server: the point
                }
            });
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (java.net.SocketTimeoutException stillOpen) {
                read = -2; // nothing closed it within 10 s
            } catch (IOException reset) {
                read = -1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            dribbler.interrupt();
            assertThat(read).as("the server closed the connection").isEqualTo(-1);
            assertThat(seconds).as("seconds to the close").isBetween(DEADLINE.toMillis() / 1000.0 - 0.1, 5.0);
            assertThat(sent.get()).as("bytes of the request sent by then").isLessThan(request.length);
        }
    }

    @Test
    void anUpgradedConnectionOutlivesTheDeadline() throws Exception {
        try (JettyWebSocketHost host = host()) {
            CompletableFuture<String> echo = new CompletableFuture<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(host.uri(), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            echo.complete(data.toString());
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            Thread.sleep(DEADLINE.toMillis() + 1000);
            ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
            assertThat(echo.get(5, TimeUnit.SECONDS)).isEqualTo("still here");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        }
    }
}
