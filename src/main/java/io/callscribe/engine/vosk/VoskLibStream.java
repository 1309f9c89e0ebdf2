package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.vosk.VoskCodec;
import io.callscribe.vosk.VoskProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One libvosk recognizer fed from a bounded queue. Decoding runs on the engine's shared decoder pool,
 * one task at a time per stream (so libvosk, which is not thread-safe per recognizer, is only ever
 * touched by one thread), and all native calls including the free happen in that serial order.
 */
final class VoskLibStream implements RecognizerStream {

    private static final Logger log = LoggerFactory.getLogger(VoskLibStream.class);

    /** Chunks queued but not yet decoded before accept() blocks: with 200 ms chunks, 1.6 s of audio. */
    static final int MAX_CHUNKS_IN_FLIGHT = 8;

    /** Tasks run per turn on the pool, so one busy stream cannot starve the others. */
    private static final int TASKS_PER_TURN = 4;

    private sealed interface Task {
    }

    private record Audio(byte[] pcm) implements Task {
    }

    private record Reset() implements Task {
    }

    private record Finish(CountDownLatch done) implements Task {
    }

    private record Release() implements Task {
    }

    private final String label;
    private final VoskDecoder recognizer;
    private final RecognitionListener listener;
    private final Executor decoders;
    private final Runnable onClosed;
    private final Queue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final Semaphore credits = new Semaphore(MAX_CHUNKS_IN_FLIGHT);
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private volatile boolean closed;
    private volatile RecognizerException failure;

    // Only touched by the task currently running on the pool.
    private boolean freed;

    VoskLibStream(String label, VoskDecoder recognizer, RecognitionListener listener, Executor decoders, Runnable onClosed) {
        this.label = label;
        this.recognizer = recognizer;
        this.listener = listener;
        this.decoders = decoders;
        this.onClosed = onClosed;
    }

    @Override
    public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
        if (length % 2 != 0) {
            throw new IllegalArgumentException("vosk stream " + label + ": PCM length must be even, got " + length);
        }
        checkOpen();
        credits.acquire();
        if (closed || failure != null) {
            credits.release();
            checkOpen();
        }
        byte[] copy = new byte[length];
        System.arraycopy(pcm, offset, copy, 0, length);
        submit(new Audio(copy));
    }

    @Override
    public void reset() throws RecognizerException {
        checkOpen();
        submit(new Reset());
    }

    @Override
    public void finish(Duration timeout) throws RecognizerException, InterruptedException {
        checkOpen();
        CountDownLatch done = new CountDownLatch(1);
        submit(new Finish(done));
        boolean delivered = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        close();
        if (failure != null) {
            throw failure;
        }
        if (!delivered) {
            throw new RecognizerException("vosk stream " + label + ": no final result within " + timeout.toMillis()
                    + " ms (decoding is behind; more decoder threads or fewer calls needed)", false);
        }
    }

    @Override
    public void close() {
        if (!closeRequested.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        credits.release(MAX_CHUNKS_IN_FLIGHT * 1000); // wake senders blocked in accept()
        submit(new Release());
        onClosed.run();
    }

    private void checkOpen() throws RecognizerException {
        RecognizerException f = failure;
        if (f != null) {
            throw f;
        }
        if (closed) {
            throw new RecognizerException("vosk stream " + label + " is closed", false);
        }
    }

    private void submit(Task task) {
        tasks.add(task);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                decoders.execute(this::drain);
            } catch (RuntimeException rejected) {
                // The engine shut its pool: nothing will decode this stream any more.
                scheduled.set(false);
                fail(new RecognizerException("vosk stream " + label + ": the Vosk engine is closed", false));
                drainWithoutNative();
            }
        }
    }

    private void drain() {
        try {
            // A closed stream runs its remaining (cheap, non-decoding) tasks at once so the free is never left behind.
            for (int i = 0; closed || i < TASKS_PER_TURN; i++) {
                Task t = tasks.poll();
                if (t == null) {
                    break;
                }
                run(t);
            }
        } finally {
            scheduled.set(false);
            if (!tasks.isEmpty()) {
                schedule();
            }
        }
    }

    private void run(Task task) {
        try {
            if (freed || failure != null) {
                return;
            }
            switch (task) {
                case Audio a -> {
                    if (!closed) {
                        decode(a.pcm());
                    }
                }
                case Reset r -> {
                    if (!closed) {
                        listener.onResult(parse(recognizer.result()));
                    }
                }
                case Finish f -> {
                    listener.onResult(parse(recognizer.finalResult()));
                    free();
                }
                case Release r -> free();
            }
        } catch (RuntimeException | LinkageError e) {
            fail(new RecognizerException("vosk stream " + label + ": libvosk failed: " + e, false, e));
            free();
        } finally {
            switch (task) {
                case Audio a -> credits.release();
                case Finish f -> f.done().countDown();
                default -> {
                }
            }
        }
    }

    /** Reports what libvosk has: the utterance's final at an endpoint, else its current partial. */
    private void decode(byte[] pcm) {
        boolean endpoint = recognizer.acceptWaveForm(pcm, pcm.length);
        listener.onResult(parse(endpoint ? recognizer.result() : recognizer.partialResult()));
    }

    /** libvosk's JSON, read by the one Vosk codec; a result it cannot read fails the stream. */
    private static RecognitionResult parse(String json) {
        try {
            return VoskCodec.decodeReply(json);
        } catch (VoskProtocolException e) {
            throw new IllegalStateException("libvosk returned " + e.getMessage(), e);
        }
    }

    private void fail(RecognizerException e) {
        if (failure != null) {
            return;
        }
        failure = e;
        log.warn("{}", e.getMessage());
        listener.onFailure(e);
    }

    private void free() {
        if (!freed) {
            freed = true;
            recognizer.close();
        }
    }

    /** Completes waiting tasks when no decoder will run them again (engine closed); the native side stays to the engine. */
    private void drainWithoutNative() {
        Task t;
        while ((t = tasks.poll()) != null) {
            switch (t) {
                case Audio a -> credits.release();
                case Finish f -> f.done().countDown();
                default -> {
                }
            }
        }
    }
}
