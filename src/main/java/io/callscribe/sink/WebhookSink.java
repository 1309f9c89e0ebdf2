package io.callscribe.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptFormats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * POSTs {@code call_start}, {@code final}, optionally {@code partial}, and {@code call_end} events as JSON (the
 * JSON-lines event form; {@code call_end} also carries {@code "transcript"}: the whole call as
 * {@link TranscriptFormats#json} of the snapshot the call's session hands over: the sink keeps no transcript of its
 * own). {@link #accept} and {@link #callEnded} only enqueue into a bounded queue; one delivery thread sends
 * in order, retrying with exponential backoff and jitter. When the queue is full, partials go first; a
 * {@code call_end} that cannot be queued is logged as an error with its call id.
 */
public final class WebhookSink implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(WebhookSink.class);

    /** Room beyond the capacity kept for call_end events, so the one carrying the transcript survives a burst. */
    private static final int END_RESERVE = 256;

    private record Delivery(TranscriptEvent event, CallTranscript.Snapshot transcript) {
    }

    private final WebhookSettings settings;
    private final Runnable onFailure;
    private final Runnable onDrop;
    private final HttpClient client;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    /** Signalled when the queue, {@code sending} or {@code closing} changes. */
    private final java.util.concurrent.locks.Condition changed = lock.newCondition();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread sender;
    private boolean closing;
    private boolean sending;

    /** Counts give-ups and drops into the metrics, e.g. {@code new WebhookSink(s, metrics::webhookFailed, metrics::webhookDropped)}. */
    public WebhookSink(WebhookSettings settings, Runnable onFailure, Runnable onDrop) {
        this.settings = settings;
        this.onFailure = onFailure;
        this.onDrop = onDrop;
        this.client = HttpClient.newBuilder().connectTimeout(settings.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.sender = Thread.ofPlatform().daemon().name("webhook-sender").start(this::run);
    }

    @Override
    public void accept(TranscriptEvent event) {
        if (event instanceof TranscriptEvent.Partial && !settings.partials()) {
            return;
        }
        if (event instanceof TranscriptEvent.CallError) {
            return; // errors reach the receiver inside call_end's transcript
        }
        enqueue(new Delivery(event, null));
    }

    /** Queues {@code call_end} with the session's final transcript (sent as its {@code "transcript"}). */
    @Override
    public void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot transcript) {
        enqueue(new Delivery(end, transcript));
    }

    private void enqueue(Delivery d) {
        TranscriptEvent e = d.event();
        lock.lock();
        try {
            if (closing) {
                drop(d, "the webhook sink is closed");
                return;
            }
            if (queue.size() < settings.queueCapacity()) {
                add(d);
                return;
            }
            if (e instanceof TranscriptEvent.Partial) {
                drop(d, null);
                return;
            }
            if (removeOldestPartial()) {
                add(d);
                return;
            }
            if (e instanceof TranscriptEvent.CallEnded && queue.size() < settings.queueCapacity() + END_RESERVE) {
                add(d);
                return;
            }
        } finally {
            lock.unlock();
        }
        drop(d, "queue full (" + settings.queueCapacity() + " events waiting for " + settings.safeUrl() + ")");
    }

    private void add(Delivery d) {
        queue.add(d);
        changed.signalAll();
    }

    private boolean removeOldestPartial() {
        for (Iterator<Delivery> it = queue.iterator(); it.hasNext(); ) {
            Delivery q = it.next();
            if (q.event() instanceof TranscriptEvent.Partial) {
                it.remove();
                countDrop();
                return true;
            }
        }
        return false;
    }

    private void drop(Delivery d, String why) {
        long n = countDrop();
        TranscriptEvent e = d.event();
        if (e instanceof TranscriptEvent.CallEnded) {
            log.error("call {}: webhook call_end (with the transcript) dropped: {}", e.call(), why);
        } else if (why != null && (n == 1 || n % 1000 == 0)) {
            log.warn("call {}: webhook {} dropped: {} ({} dropped so far)", e.call(), e.kind(), why, n);
        }
    }

    private long countDrop() {
        onDrop.run();
        return dropped.incrementAndGet();
    }

    private void run() {
        while (true) {
            Delivery d;
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) {
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                d = queue.poll();
                if (d == null) {
                    return; // closing and drained
                }
                sending = true;
            } finally {
                lock.unlock();
            }
            try {
                deliver(d);
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.lock();
                try {
                    sending = false;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private void deliver(Delivery d) throws InterruptedException {
        byte[] body = body(d);
        TranscriptEvent e = d.event();
        HttpRequest.Builder rb = HttpRequest.newBuilder(settings.url()).timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "callscribe")
                .header("X-Callscribe-Event", e.kind())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (settings.authorization() != null) {
            rb.header("Authorization", settings.authorization());
        }
        if (settings.secret() != null) {
            rb.header("X-Callscribe-Signature", "sha256=" + signature(settings.secret(), body));
        }
        HttpRequest request = rb.build();
        String problem = null;
        int attempt = 1;
        for (; attempt <= settings.maxAttempts(); attempt++) {
            boolean retryable;
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    delivered.incrementAndGet();
                    return;
                }
                problem = "HTTP " + status;
                retryable = status >= 500 || status == 408 || status == 425 || status == 429;
            } catch (IOException ex) {
                problem = ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
                retryable = true;
            }
            if (!retryable || attempt == settings.maxAttempts()) {
                break;
            }
            if (closingNow()) {
                problem += " (not retried: shutting down)";
                break;
            }
            Thread.sleep(backoffMillis(attempt));
        }
        failed.incrementAndGet();
        onFailure.run();
        log.warn("call {}: webhook {} to {} failed after {} tr{}: {}", e.call(), e.kind(), settings.safeUrl(),
                Math.min(attempt, settings.maxAttempts()), attempt == 1 ? "y" : "ies", problem);
    }

    private boolean closingNow() {
        lock.lock();
        try {
            return closing;
        } finally {
            lock.unlock();
        }
    }

    /** Doubling from the first backoff up to the maximum, each wait drawn from its upper half so receivers de-synchronise. */
    long backoffMillis(int failedAttempts) {
        long first = settings.firstBackoff().toMillis();
        long cap = settings.maxBackoff().toMillis();
        long ceiling = Math.min(cap, first << Math.min(failedAttempts - 1, 20));
        long floor = ceiling / 2;
        return floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1);
    }

    private static byte[] body(Delivery d) {
        ObjectNode n = EventJson.toNode(d.event());
        if (d.transcript() != null) {
            n.set("transcript", TranscriptFormats.json(d.transcript()));
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }

    long delivered() {
        return delivered.get();
    }

    /** Events given up after all tries. */
    public long failed() {
        return failed.get();
    }

    /** Events dropped because the queue was full (or the sink closed). */
    public long dropped() {
        return dropped.get();
    }

    /** Events waiting, including one being sent. */
    public int pending() {
        lock.lock();
        try {
            return queue.size() + (sending ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for the queue to drain, then stops the delivery thread. */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (sender.isAlive()) {
                sender.interrupt();
                sender.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left;
        lock.lock();
        try {
            left = queue.size();
            queue.clear();
        } finally {
            lock.unlock();
        }
        if (left > 0) {
            log.error("webhook to {}: {} event(s) not delivered at shutdown", settings.safeUrl(), left);
        }
        client.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
