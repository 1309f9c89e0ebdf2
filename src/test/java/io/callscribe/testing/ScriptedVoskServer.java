package io.callscribe.testing;

import io.callscribe.asr.RecognitionResult.Alternative;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.event.Word;
import io.callscribe.vosk.VoskCodec;
import io.callscribe.vosk.VoskMessage;
import io.callscribe.vosk.VoskProtocolException;
import io.callscribe.net.JettyWebSocketHost;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;
import org.eclipse.jetty.websocket.api.WebSocketPingPongListener;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE: a fake Vosk server that speaks the Vosk WebSocket protocol lock-step (one pretty-printed
 * JSON reply per binary, reset or eof message, in order) without recognising anything. Its "recognition"
 * is a script derived from byte counts only:
 * <ul>
 *   <li>every {@code bytesPerWord} bytes of audio complete one word, named {@code w1, w2, ...} in stream
 *       order, with start/end times computed from the byte offsets at the configured sample rate;</li>
 *   <li>after a binary message that completes the {@code wordsPerFinal}-th word of the utterance, the
 *       reply is a final ({@code {"result": [...], "text": "w1 w2 ..."}}) and a new utterance begins;
 *       otherwise the reply is a partial with the utterance's words so far;</li>
 *   <li>reset and eof answer with the final of the words pending, or {@code {"text": ""}} when the last
 *       endpoint already fired; eof then closes with 1000.</li>
 * </ul>
 * With {@code max_alternatives} in the config, finals come in the alternatives form (the script's text
 * first, then the same words reversed).
 *
 * <p>Faults on demand: {@link #replyDelay} (slow server), {@link #pauseReplies()} (hold every reply until
 * {@link #resumeReplies()}), {@link #closeAfterMessages} (close with a code instead of the n-th reply),
 * {@link #closeConnectionAfterMessages} (the same for one connection only), {@link #dropConnections()} (TCP drop, the client sees 1006), {@link #ping()} (pongs are counted),
 * {@link #faultAt} (one fault at the n-th binary message counted over all connections: close with 1011,
 * TCP drop, a non-JSON reply or an unexpected JSON reply).
 *
 * <p>With {@link #namesFromAudio()}, a word is named after the first 16-bit sample of its audio
 * ({@code a<value>}) instead of its position in the connection: a client that replays audio on a new
 * connection then gets the same words for the same audio, so transcripts of faulty and clean runs compare.
 * Everything received is recorded: config messages, binary sizes, all text frames, close codes.
 *
 * <pre>{@code
 * try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {   // 127.0.0.1, free port
 *     vosk.bytesPerWord(3200).wordsPerFinal(3);
 *     URI uri = vosk.uri();                                        // ws://127.0.0.1:PORT
 *     ... run the client ...
 *     assertThat(vosk.binarySizes()).containsOnly(3200);
 * }
 * }</pre>
 */
public final class ScriptedVoskServer implements AutoCloseable {

    private final JettyWebSocketHost host;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<String> configs = new CopyOnWriteArrayList<>();
    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final List<Integer> binarySizes = new CopyOnWriteArrayList<>();
    private final java.io.ByteArrayOutputStream audio = new java.io.ByteArrayOutputStream();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final List<String> replies = new CopyOnWriteArrayList<>();
    private final AtomicInteger pongs = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();

    private volatile int bytesPerWord = 3200;
    private volatile int wordsPerFinal = 3;
    private volatile int defaultSampleRate = 8000;
    private volatile Duration replyDelay = Duration.ZERO;
    private volatile CountDownLatch replyGate = new CountDownLatch(0);
    private volatile int closeAfterMessages = Integer.MAX_VALUE;
    private volatile int closeCode = 1011;
    private volatile String closeReason = "";
    private volatile boolean namesFromAudio;
    private volatile java.util.function.IntFunction<String> audioNaming = first -> "a" + first;
    private final AtomicInteger totalBinary = new AtomicInteger();
    private final java.util.Map<Integer, Fault> faults = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, int[]> connectionFaults = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, String> connectionFaultReasons = new java.util.concurrent.ConcurrentHashMap<>();

    /** One-off faults for {@link #faultAt}. */
    public enum Fault {
        /** Close with 1011 (internal error) instead of replying. */
        CLOSE_1011,
        /** Drop the TCP connection without a close frame (the client sees 1006). */
        DROP,
        /** Reply with an HTML error page instead of JSON. */
        GARBAGE,
        /** Reply with JSON that is no Vosk reply. */
        UNEXPECTED_JSON,
        /** Reply with a 3 MB partial result (a server gone wrong; the client must not buffer it whole). */
        HUGE_REPLY
    }

    private ScriptedVoskServer(int port) throws Exception {
        this.host = JettyWebSocketHost.start("127.0.0.1", port, 1 << 20, Duration.ofMinutes(1),
                (request, response) -> new Connection(), "scripted-vosk");
    }

    /** Starts on 127.0.0.1 at a free port. */
    public static ScriptedVoskServer start() throws Exception {
        return new ScriptedVoskServer(0);
    }

    public static ScriptedVoskServer start(int port) throws Exception {
        return new ScriptedVoskServer(port);
    }

    public URI uri() {
        return host.uri();
    }

    public int port() {
        return host.port();
    }

    // ------------------------------------------------------------------ script

    public ScriptedVoskServer bytesPerWord(int bytes) {
        this.bytesPerWord = bytes;
        return this;
    }

    public ScriptedVoskServer wordsPerFinal(int words) {
        this.wordsPerFinal = words;
        return this;
    }

    /** The rate used for word times when the client sends no config. */
    public ScriptedVoskServer defaultSampleRate(int rate) {
        this.defaultSampleRate = rate;
        return this;
    }

    /** Words are named after the audio they cover (first sample), not counted per connection. */
    public ScriptedVoskServer namesFromAudio() {
        this.namesFromAudio = true;
        return this;
    }

    /**
     * Words are named by {@code naming} applied to the first sample of their audio (0..65535): a test then writes
     * the words it wants into its audio (one word per {@link #bytesPerWord} block) and gets a readable transcript.
     */
    public ScriptedVoskServer namesFromAudio(java.util.function.IntFunction<String> naming) {
        this.audioNaming = java.util.Objects.requireNonNull(naming, "naming");
        this.namesFromAudio = true;
        return this;
    }

    /** At the {@code n}-th binary message over all connections (1-based), {@code fault} happens instead of the reply. */
    public ScriptedVoskServer faultAt(int n, Fault fault) {
        faults.put(n, fault);
        return this;
    }

    /** Waits this long before each reply (a slow server). */
    public ScriptedVoskServer replyDelay(Duration delay) {
        this.replyDelay = delay;
        return this;
    }

    /** Holds every reply until {@link #resumeReplies()}. */
    public ScriptedVoskServer pauseReplies() {
        this.replyGate = new CountDownLatch(1);
        return this;
    }

    public ScriptedVoskServer resumeReplies() {
        this.replyGate.countDown();
        return this;
    }

    /** On the {@code n}-th binary message of a connection (1-based), closes with {@code code} instead of replying. */
    public ScriptedVoskServer closeAfterMessages(int n, int code, String reason) {
        this.closeAfterMessages = n;
        this.closeCode = code;
        this.closeReason = reason;
        return this;
    }

    // ------------------------------------------------------------------ faults

    /**
     * Only the {@code connection}-th connection opened (1-based) closes with {@code code} on its {@code n}-th binary
     * message instead of replying; the others go on: one call's recogniser fails while the other calls are served.
     */
    public ScriptedVoskServer closeConnectionAfterMessages(int connection, int n, int code, String reason) {
        connectionFaults.put(connection, new int[]{n, code});
        connectionFaultReasons.put(connection, reason);
        return this;
    }

    /** Sends a ping on every open connection; answers are counted by {@link #pongs()}. */
    public void ping() throws IOException {
        for (Connection c : connections) {
            if (c.session != null && c.session.isOpen()) {
                c.session.getRemote().sendPing(ByteBuffer.wrap(new byte[]{'k', 'a'}));
            }
        }
    }

    /** Drops every connection without a close frame. */
    public void dropConnections() {
        for (Connection c : connections) {
            if (c.session != null) {
                c.session.disconnect();
            }
        }
    }

    // ------------------------------------------------------------------ records

    public List<String> configs() {
        return List.copyOf(configs);
    }

    /** Every text frame received, config included, in order. */
    public List<String> texts() {
        return List.copyOf(texts);
    }

    public List<Integer> binarySizes() {
        return List.copyOf(binarySizes);
    }

    /** Every audio byte received, on all connections, in order of arrival. */
    public byte[] audio() {
        synchronized (audio) {
            return audio.toByteArray();
        }
    }

    public List<String> replies() {
        return List.copyOf(replies);
    }

    public List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    public int pongs() {
        return pongs.get();
    }

    public int connectionsOpened() {
        return opened.get();
    }

    @Override
    public void close() {
        resumeReplies();
        host.close();
    }

    /** One client connection: the script state of its stream. */
    private final class Connection implements WebSocketListener, WebSocketPingPongListener {
        private volatile Session session;
        private volatile int number;
        private int sampleRate = defaultSampleRate;
        private int maxAlternatives;
        private boolean words = true;
        private long bytes;
        private int messages;
        private int wordsEmitted;
        private final List<Word> pending = new ArrayList<>();
        /** First sample of each word-sized block whose start has arrived, by block index. */
        private final java.util.Map<Long, Integer> blockFirstSample = new java.util.HashMap<>();

        @Override
        public void onWebSocketConnect(Session session) {
            this.session = session;
            number = opened.incrementAndGet();
            connections.add(this);
        }

        @Override
        public void onWebSocketText(String message) {
            texts.add(message);
            VoskMessage parsed;
            try {
                parsed = VoskCodec.decodeText(message);
            } catch (VoskProtocolException e) {
                session.close(1011, "bad text message");
                return;
            }
            if (parsed instanceof VoskMessage.Eof) {
                reply(finalOfPending());
                session.close(1000, "");
                return;
            }
            if (parsed instanceof VoskMessage.Reset) {
                reply(finalOfPending());
                return;
            }
            if (parsed instanceof VoskMessage.Config config) {
                configs.add(message);
                config.sampleRate().ifPresent(r -> sampleRate = r);
                config.maxAlternatives().ifPresent(a -> maxAlternatives = a);
                config.words().ifPresent(w -> words = w);
            }
        }

        @Override
        public void onWebSocketBinary(byte[] payload, int offset, int length) {
            binarySizes.add(length);
            synchronized (audio) {
                audio.write(payload, offset, length);
            }
            messages++;
            if (messages >= closeAfterMessages) {
                session.close(closeCode, closeReason);
                return;
            }
            int[] own = connectionFaults.get(number);
            if (own != null && messages >= own[0]) {
                session.close(own[1], connectionFaultReasons.get(number));
                return;
            }
            Fault fault = faults.remove(totalBinary.incrementAndGet());
            if (fault != null) {
                switch (fault) {
                    case CLOSE_1011 -> session.close(1011, "injected fault");
                    case DROP -> session.disconnect();
                    case GARBAGE -> reply("<html><body>502 Bad Gateway</body></html>");
                    case UNEXPECTED_JSON -> reply("{\"status\": \"overloaded\"}");
                    case HUGE_REPLY -> reply("{\"partial\": \"" + "w".repeat(3 << 20) + "\"}");
                }
                return;
            }
            long before = bytes;
            bytes += length;
            for (long b = (before + bytesPerWord - 1) / bytesPerWord * bytesPerWord; b < bytes; b += bytesPerWord) {
                int at = offset + (int) (b - before);
                if (at + 1 < offset + length) {
                    blockFirstSample.put(b / bytesPerWord, (short) ((payload[at] & 0xff) | (payload[at + 1] << 8)) & 0xffff);
                }
            }
            long completed = bytes / bytesPerWord;
            for (long i = before / bytesPerWord; i < completed; i++) {
                wordsEmitted++;
                double start = seconds(i * bytesPerWord);
                double end = seconds((i + 1) * bytesPerWord);
                Integer first = blockFirstSample.remove(i);
                String name = !namesFromAudio ? "w" + wordsEmitted : first == null ? "a?" : audioNaming.apply(first);
                pending.add(new Word(name, start, end, 0.9));
            }
            if (pending.size() >= wordsPerFinal) {
                reply(finalOfPending());
            } else {
                reply(VoskCodec.encodeReply(new io.callscribe.asr.RecognitionResult.Partial(text(pending)), words, 0));
            }
        }

        private double seconds(long byteOffset) {
            return Math.round(byteOffset * 1000.0 / (2.0 * sampleRate)) / 1000.0;
        }

        private String finalOfPending() {
            Final f = Final.of(text(pending), pending);
            if (maxAlternatives > 0 && !pending.isEmpty()) {
                List<Word> reversed = new ArrayList<>(pending).reversed();
                f = new Final(f.text(), f.start(), f.end(), f.words(), List.of(
                        new Alternative(f.text(), 0.9, pending), new Alternative(text(reversed), 0.1, reversed)));
            }
            pending.clear();
            return VoskCodec.encodeReply(f, words, maxAlternatives);
        }

        private static String text(List<Word> words) {
            return String.join(" ", words.stream().map(Word::word).toList());
        }

        private void reply(String json) {
            try {
                if (!replyGate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("scripted vosk server: replies paused for 30 s");
                }
                if (!replyDelay.isZero()) {
                    Thread.sleep(replyDelay.toMillis());
                }
                session.getRemote().sendString(json);
                replies.add(json);
            } catch (IOException e) {
                // the client went away; nothing to answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            try {
                session.getRemote().sendPong(payload);
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            pongs.incrementAndGet();
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            closeCodes.add(statusCode);
            connections.remove(this);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // recorded through the close code
        }
    }

}
