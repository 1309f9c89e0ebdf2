package io.callscribe.asr.vosk;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A remote Vosk server reached over its WebSocket protocol, one persistent connection per stream.
 * Uses the JDK {@code java.net.http} WebSocket client (it answers server pings by itself).
 */
public final class VoskWebSocketRecognizer implements Recognizer {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /**
     * Messages sent but not yet answered. 16 chunks of 200 ms hold a whole MixMonitor flush (32 KiB = 10.24
     * chunks at 8 kHz), so a flush goes out at once even while the server decodes the previous one
     * (bench/pipeline: with 8, a 20 ms-per-message server held the last 3 chunks of each flush back 60 ms).
     */
    public static final int DEFAULT_MAX_IN_FLIGHT = 16;
    /** A Vosk server answers a 200 ms chunk in well under a second even when busy; 15 s of silence means it is stuck. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(15);
    /** Longest reply taken from the server, in characters: a Vosk result is a few kilobytes, a long final tens. */
    public static final int DEFAULT_MAX_REPLY_CHARS = 1 << 20;

    private volatile Probe probe;
    private final URI server;
    private final Duration connectTimeout;
    private final int maxInFlight;
    private final Duration replyTimeout;
    private final int maxReplyChars;
    private final HttpClient http;
    /** One daemon thread checks the reply deadline of every stream of this recogniser. */
    private final ScheduledExecutorService timer;

    public VoskWebSocketRecognizer(URI server) {
        this(server, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    public VoskWebSocketRecognizer(URI server, Duration connectTimeout, int maxInFlight) {
        this(server, connectTimeout, maxInFlight, DEFAULT_REPLY_TIMEOUT);
    }

    /**
     * @param maxInFlight messages sent and not yet answered before {@code accept} blocks (backpressure)
     */
    public VoskWebSocketRecognizer(URI server, Duration connectTimeout, int maxInFlight, Duration replyTimeout) {
        this(server, connectTimeout, maxInFlight, replyTimeout, DEFAULT_MAX_REPLY_CHARS);
    }

    /**
     * @param maxInFlight   messages sent and not yet answered before {@code accept} blocks (backpressure)
     * @param maxReplyChars a longer reply fails the stream (which reconnects and replays) instead of being buffered
     */
    public VoskWebSocketRecognizer(URI server, Duration connectTimeout, int maxInFlight, Duration replyTimeout,
                                   int maxReplyChars) {
        if (maxReplyChars < 1024) {
            throw new IllegalArgumentException("the longest reply taken from a vosk server must be at least 1 KiB, got "
                    + maxReplyChars + " characters");
        }
        this.maxReplyChars = maxReplyChars;
        if (!"ws".equals(server.getScheme()) && !"wss".equals(server.getScheme())) {
            throw new IllegalArgumentException("vosk server address must be ws:// or wss://, got " + server);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.server = server;
        this.connectTimeout = connectTimeout;
        if (replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("reply timeout must be positive, got " + replyTimeout);
        }
        this.maxInFlight = maxInFlight;
        this.replyTimeout = replyTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("vosk-reply-deadline").factory());
    }

    public URI server() {
        return server;
    }

    @Override
    public String name() {
        return "vosk-ws " + server;
    }

    /** The server decides; the config message tells it our rate. */
    @Override
    public OptionalInt requiredSampleRate() {
        return OptionalInt.empty();
    }

    /** A TCP connect to the server, at most once per {@link #PROBE_EVERY}; the last answer is reused in between. */
    @Override
    public Optional<String> unavailableReason() {
        long now = System.nanoTime();
        Probe last = probe;
        if (last != null && now - last.atNanos() < PROBE_EVERY.toNanos()) {
            return last.problem();
        }
        Optional<String> problem;
        int port = server.getPort() > 0 ? server.getPort() : ("wss".equals(server.getScheme()) ? 443 : 80);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(server.getHost(), port), (int) PROBE_TIMEOUT.toMillis());
            problem = Optional.empty();
        } catch (IOException e) {
            problem = Optional.of("vosk server " + server + " cannot be reached: "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        probe = new Probe(now, problem);
        return problem;
    }

    private record Probe(long atNanos, Optional<String> problem) {
    }

    @Override
    public VoskWebSocketStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        VoskWebSocketStream stream = new VoskWebSocketStream(server.toString(), options, listener, maxInFlight,
                replyTimeout, maxReplyChars);
        WebSocket socket;
        try {
            socket = http.newWebSocketBuilder()
                    .connectTimeout(connectTimeout)
                    .buildAsync(server, stream.receiver())
                    .get(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecognizerException("interrupted while connecting to vosk server " + server, true, e);
        } catch (TimeoutException e) {
            throw new RecognizerException("vosk server " + server + " did not accept the connection within "
                    + connectTimeout.toMillis() + " ms", true, e);
        } catch (ExecutionException | CompletionException e) {
            throw connectFailure(e.getCause() == null ? e : e.getCause());
        }
        stream.start(socket);
        stream.watchReplies(timer);
        return stream;
    }

    private RecognizerException connectFailure(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && !(root instanceof ConnectException)) {
            root = root.getCause();
        }
        if (cause instanceof WebSocketHandshakeException h) {
            return new RecognizerException("vosk server " + server + " refused the WebSocket upgrade (HTTP "
                    + h.getResponse().statusCode() + "): is it a Vosk server?", false, cause);
        }
        if (root instanceof ConnectException) {
            return new RecognizerException("vosk server " + server + " refused the connection ("
                    + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                    + "): is it running?", true, cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new RecognizerException("vosk server " + server + " did not accept the connection within "
                    + connectTimeout.toMillis() + " ms", true, cause);
        }
        return new RecognizerException("cannot connect to vosk server " + server + ": " + cause, true, cause);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.shutdownNow();
    }
}
