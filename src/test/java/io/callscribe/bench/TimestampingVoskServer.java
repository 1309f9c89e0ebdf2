package io.callscribe.bench;

import io.callscribe.asr.RecognitionResult;
import io.callscribe.event.Word;
import io.callscribe.vosk.VoskCodec;
import io.callscribe.vosk.VoskMessage;
import io.callscribe.net.JettyWebSocketHost;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Load double for benchmarks, not a recogniser: speaks the Vosk protocol lock-step, answers a partial to
 * each audio message and a final "f&lt;n&gt;" every {@code messagesPerFinal} messages, after an optional
 * per-message delay (a stand-in for decoding time). Stamps when each audio byte arrived and when each
 * final was sent, so a benchmark can measure the client's delays on both sides.
 */
final class TimestampingVoskServer implements AutoCloseable {

    /** Cumulative audio bytes received on a connection when a message arrived, and when. */
    record Arrival(long cumulativeBytes, long nanos) {
    }

    private final JettyWebSocketHost host;
    private final int messagesPerFinal;
    private final Duration delay;
    final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    final Map<String, Long> finalSentNanos = new ConcurrentHashMap<>();

    TimestampingVoskServer(int messagesPerFinal, Duration delay) throws Exception {
        this.messagesPerFinal = messagesPerFinal;
        this.delay = delay;
        this.host = JettyWebSocketHost.start("127.0.0.1", 0, 1 << 20, Duration.ofMinutes(5),
                (req, resp) -> new Connection(), "bench-vosk");
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + host.port());
    }

    void clear() {
        arrivals.clear();
        finalSentNanos.clear();
    }

    @Override
    public void close() throws Exception {
        host.close();
    }

    private final class Connection implements WebSocketListener {
        private Session session;
        private long bytes;
        private int messages;
        private int finals;

        @Override
        public void onWebSocketConnect(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketBinary(byte[] payload, int offset, int length) {
            long now = System.nanoTime();
            bytes += length;
            arrivals.add(new Arrival(bytes, now));
            messages++;
            if (messages % messagesPerFinal == 0) {
                String text = "f" + (++finals) + "x" + System.identityHashCode(this);
                double end = bytes / 16000.0;
                send(VoskCodec.encodeReply(RecognitionResult.Final.of(text,
                        List.of(new Word(text, Math.max(0, end - 0.5), end, 1.0))), true, 0), text);
            } else {
                send(VoskCodec.encodeReply(new RecognitionResult.Partial("p" + messages), true, 0), null);
            }
        }

        @Override
        public void onWebSocketText(String message) {
            if (VoskCodec.encodeText(new VoskMessage.Eof()).equals(message)) {
                send(VoskCodec.emptyFinalReply(), null);
                session.close(1000, "");
            }
        }

        private void send(String json, String finalText) {
            try {
                if (!delay.isZero()) {
                    Thread.sleep(delay.toMillis());
                }
                if (finalText != null) {
                    finalSentNanos.put(finalText, System.nanoTime());
                }
                session.getRemote().sendString(json);
            } catch (IOException e) {
                // client gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
