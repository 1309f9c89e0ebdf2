package io.callscribe.server;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.RecognizerStreams;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;
import io.callscribe.vosk.VoskCloseStatus;
import io.callscribe.vosk.VoskCodec;
import io.callscribe.vosk.VoskMessage;
import io.callscribe.vosk.VoskProtocolException;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;
import org.eclipse.jetty.websocket.api.WebSocketPingPongListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client of a {@link VoskProtocolServer}: turns the engine's asynchronous results into Vosk's
 * lock-step replies.
 *
 * <p>Messages are handled strictly in arrival order, one at a time, on the server's worker pool (a
 * future chain per connection, so no thread is tied to a connection). Results arrive on the engine's
 * thread and are collected here: finals in a queue, the newest partial in a field. The reply to an audio
 * message is the oldest unreplied final if there is one, else the current partial. So that the reply
 * reflects the message's own audio, it waits until the engine reports something after the audio was
 * handed over, at most {@code replyWait} (an engine that decodes inside {@code accept} never waits);
 * the waiting holds no thread. A reset waits up to {@code finalWait} for a final. Eof finishes the
 * stream and merges every final still unreplied into its one reply, so nothing is lost.
 *
 * <p>A slow engine slows the client down: at most {@value #MAX_QUEUED} messages wait per connection,
 * beyond that Jetty stops reading from the socket.
 */
final class VoskConnection implements WebSocketListener, WebSocketPingPongListener, RecognitionListener {

    private static final Logger log = LoggerFactory.getLogger(VoskConnection.class);
    private static final int MAX_QUEUED = 32;
    private static final int MAX_CLOSE_REASON_BYTES = 123;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private sealed interface Step {
    }

    private record Audio(byte[] pcm) implements Step {
    }

    private record Text(String text) implements Step {
    }

    private final VoskProtocolServer server;
    private final Recognizer recognizer;
    private final VoskServerSettings settings;
    private final String name;
    private final String label;
    private final Semaphore queued = new Semaphore(MAX_QUEUED);

    /** Guarded by {@code this}. */
    private CompletableFuture<Void> tail = DONE;

    private volatile Session session;
    private volatile boolean done;
    private volatile boolean awaitingPong;
    private volatile ScheduledFuture<?> pinger;
    private volatile RecognizerStream stream;

    // Stream configuration: touched only by the (sequential) steps.
    private int sampleRate;
    private boolean words;
    private int maxAlternatives;
    private List<String> phrases = List.of();

    // Results from the engine thread; guarded by {@code results}.
    private final Object results = new Object();
    private final ArrayDeque<Final> finals = new ArrayDeque<>();
    private String partial = "";
    private volatile CompletableFuture<Void> anyResult = new CompletableFuture<>();
    private volatile CompletableFuture<Void> finalResult = new CompletableFuture<>();

    VoskConnection(VoskProtocolServer server, long id, String remote) {
        this.server = server;
        this.recognizer = server.recognizer();
        this.settings = server.settings();
        this.name = "connection #" + id + " from " + remote;
        this.label = "ws#" + id;
        this.sampleRate = settings.sampleRate();
        this.words = settings.showWords();
        this.maxAlternatives = settings.maxAlternatives();
    }

    // ------------------------------------------------------------------ WebSocket side (Jetty threads)

    @Override
    public void onWebSocketConnect(Session s) {
        this.session = s;
        server.opened();
        log.info("{} opened", name);
        long every = settings.tuning().pingInterval().toMillis();
        pinger = server.keepalive().scheduleAtFixedRate(this::keepalive, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onWebSocketBinary(byte[] payload, int offset, int length) {
        byte[] copy = new byte[length];
        System.arraycopy(payload, offset, copy, 0, length);
        enqueue(new Audio(copy));
    }

    @Override
    public void onWebSocketText(String message) {
        enqueue(new Text(message));
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        try {
            session.getRemote().sendPong(payload);
        } catch (IOException e) {
            log.debug("{}: pong failed: {}", name, e.toString());
        }
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        awaitingPong = false;
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // Jetty closes the session itself (1009 for a message too large, 1006 for a broken socket).
        log.info("{}: {}", name, cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        done = true;
        ScheduledFuture<?> p = pinger;
        if (p != null) {
            p.cancel(false);
        }
        releaseStream();
        server.closed();
        log.info("{} closed: {}{}", name, statusCode, reason == null || reason.isEmpty() ? "" : " " + reason);
    }

    private void keepalive() {
        if (done) {
            return;
        }
        if (awaitingPong) {
            close(VoskCloseStatus.INTERNAL_ERROR, "keepalive ping timeout"); // as vosk-server's websockets library does
            return;
        }
        awaitingPong = true;
        try {
            session.getRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException e) {
            log.debug("{}: ping failed: {}", name, e.toString());
        }
    }

    private void enqueue(Step step) {
        if (done) {
            return;
        }
        try {
            queued.acquire(); // blocks Jetty's reader for this socket only: backpressure to the client
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (this) {
            tail = tail.thenComposeAsync(ignored -> done ? DONE : run(step), server.workers())
                    .exceptionally(fault -> {
                        close(VoskCloseStatus.INTERNAL_ERROR, "internal error: " + fault);
                        return null;
                    })
                    .whenComplete((ignored, fault) -> queued.release());
        }
    }

    // ------------------------------------------------------------------ steps (worker pool, sequential)

    private CompletableFuture<Void> run(Step step) {
        try {
            return switch (step) {
                case Audio a -> audio(a.pcm());
                case Text t -> text(t.text());
            };
        } catch (VoskProtocolException e) {
            badInput(e);
        } catch (RecognizerException e) {
            close(VoskCloseStatus.INTERNAL_ERROR, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(VoskCloseStatus.GOING_AWAY, "server shutting down");
        }
        return DONE;
    }

    private CompletableFuture<Void> audio(byte[] bytes)
            throws RecognizerException, InterruptedException, VoskProtocolException {
        byte[] pcm = VoskCodec.decodeAudio(bytes).pcm();
        RecognizerStream s = ensureStream();
        if (s == null) {
            return DONE;
        }
        CompletableFuture<Void> signal = new CompletableFuture<>();
        anyResult = signal;
        s.accept(pcm, 0, pcm.length);
        return signal.completeOnTimeout(null, settings.tuning().replyWait().toMillis(), TimeUnit.MILLISECONDS)
                .thenRunAsync(() -> reply(nextAudioReply()), server.workers());
    }

    private CompletableFuture<Void> text(String text)
            throws RecognizerException, InterruptedException, VoskProtocolException {
        switch (VoskCodec.decodeText(text)) {
            case VoskMessage.Audio a -> throw new IllegalStateException("audio arrives as binary frames");
            case VoskMessage.Config c -> {
                if (stream != null) {
                    log.debug("{}: config after audio ignored", name);
                    return DONE;
                }
                c.sampleRate().ifPresent(r -> sampleRate = r);
                c.words().ifPresent(w -> words = w);
                c.maxAlternatives().ifPresent(a -> maxAlternatives = a);
                c.phraseList().ifPresent(p -> phrases = p);
                return DONE;
            }
            case VoskMessage.Reset r -> {
                RecognizerStream s = stream;
                if (s == null) {
                    reply(VoskCodec.emptyFinalReply());
                    return DONE;
                }
                CompletableFuture<Void> signal = new CompletableFuture<>();
                finalResult = signal;
                s.reset();
                if (hasFinals()) {
                    signal.complete(null);
                }
                return signal.completeOnTimeout(null, settings.tuning().finalWait().toMillis(), TimeUnit.MILLISECONDS)
                        .thenRunAsync(() -> reply(nextFinalReply()), server.workers());
            }
            case VoskMessage.Eof e -> {
                RecognizerStream s = stream;
                if (s != null) {
                    s.finish(settings.tuning().finishTimeout());
                }
                reply(remainingFinalsReply());
                close(VoskCloseStatus.NORMAL, "");
                return DONE;
            }
        }
    }

    private RecognizerStream ensureStream() throws RecognizerException {
        if (stream != null) {
            return stream;
        }
        // Any rate the client names: the stream layer resamples it to the engine's own rate.
        stream = RecognizerStreams.open(recognizer, new StreamOptions(sampleRate, words, maxAlternatives, phrases, label),
                this);
        if (done) { // closed while opening
            releaseStream();
            return null;
        }
        log.debug("{}: stream opened on {} for {} Hz audio", name, recognizer.name(), sampleRate);
        return stream;
    }

    // ------------------------------------------------------------------ results (engine thread)

    @Override
    public void onResult(RecognitionResult result) {
        synchronized (results) {
            switch (result) {
                case Final f -> {
                    finals.add(f);
                    partial = "";
                }
                case Partial p -> partial = p.text();
            }
        }
        anyResult.complete(null);
        if (result instanceof Final) {
            finalResult.complete(null);
        }
    }

    @Override
    public void onFailure(RecognizerException failure) {
        close(VoskCloseStatus.INTERNAL_ERROR, "engine " + recognizer.name() + " failed: " + failure.getMessage());
    }

    private boolean hasFinals() {
        synchronized (results) {
            return !finals.isEmpty();
        }
    }

    private String nextAudioReply() {
        synchronized (results) {
            Final f = finals.poll();
            return f != null ? finalReply(f) : VoskCodec.encodeReply(new Partial(partial), words, maxAlternatives);
        }
    }

    private String nextFinalReply() {
        synchronized (results) {
            Final f = finals.poll();
            return f != null ? finalReply(f) : VoskCodec.emptyFinalReply();
        }
    }

    /** One reply for everything not yet replied: vosk's eof answer is a single final. */
    private String remainingFinalsReply() {
        synchronized (results) {
            if (finals.size() == 1) {
                return finalReply(finals.poll());
            }
            List<String> texts = new ArrayList<>();
            List<Word> all = new ArrayList<>();
            for (Final f : finals) {
                if (!f.isEmpty()) {
                    texts.add(f.text());
                }
                all.addAll(f.words());
            }
            finals.clear();
            return finalReply(Final.of(String.join(" ", texts), all));
        }
    }

    private String finalReply(Final f) {
        return VoskCodec.encodeReply(f, words, maxAlternatives);
    }

    // ------------------------------------------------------------------ output

    private void reply(String json) {
        if (done) {
            return;
        }
        try {
            session.getRemote().sendString(json);
        } catch (IOException e) {
            log.debug("{}: reply not sent: {}", name, e.toString());
        }
    }

    /** The client's fault: closed with the codec's 1003/1007 and the reason; 1011 stays for our own faults. */
    private void badInput(VoskProtocolException e) {
        if (!done) {
            log.warn("{}: bad input, closing with {}: {}", name, e.status().code(), e.getMessage());
        }
        close(e.status(), e.getMessage(), false);
    }

    private void close(VoskCloseStatus status, String reason) {
        close(status, reason, status != VoskCloseStatus.NORMAL);
    }

    private void close(VoskCloseStatus status, String reason, boolean logIt) {
        if (done) {
            return;
        }
        done = true;
        if (logIt) {
            log.warn("{}: closing with {}: {}", name, status.code(), reason);
        }
        Session s = session;
        if (s != null) {
            s.close(status.code(), truncate(reason));
        }
        releaseStream();
    }

    private void releaseStream() {
        RecognizerStream s = stream;
        if (s != null) {
            s.close();
        }
    }

    /** WebSocket close reasons are limited to 123 bytes of UTF-8. */
    static String truncate(String reason) {
        String r = reason;
        while (r.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON_BYTES) {
            r = r.substring(0, r.length() - Math.max(1, (r.getBytes(StandardCharsets.UTF_8).length - MAX_CLOSE_REASON_BYTES) / 3));
        }
        return r;
    }
}
