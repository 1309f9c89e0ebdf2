package io.callscribe.source.audiosocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Accepts Asterisk AudioSocket connections ({@code AudioSocket(uuid,host:port)} or the AudioSocket
 * channel driver). Each connection gets a virtual thread that reads the UUID, hands an
 * {@link AudioSocketCall} to the consumer on a new virtual thread, then keeps reading audio into it.
 * A malformed connection is closed with one log line and does not affect the others.
 */
public final class AudioSocketServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioSocketServer.class);

    /**
     * @param host             address to bind (127.0.0.1 by default)
     * @param port             TCP port, 0 for any free one
     * @param maxPayload       largest accepted message payload in bytes (see {@link AudioSocketCodec#DEFAULT_MAX_PAYLOAD})
     * @param bufferSeconds    audio kept in memory per call when the consumer lags; beyond it, audio goes to a temp file
     * @param spillDir         where those temp files go
     * @param handshakeTimeout how long a new connection may take to send its UUID
     * @param maxCalls         calls connected at once; a connection beyond it is closed before its UUID is read
     * @param maxSpillSeconds  audio per call in the temp file; beyond it the call ends with an error, and the audio
     *                         received until then is still transcribed
     * @param readTimeout      a call that sends nothing (no audio, no DTMF) for this long has ended; TCP keepalive
     *                         also finds a peer that vanished without closing
     */
    public record Config(String host, int port, int maxPayload, int bufferSeconds, Path spillDir, Duration handshakeTimeout,
                         int maxCalls, int maxSpillSeconds, Duration readTimeout) {
        public static final int DEFAULT_MAX_CALLS = 500;
        public static final int DEFAULT_MAX_SPILL_SECONDS = 3600;
        public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
        public static final int DEFAULT_BUFFER_SECONDS = 60;
        public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(spillDir, "spillDir");
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("AudioSocket port must be 0..65535, got " + port);
            }
            if (bufferSeconds < 1) {
                throw new IllegalArgumentException("AudioSocket bufferSeconds must be >= 1, got " + bufferSeconds);
            }
            if (maxCalls < 1) {
                throw new IllegalArgumentException("AudioSocket maxCalls must be >= 1, got " + maxCalls);
            }
            if (maxSpillSeconds < 0) {
                throw new IllegalArgumentException("AudioSocket maxSpillSeconds must be >= 0, got " + maxSpillSeconds);
            }
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("AudioSocket readTimeout must be positive, got " + readTimeout);
            }
        }

        /** Each call's audio buffer: {@code --audiosocket-buffer-seconds} in memory, {@code --audiosocket-max-spill-seconds} on disk. */
        public io.callscribe.source.BufferLimits bufferLimits() {
            return new io.callscribe.source.BufferLimits("--audiosocket", bufferSeconds, maxSpillSeconds, spillDir);
        }

        /**
         * A listener on {@code host:port} with these limits; the largest payload, the spill directory (the system temp
         * directory) and the handshake timeout (10 s) at their defaults.
         */
        public static Config of(String host, int port, int maxCalls, int bufferSeconds, int maxSpillSeconds, Duration readTimeout) {
            return new Config(host, port, AudioSocketCodec.DEFAULT_MAX_PAYLOAD, bufferSeconds, AudioSocketCall.defaultSpillDir(),
                    DEFAULT_HANDSHAKE_TIMEOUT, maxCalls, maxSpillSeconds, readTimeout);
        }
    }

    private final Config config;
    private final AudioSocketCodec codec;
    private final Consumer<AudioSocketCall> onCall;
    private final ServerSocket listener;
    private final Set<AudioSocketCall> calls = ConcurrentHashMap.newKeySet();
    private final Set<Socket> handshaking = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong lastLimitLogMs = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean stopped;

    private AudioSocketServer(Config config, Consumer<AudioSocketCall> onCall) throws IOException {
        this.config = config;
        this.codec = new AudioSocketCodec(config.maxPayload());
        this.onCall = onCall;
        this.listener = new ServerSocket();
        try {
            listener.bind(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()), 128);
        } catch (IOException e) {
            listener.close();
            throw new IOException("AudioSocket server cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        this.acceptor = Thread.ofVirtual().name("audiosocket-accept-" + port()).unstarted(this::acceptLoop);
    }

    /** Binds and starts accepting; {@code onCall} receives every call after its UUID, on a new virtual thread. */
    public static AudioSocketServer start(Config config, Consumer<AudioSocketCall> onCall) throws IOException {
        AudioSocketServer server = new AudioSocketServer(config, onCall);
        server.acceptor.start();
        log.info("AudioSocket server listening on {}:{}", config.host(), server.port());
        return server;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return listener.getLocalPort();
    }

    /** Calls currently connected. */
    public int activeCalls() {
        return calls.size();
    }

    private void acceptLoop() {
        while (!stopped) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!stopped) {
                    log.error("AudioSocket server on port {} stopped accepting: {}", port(), e.getMessage());
                }
                return;
            }
            if (connections.incrementAndGet() > config.maxCalls()) {
                connections.decrementAndGet();
                long now = System.currentTimeMillis();
                long last = lastLimitLogMs.get();
                if (now - last >= 10_000 && lastLimitLogMs.compareAndSet(last, now)) {
                    log.warn("AudioSocket connection from {} refused: {} calls are connected, the limit "
                            + "(--audiosocket-max-calls; logged at most every 10 s)", socket.getRemoteSocketAddress(), config.maxCalls());
                }
                closeQuietly(socket);
                continue;
            }
            Thread.ofVirtual().name("audiosocket-conn-" + socket.getPort()).start(() -> {
                try {
                    serve(socket);
                } finally {
                    connections.decrementAndGet();
                }
            });
        }
    }

    private void serve(Socket socket) {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        AudioSocketCall call;
        AudioSocketCall.FrameInput in;
        handshaking.add(socket);
        try {
            if (stopped) {
                socket.close();
                return;
            }
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) Math.max(1, config.handshakeTimeout().toMillis()));
            in = AudioSocketCall.input(socket);
            AudioSocketMessage first = codec.read(in);
            if (!(first instanceof AudioSocketMessage.Uuid uuid)) {
                throw new AudioSocketProtocolException(first == null ? "closed before sending its UUID"
                        : "first message is kind " + AudioSocketCodec.hex(first.kind()) + ", expected the UUID (0x01)");
            }
            // Audio may pause (hold, silence suppression), but not for longer than the read timeout; keepalive
            // notices a peer that vanished without a FIN.
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.readTimeout().toMillis()));
            enableKeepAlive(socket);
            call = new AudioSocketCall(uuid.id(), socket, codec, config);
        } catch (AudioSocketProtocolException e) {
            log.warn("AudioSocket connection from {} closed: {}", peer, e.getMessage());
            closeQuietly(socket);
            return;
        } catch (SocketTimeoutException e) {
            log.warn("AudioSocket connection from {} closed: no UUID within {} ms", peer, config.handshakeTimeout().toMillis());
            closeQuietly(socket);
            return;
        } catch (IOException e) {
            if (!stopped) {
                log.warn("AudioSocket connection from {} closed before its UUID: {}", peer, e.getMessage());
            }
            closeQuietly(socket);
            return;
        } finally {
            handshaking.remove(socket);
        }
        calls.add(call);
        if (stopped) {
            call.stop(); // stop() ran between the handshake and registration
        }
        log.info("{}: connected", call.description());
        Thread.ofVirtual().name("audiosocket-call-" + call.id()).start(() -> {
            try {
                onCall.accept(call);
            } catch (RuntimeException e) {
                log.error("{}: call handler failed: {}", call.description(), e.toString());
                call.stop();
            }
        });
        try {
            call.pump(in);
        } finally {
            calls.remove(call);
        }
    }

    /** Closes the listener and ends every live call with reason "stopped". Idempotent. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        closeQuietly(listener);
        for (Socket s : handshaking) {
            closeQuietly(s);
        }
        for (AudioSocketCall call : calls) {
            call.stop();
        }
        log.info("AudioSocket server on port {} stopped", port());
    }

    @Override
    public void close() {
        stop();
    }

    /** TCP keepalive probing after 30 s idle, every 10 s, 3 probes (Linux); the OS defaults where not supported. */
    static void enableKeepAlive(Socket socket) throws IOException {
        socket.setKeepAlive(true);
        try {
            socket.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 30);
            socket.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 10);
            socket.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        } catch (UnsupportedOperationException e) {
            // this platform keeps its own keepalive timing
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort while shutting a connection
        }
    }
}
