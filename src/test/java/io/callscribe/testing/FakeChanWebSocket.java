package io.callscribe.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Test double: what chan_websocket does as a WebSocket client (Asterisk dialling out through websocket_client.conf),
 * with fault injection: it sends whatever text and binary messages the test asks for, in order, and records how the
 * server closed the connection.
 */
public final class FakeChanWebSocket implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    private final WebSocket ws;
    private final Holder closes;

    private FakeChanWebSocket(WebSocket ws, Holder closes) {
        this.ws = ws;
        this.closes = closes;
    }

    /** Connects like Asterisk: subprotocol media, basic auth when {@code password} is not null. */
    public static FakeChanWebSocket connect(URI uri, String password) throws Exception {
        Holder h = new Holder();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().subprotocols("media").connectTimeout(Duration.ofSeconds(5));
        if (password != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(("asterisk:" + password).getBytes(StandardCharsets.UTF_8)));
        }
        WebSocket ws = b.buildAsync(uri, h).get(5, TimeUnit.SECONDS);
        return new FakeChanWebSocket(ws, h);
    }

    /** The HTTP status the server refused the upgrade with. */
    public static int refusal(URI uri, String authorization) throws Exception {
        WebSocket.Builder b = HTTP.newWebSocketBuilder();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            b.buildAsync(uri, new WebSocket.Listener() { }).get(5, TimeUnit.SECONDS).abort();
            return 101;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    public String subprotocol() {
        return ws.getSubprotocol();
    }

    public FakeChanWebSocket text(String message) throws Exception {
        ws.sendText(message, true).get(5, TimeUnit.SECONDS);
        return this;
    }

    public FakeChanWebSocket mediaStart(String channelId, String format, int frameSize) throws Exception {
        return text("MEDIA_START connection_id:callscribe channel:WebSocket/callscribe/0x7f00" + channelId.hashCode()
                + " channel_id:" + channelId + " format:" + format + " optimal_frame_size:" + frameSize + " ptime:20");
    }

    public FakeChanWebSocket binary(byte[] data) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(data), true).get(5, TimeUnit.SECONDS);
        return this;
    }

    /** {@code pcm} in frames of {@code frame} bytes, one every 20 ms when {@code paced}. */
    public FakeChanWebSocket audio(byte[] pcm, int frame, boolean paced) throws Exception {
        for (int p = 0; p < pcm.length; p += frame) {
            byte[] f = java.util.Arrays.copyOfRange(pcm, p, Math.min(pcm.length, p + frame));
            binary(f);
            if (paced) {
                Thread.sleep(20);
            }
        }
        return this;
    }

    /** Asterisk's hang-up: a close frame with 1000. */
    public void hangup() throws Exception {
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
    }

    /** The close code the server sent, or -1 if it did not close within the timeout. */
    public int serverClose(long millis) throws Exception {
        try {
            return closes.closedWith.get(millis, TimeUnit.MILLISECONDS)[0];
        } catch (java.util.concurrent.TimeoutException e) {
            return -1;
        }
    }

    /** The reason of the server's close frame (after {@link #serverClose}). */
    public String closeReason() {
        return closes.closeReason;
    }

    @Override
    public void close() {
        ws.abort();
    }

    /** The server's close, recorded by the listener itself: a close that comes before connect() returns is kept too. */
    private static final class Holder implements WebSocket.Listener {
        final CompletableFuture<int[]> closedWith = new CompletableFuture<>();
        volatile String closeReason;

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closedWith.complete(new int[] {statusCode});
            return null;
        }
    }
}
