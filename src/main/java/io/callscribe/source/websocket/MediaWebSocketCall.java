package io.callscribe.source.websocket;

import io.callscribe.audio.PcmFormat;
import io.callscribe.source.LiveAudioSource;
import io.callscribe.source.BufferLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One chan_websocket media connection: the audio Asterisk sends for one WebSocket channel, as an {@link AudioSource}.
 * The same for both directions of connection ({@link MediaWebSocketServer}: Asterisk connects to callscribe;
 * {@link MediaWebSocketConnector}: callscribe connects to Asterisk's {@code /media/<id>}).
 *
 * <p>The first message must be MEDIA_START (format, frame size); then binary messages are audio in that format and
 * text messages are control events. The call ends when Asterisk closes the connection (its hang-up), on
 * {@link #stop()} (callscribe closes with 1000, which makes Asterisk hang up the WebSocket channel), or on a protocol
 * fault; audio received before the end is always delivered first. An unknown event is logged once per name and
 * ignored; a malformed control event after MEDIA_START is logged and ignored (the audio is intact); malformed audio
 * or a missing MEDIA_START ends the call with a {@link MediaProtocolException}.
 *
 * <p>Thread contract: the {@code on*} methods are called by the transport, one at a time (its reader); {@link #read}
 * and {@link #format} by the call session's thread; {@link #stop}, {@link #send} and the accessors from any thread.
 */
public final class MediaWebSocketCall extends LiveAudioSource {

    private static final Logger log = LoggerFactory.getLogger(MediaWebSocketCall.class);

    /** URI parameter ({@code v(call_id=...)} in the dial string) naming the call; else the channel's uniqueid. */
    public static final String CALL_ID_PARAMETER = "call_id";
    /** URI parameter naming the speaker of this leg; else none. */
    public static final String SPEAKER_PARAMETER = "speaker";

    /**
     * @param buffer           audio kept while the session lags: in memory, then in a temp file; beyond both the call
     *                         ends with an error ({@link LiveAudioSource#offer}), its connection closed with 1011
     * @param handshakeTimeout how long a connection may take to send MEDIA_START
     */
    public record Config(BufferLimits buffer, Duration handshakeTimeout) {
        public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

        public Config {
            Objects.requireNonNull(buffer, "buffer");
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        }

        /** The {@code --websocket} listener's defaults: 60 s in memory, 3600 s on disk, 10 s for MEDIA_START. */
        public static Config defaults() {
            return of(BufferLimits.defaults("--websocket"));
        }

        /** These buffer limits, 10 s for MEDIA_START. */
        public static Config of(BufferLimits buffer) {
            return new Config(buffer, DEFAULT_HANDSHAKE_TIMEOUT);
        }

        public Config withHandshakeTimeout(Duration timeout) {
            return new Config(buffer, timeout);
        }
    }

    /**
     * The connection under a call: a Jetty session or a JDK WebSocket. Thread-safe: text may be sent and the
     * connection closed from any thread; closing twice is harmless.
     */
    public interface Link {
        void sendText(String text) throws IOException;

        void close(MediaCloseStatus status, String reason);

        /** The peer's address, for logs. */
        String remote();
    }

    private final Link link;
    private final Map<String, String> uriParameters;
    private final Config config;
    private final String direction;
    private final CompletableFuture<MediaWebSocketCall> started = new CompletableFuture<>();
    private final Set<String> unknownLogged = ConcurrentHashMap.newKeySet();
    private final Set<String> malformedLogged = ConcurrentHashMap.newKeySet();

    private volatile MediaEvent.MediaStart mediaStart;
    private volatile MediaFormat mediaFormat;
    private volatile ControlFormat controlFormat = ControlFormat.PLAIN;
    private volatile String description;

    /**
     * @param direction     for logs: how the connection came about ("from" for Asterisk connecting in, "to" out)
     * @param uriParameters query parameters of the connection's URI (Asterisk's {@code v()} option)
     */
    public MediaWebSocketCall(Link link, Map<String, String> uriParameters, Config config, String direction) {
        super(MediaFormat.SLIN.pcm(), 0, log); // a frame every ptime (20 ms)
        this.link = Objects.requireNonNull(link, "link");
        this.uriParameters = Map.copyOf(uriParameters);
        this.config = Objects.requireNonNull(config, "config");
        this.direction = direction;
        this.description = "chan_websocket connection " + direction + " " + link.remote();
        Thread.ofVirtual().name("websocket-handshake").start(this::awaitMediaStart);
    }

    private void awaitMediaStart() {
        try {
            started.get(config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fault(new MediaProtocolException("no MEDIA_START within " + config.handshakeTimeout().toMillis() + " ms"),
                    MediaCloseStatus.PROTOCOL_ERROR);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // ended before MEDIA_START: already logged
        }
    }

    /** Completes with this call once MEDIA_START arrived; fails when the connection ends before. */
    public CompletableFuture<MediaWebSocketCall> started() {
        return started;
    }

    /** The MEDIA_START event; null before it arrived. */
    public MediaEvent.MediaStart mediaStart() {
        return mediaStart;
    }

    /** The call id: the {@value #CALL_ID_PARAMETER} URI parameter when given, else the WebSocket channel's uniqueid. */
    public String callId() {
        String id = uriParameters.get(CALL_ID_PARAMETER);
        if (id != null && !id.isBlank()) {
            return id;
        }
        MediaEvent.MediaStart s = mediaStart;
        return s == null ? null : s.channelId();
    }

    /** The {@value #SPEAKER_PARAMETER} URI parameter, or null. */
    public String speaker() {
        String s = uriParameters.get(SPEAKER_PARAMETER);
        return s == null || s.isBlank() ? null : s;
    }

    /** The connection URI's query parameters. */
    Map<String, String> uriParameters() {
        return uriParameters;
    }

    /** The control message format Asterisk uses on this connection (seen in MEDIA_START). */
    ControlFormat controlFormat() {
        return controlFormat;
    }

    /** Sends a command in the connection's control format. */
    public void send(MediaCommand command) throws IOException {
        link.sendText(MediaControlCodec.encode(command, controlFormat));
    }

    @Override
    public String description() {
        return description;
    }

    /** Ends the call from callscribe's side: closes with 1000, so Asterisk hangs up the WebSocket channel. */
    @Override
    public void stop() {
        if (end("stopped", null)) {
            log.info("{}: stopped after {} s of audio", description, seconds());
        }
        link.close(MediaCloseStatus.NORMAL, "callscribe ended the call");
    }

    // ------------------------------------------------------------------ transport side

    /** A text message from Asterisk. */
    public void onText(String text) {
        if (ended()) {
            return;
        }
        MediaEvent event;
        try {
            event = MediaControlCodec.parse(text);
        } catch (MediaProtocolException e) {
            if (mediaStart == null) {
                fault(e, MediaCloseStatus.PROTOCOL_ERROR);
            } else if (malformedLogged.add(eventName(text))) {
                log.warn("{}: ignoring malformed control message (logged once per kind): {}", description, e.getMessage());
            }
            return;
        }
        if (mediaStart == null && !(event instanceof MediaEvent.MediaStart)) {
            fault(new MediaProtocolException("first message is " + event.name() + ", expected MEDIA_START"),
                    MediaCloseStatus.PROTOCOL_ERROR);
            return;
        }
        switch (event) {
            case MediaEvent.MediaStart s -> onMediaStart(s, text);
            case MediaEvent.DtmfEnd d -> {
                log.debug("{}: DTMF {}", description, d.digit());
                dtmf(d.digit());
            }
            case MediaEvent.Status s -> log.debug("{}: {}", description, s);
            case MediaEvent.Error e -> log.warn("{}: Asterisk reports: {}", description, e.errorText());
            case MediaEvent.Unknown u -> {
                if (unknownLogged.add(u.name())) {
                    log.warn("{}: ignoring unknown control message {} (logged once per kind): '{}'", description,
                            u.name(), MediaControlCodec.excerpt(u.text()));
                }
            }
            // flow control and playback acknowledgements concern media sent to Asterisk; callscribe sends none
            case MediaEvent.MediaXoff x -> log.debug("{}: {}", description, x.name());
            case MediaEvent.MediaXon x -> log.debug("{}: {}", description, x.name());
            case MediaEvent.MediaBufferingCompleted b -> log.debug("{}: {}", description, b);
            case MediaEvent.MediaMarkProcessed m -> log.debug("{}: {}", description, m);
            case MediaEvent.QueueDrained q -> log.debug("{}: {}", description, q.name());
        }
    }

    private static String eventName(String text) {
        String t = text.strip();
        int end = 0;
        while (end < t.length() && end < 40 && !Character.isWhitespace(t.charAt(end))) {
            end++;
        }
        return MediaControlCodec.formatOf(t) == ControlFormat.JSON ? "json" : t.substring(0, end);
    }

    private void onMediaStart(MediaEvent.MediaStart s, String text) {
        if (mediaStart != null) {
            fault(new MediaProtocolException("second MEDIA_START (channel " + s.channel() + ")"), MediaCloseStatus.PROTOCOL_ERROR);
            return;
        }
        MediaFormat f;
        try {
            f = MediaFormat.of(s.format());
        } catch (MediaProtocolException e) {
            fault(new MediaProtocolException(e.getMessage() + " (channel " + s.channel() + ")"), MediaCloseStatus.UNSUPPORTED_DATA);
            return;
        }
        controlFormat = MediaControlCodec.formatOf(text);
        mediaStart = s;
        String param = uriParameters.get(CALL_ID_PARAMETER);
        description = "chan_websocket " + (param != null && !param.isBlank() ? "call " + param : "channel " + s.channelId())
                + " (" + s.channel() + ", " + s.format() + ", " + direction + " " + link.remote() + ")";
        PcmFormat pcm = f.pcm();
        start(pcm, config.buffer(), "callscribe-websocket-");
        mediaFormat = f; // after the start: audio is taken once there is a buffer for it
        log.info("{}: media started, {} bytes per {} ms", description, s.optimalFrameSize(), s.ptime());
        started.complete(this);
    }

    /** A binary message (one whole message) from Asterisk. */
    public void onBinary(byte[] data, int offset, int length) {
        if (ended()) {
            return;
        }
        MediaFormat f = mediaFormat;
        if (f == null) {
            fault(new MediaProtocolException("binary message of " + length + " bytes before MEDIA_START"), MediaCloseStatus.PROTOCOL_ERROR);
            return;
        }
        try {
            byte[] pcm = f.toPcm(data, offset, length);
            if (pcm.length > 0 && !offer(pcm)) {
                // Ended with the buffer-full error after the audio buffered so far (logged once); Asterisk hangs up.
                link.close(MediaCloseStatus.INTERNAL_ERROR, "audio buffer full: callscribe's recogniser fell too far behind");
            }
        } catch (MediaProtocolException e) {
            fault(e, MediaCloseStatus.PROTOCOL_ERROR);
        } catch (IOException e) {
            fault(new MediaProtocolException("cannot buffer audio: " + e.getMessage()), MediaCloseStatus.INTERNAL_ERROR);
        }
    }

    /** The connection closed (a close frame with {@code code}, or 1006 without one). */
    public void onClose(int code, String reason) {
        String why = code == MediaCloseStatus.NORMAL.code() || code == MediaCloseStatus.GOING_AWAY.code()
                ? "hangup" : "closed by asterisk: " + MediaCloseStatus.describe(code) + (reason == null || reason.isEmpty() ? "" : " " + reason);
        if (end(why, null)) {
            log.info("{}: {} ({}) after {} s of audio", description, why.equals("hangup") ? "hangup" : why,
                    MediaCloseStatus.describe(code), seconds());
        }
        started.completeExceptionally(new MediaProtocolException(description + ": closed (" + MediaCloseStatus.describe(code)
                + ") before MEDIA_START"));
    }

    /** The connection failed (a reset socket, a read error). */
    public void onError(Throwable cause) {
        String msg = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (end("connection error: " + msg, null)) {
            log.info("{}: connection error after {} s of audio: {}", description, seconds(), msg);
        }
        started.completeExceptionally(new IOException(description + ": " + msg, cause));
        link.close(MediaCloseStatus.INTERNAL_ERROR, "connection error");
    }

    private void fault(MediaProtocolException e, MediaCloseStatus status) {
        MediaProtocolException named = new MediaProtocolException(description + ": " + e.getMessage());
        if (end("protocol error: " + e.getMessage(), named)) {
            log.warn("{}: closing connection: {}", description, e.getMessage());
        }
        started.completeExceptionally(named);
        link.close(status, truncate(e.getMessage()));
    }

    private static String truncate(String reason) {
        // a close frame's reason is at most 123 bytes
        return reason.length() <= 100 ? reason : reason.substring(0, 100);
    }

    private String seconds() {
        return String.format("%.1f", receivedSeconds());
    }
}
