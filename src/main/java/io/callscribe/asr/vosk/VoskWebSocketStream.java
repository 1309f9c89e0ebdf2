package io.callscribe.asr.vosk;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import io.callscribe.vosk.VoskCloseStatus;
import io.callscribe.vosk.VoskCodec;
import io.callscribe.vosk.VoskMessage;
import io.callscribe.vosk.VoskProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One stream on a Vosk server: one WebSocket, the config text frame first, then audio as binary frames.
 *
 * <p>Sending never waits for replies. Replies are consumed as they arrive on the WebSocket's receive
 * thread and handed to the listener in order. Every message that the server answers (audio, reset, eof)
 * counts as in flight until its reply arrives; {@link #accept} blocks while {@code maxInFlight} are
 * outstanding, so a slow server slows the caller down instead of losing audio.
 *
 * <p>Every reply is reported as it is (repeated partials and empty finals too); which of them reach the
 * caller is decided once, for every engine, by {@link io.callscribe.asr.RecognizerStreams}.
 */
public final class VoskWebSocketStream implements RecognizerStream {

    private static final Logger log = LoggerFactory.getLogger(VoskWebSocketStream.class);
    /** How long one frame may take to be written before the connection is considered dead. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final String server;
    private final StreamOptions options;
    private final RecognitionListener listener;
    private final Semaphore inFlightPermits;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    /** The last chunk's copy, reused once its send has completed; the sending thread's only (null while sending). */
    private byte[] sendBuffer;
    private final AtomicReference<RecognizerException> failure = new AtomicReference<>();
    private final CountDownLatch eofAnswered = new CountDownLatch(1);
    private final CountDownLatch socketClosed = new CountDownLatch(1);
    private final Receiver receiver = new Receiver();
    /** Audio bytes of each message in flight, in send order (0 for reset and eof): the nth reply answers the nth. */
    private final ConcurrentLinkedQueue<Integer> inFlightSizes = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytesAnswered = new AtomicLong();
    private final Duration replyTimeout;
    /** When the server last showed progress: a reply, or a send while nothing was in flight. */
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile ScheduledFuture<?> watchdog;

    private volatile WebSocket socket;
    /** Sequence number of the eof message; replies are numbered from 1 in send order. */
    private volatile long eofSequence = Long.MAX_VALUE;
    private volatile boolean finished;
    private volatile boolean closed;

    VoskWebSocketStream(String server, StreamOptions options, RecognitionListener listener, int maxInFlight,
                        Duration replyTimeout, int maxReplyChars) {
        this.maxReplyChars = maxReplyChars;
        this.server = server;
        this.options = options;
        this.listener = listener;
        this.inFlightPermits = new Semaphore(maxInFlight);
        this.replyTimeout = replyTimeout;
    }

    /**
     * A server that holds messages without answering (stalled decoder, half-open TCP) would block the
     * call forever behind backpressure: fail the stream, retryably, when no reply came for
     * {@code replyTimeout} while messages are in flight.
     */
    void watchReplies(ScheduledExecutorService timer) {
        long period = Math.max(50, replyTimeout.toMillis() / 4);
        watchdog = timer.scheduleWithFixedDelay(this::checkReplyDeadline, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkReplyDeadline() {
        if (closed || failure.get() != null) {
            stopWatchdog();
            return;
        }
        if (inFlight() > 0 && System.nanoTime() - lastProgressNanos > replyTimeout.toNanos()) {
            fail(new RecognizerException("vosk server " + server + " sent no reply for " + options.label() + " within "
                    + replyTimeout.toMillis() + " ms (" + inFlight() + " messages unanswered)", true));
        }
    }

    private void stopWatchdog() {
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
    }

    /** Counts one more message in flight; restarts the reply clock when nothing was outstanding. */
    private void sending(int audioBytes) {
        if (inFlight() == 0) {
            lastProgressNanos = System.nanoTime();
        }
        inFlightSizes.add(audioBytes);
        sent.incrementAndGet();
    }

    @Override
    public long answeredBytes() {
        return bytesAnswered.get();
    }

    WebSocket.Listener receiver() {
        return receiver;
    }

    /** Called once the socket is open: the config message goes first (it gets no reply). */
    void start(WebSocket webSocket) throws RecognizerException {
        this.socket = webSocket;
        try {
            awaitSend(webSocket.sendText(VoskCodec.encodeText(VoskMessage.Config.of(options)), true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new RecognizerException("interrupted while configuring vosk server " + server, true, e);
        } catch (RecognizerException e) {
            close();
            throw e;
        }
        log.debug("{}: connected to vosk server {} at {} Hz", options.label(), server, options.sampleRate());
    }

    @Override
    public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
        if ((length & 1) != 0) {
            throw new IllegalArgumentException(options.label() + ": PCM chunk of " + length
                    + " bytes is not whole 16-bit samples");
        }
        if (length == 0) {
            return;
        }
        checkUsable();
        inFlightPermits.acquire();
        checkUsable();
        byte[] copy = sendBuffer != null && sendBuffer.length >= length ? sendBuffer : new byte[length];
        sendBuffer = null; // the JDK may read it until the send completes
        System.arraycopy(pcm, offset, copy, 0, length);
        sending(length);
        awaitSend(socket.sendBinary(ByteBuffer.wrap(copy, 0, length), true));
        sendBuffer = copy; // the send completed, so the JDK is done with it: the next chunk reuses it
        bytesSent.addAndGet(length);
    }

    @Override
    public void reset() throws RecognizerException, InterruptedException {
        checkUsable();
        inFlightPermits.acquire();
        checkUsable();
        sending(0);
        awaitSend(socket.sendText(VoskCodec.encodeText(new VoskMessage.Reset()), true));
    }

    @Override
    public void finish(Duration timeout) throws RecognizerException, InterruptedException {
        if (finished) {
            return;
        }
        checkUsable();
        long deadline = System.nanoTime() + timeout.toNanos();
        finished = true;
        if (!inFlightPermits.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw timedOut(timeout);
        }
        checkFailure();
        if (inFlight() == 0) {
            lastProgressNanos = System.nanoTime();
        }
        inFlightSizes.add(0);
        eofSequence = sent.incrementAndGet();
        if (received.get() >= eofSequence) {
            eofAnswered.countDown();
        }
        awaitSend(socket.sendText(VoskCodec.encodeText(new VoskMessage.Eof()), true));
        if (!eofAnswered.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw timedOut(timeout);
        }
        checkFailure();
        closeNormally();
    }

    private RecognizerException timedOut(Duration timeout) {
        RecognizerException e = new RecognizerException("vosk server " + server + " gave no final result for "
                + options.label() + " within " + timeout.toMillis() + " ms (" + inFlight() + " replies missing)", true);
        close();
        return e;
    }

    /** Our 1000 close; the server may have closed first after the eof reply, which is fine too. */
    private void closeNormally() throws InterruptedException {
        closed = true;
        stopWatchdog();
        WebSocket ws = socket;
        try {
            if (!ws.isOutputClosed()) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            socketClosed.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.debug("{}: closing vosk connection to {}: {}", options.label(), server, e.toString());
        } finally {
            ws.abort();
        }
    }

    @Override
    public void close() {
        closed = true;
        abortAndWakeWaiters();
    }

    /** Drops the connection and wakes a sender blocked on backpressure or on eof; it then sees why. */
    private void abortAndWakeWaiters() {
        stopWatchdog();
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        inFlightPermits.release(1 << 20);
        eofAnswered.countDown();
    }

    /** Audio, reset and eof messages sent (the config message is not counted: it gets no reply). */
    public long messagesSent() {
        return sent.get();
    }

    public long repliesReceived() {
        return received.get();
    }

    /** Messages sent and not answered yet. */
    long inFlight() {
        return sent.get() - received.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    private void checkUsable() throws RecognizerException {
        checkFailure();
        if (closed) {
            throw new RecognizerException(options.label() + ": stream to vosk server " + server + " is closed", false);
        }
    }

    private void checkFailure() throws RecognizerException {
        RecognizerException f = failure.get();
        if (f != null) {
            throw f;
        }
    }

    private void awaitSend(CompletableFuture<WebSocket> sending) throws RecognizerException, InterruptedException {
        try {
            sending.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The receive side usually knows better why the socket broke (the close status and reason that
            // tell a rejection from an outage): give its close a moment to arrive.
            socketClosed.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            checkFailure();
            throw fail(new RecognizerException("vosk server " + server + ": sending failed for " + options.label()
                    + ": " + e.getCause(), true, e.getCause()));
        } catch (TimeoutException e) {
            throw fail(new RecognizerException("vosk server " + server + " did not take a message from "
                    + options.label() + " within " + SEND_TIMEOUT.toSeconds() + " s", true, e));
        }
    }

    /** Records the first failure, tells the listener once, wakes every waiter. Returns the failure in force. */
    private RecognizerException fail(RecognizerException e) {
        if (!failure.compareAndSet(null, e)) {
            return failure.get();
        }
        log.debug("{}: {}", options.label(), e.getMessage());
        abortAndWakeWaiters();
        listener.onFailure(e);
        return e;
    }

    /**
     * Longest reply taken from a Vosk server, in characters ({@code --asr-max-reply-kib}): a final result of a long
     * utterance with word timings is tens of kilobytes; a reply beyond this fails the stream instead of growing the heap.
     */
    private final int maxReplyChars;

    /** Runs on the JDK client's thread; the client calls it for one message at a time. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private boolean tooLong;

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (tooLong) {
                return null; // failed: nothing more is requested or kept
            }
            if (text.length() + data.length() > maxReplyChars) {
                tooLong = true;
                text.setLength(0);
                text.trimToSize();
                log.warn("{}: vosk server {} sent a reply of more than {} characters; closing the stream",
                        options.label(), server, maxReplyChars);
                fail(new RecognizerException("vosk server " + server + " sent a reply of more than " + maxReplyChars
                        + " characters for " + options.label() + " (a Vosk result is a few kilobytes)", true));
                return null;
            }
            text.append(data);
            if (last) {
                String reply = text.toString();
                text.setLength(0);
                handleReply(reply);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            fail(new RecognizerException("vosk server " + server + " sent a binary message ("
                    + data.remaining() + " bytes); the Vosk protocol answers in JSON text", false));
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            socketClosed.countDown();
            if (!closed && received.get() < eofSequence) {
                VoskCloseStatus status = VoskCloseStatus.of(statusCode);
                String how = "close " + statusCode + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")");
                String message = "vosk server " + server + " closed the connection of " + options.label() + " with "
                        + how + " after " + received.get() + " of " + sent.get() + " replies";
                // Closed before answering anything: on the config or the first audio of this connection.
                fail(received.get() == 0
                        ? RecognizerException.rejected(message, status.newConnectionCouldSucceed(), how)
                        : new RecognizerException(message, status.newConnectionCouldSucceed()));
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            socketClosed.countDown();
            if (closed || received.get() >= eofSequence) {
                return;
            }
            fail(new RecognizerException("vosk server " + server + ": connection of " + options.label()
                    + " broke (1006 abnormal closure): " + error, true, error));
        }

        private void handleReply(String reply) {
            long n = received.incrementAndGet();
            lastProgressNanos = System.nanoTime();
            Integer answered = inFlightSizes.poll();
            if (answered != null) {
                bytesAnswered.addAndGet(answered);
            }
            RecognitionResult result;
            try {
                result = VoskCodec.decodeReply(reply);
            } catch (VoskProtocolException e) {
                // Garbage from the server (a proxy's error page, a crashed worker) may not repeat on a new
                // connection: retryable, and the caller's bounded reconnect policy stops a server that keeps at it.
                fail(new RecognizerException("vosk server " + server + " sent " + e.getMessage(), true, e));
                return;
            }
            if (n > sent.get()) {
                fail(new RecognizerException("vosk server " + server + " sent an unrequested reply: "
                        + VoskCodec.quote(reply), false));
                return;
            }
            listener.onResult(result);
            inFlightPermits.release();
            if (n >= eofSequence) {
                eofAnswered.countDown();
            }
        }
    }
}
