package io.callscribe.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain JDK WebSocket client for tests and benchmarks: sends what it is told, queues every text message the
 * server sends (whole, however fragmented), counts pings, records the close. No Vosk logic of its own.
 */
public final class RawWebSocketClient implements WebSocket.Listener {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    public final CompletableFuture<String> closed = new CompletableFuture<>();
    public final AtomicInteger pings = new AtomicInteger();
    private final StringBuilder text = new StringBuilder();
    private WebSocket ws;

    public static RawWebSocketClient connect(URI uri) throws Exception {
        RawWebSocketClient c = new RawWebSocketClient();
        c.ws = HTTP.newWebSocketBuilder().buildAsync(uri, c).get(5, TimeUnit.SECONDS);
        return c;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            replies.add(text.toString());
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        pings.incrementAndGet();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete("error " + error);
    }

    /** Closes the connection at once (no close handshake). */
    public void abort() {
        ws.abort();
    }

    public void text(String message) throws Exception {
        ws.sendText(message, true).get(5, TimeUnit.SECONDS);
    }

    public void binary(byte[] pcm) throws Exception {
        binary(pcm, 0, pcm.length);
    }

    public void binary(byte[] pcm, int offset, int length) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(pcm, offset, length), true).get(5, TimeUnit.SECONDS);
    }

    /** Starts sending without waiting for the send to complete (for messages the server is expected to refuse). */
    public CompletableFuture<WebSocket> binaryNoWait(byte[] pcm) {
        return ws.sendBinary(ByteBuffer.wrap(pcm), true);
    }

    /** The next text message, or null when none came within the timeout. */
    public String nextReply(long timeout, TimeUnit unit) throws InterruptedException {
        return replies.poll(timeout, unit);
    }

    public String closeStatus() throws Exception {
        return closed.get(5, TimeUnit.SECONDS);
    }
}
