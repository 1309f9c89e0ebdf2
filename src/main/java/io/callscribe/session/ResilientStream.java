package io.callscribe.session;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Alternative;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.RecognizerStreams;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A recogniser stream for one call leg, at the call's sample rate (each underlying stream is opened through
 * {@link RecognizerStreams}, which resamples to {@code engineRate}), that survives the loss of its connection: when the underlying
 * stream fails retryably (refused, reset, 1011/1006, no reply in time), it opens a new one with backoff
 * and jitter ({@link ReconnectPolicy}) and re-sends the audio since the end of the last final result.
 *
 * <p>Positions: every byte sent has an absolute offset in the leg's audio. A stream opened at offset
 * {@code base} reports times relative to its own start, so results are shifted by {@code base} before
 * they reach the listener: call-relative times stay right across reconnects. The end of each final
 * (its end time, else the audio the engine had answered when it arrived) is the commit point: audio
 * before it is dropped from the {@link ReplayBuffer}, and a final from a later stream that ends at or
 * before it is a duplicate and is not delivered. Results of a replaced stream are ignored.
 *
 * <p>One thread sends (accept/reset/finish); results arrive on the underlying stream's thread.
 */
final class ResilientStream implements RecognizerStream {

    private static final Logger log = LoggerFactory.getLogger(ResilientStream.class);
    private static final double EPSILON_SECONDS = 1e-6;

    private final Recognizer recognizer;
    private final StreamOptions options;
    private final int engineRate;
    private final RecognitionListener listener;
    private final ReconnectPolicy policy;
    private final Runnable onReconnect;
    private final int bytesPerSecond;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    /** Guarded by {@code lock}. */
    private final ReplayBuffer buffer;
    private long committed;
    private long deferredTrim = -1;
    private boolean replaying;
    private int generation;

    private volatile RecognizerStream current;
    private volatile long currentBase;
    private volatile int reconnects;
    private volatile boolean closed;
    /** How the failed streams were ended before they answered anything; sender thread only. */
    private final java.util.Set<String> rejections = new java.util.HashSet<>();

    private ResilientStream(Recognizer recognizer, StreamOptions options, int engineRate, RecognitionListener listener,
                            ReconnectPolicy policy, Runnable onReconnect) {
        this.recognizer = recognizer;
        this.options = options;
        this.engineRate = engineRate;
        this.listener = listener;
        this.policy = policy;
        this.onReconnect = onReconnect;
        this.bytesPerSecond = 2 * options.sampleRate();
        this.buffer = new ReplayBuffer(policy.replayMemoryBytes(), options.label());
    }

    /** Opens the first stream; a server that is down at call start gets the same retries as one lost mid-call. */
    static ResilientStream open(Recognizer recognizer, StreamOptions options, int engineRate,
                                RecognitionListener listener, ReconnectPolicy policy, Runnable onReconnect)
            throws RecognizerException, InterruptedException {
        ResilientStream s = new ResilientStream(recognizer, options, engineRate, listener, policy, onReconnect);
        try {
            s.openAndReplay();
        } catch (RecognizerException e) {
            s.recover(e);
        }
        return s;
    }

    @Override
    public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
        if (length == 0) {
            return;
        }
        lock.lock();
        try {
            buffer.append(pcm, offset, length);
        } finally {
            lock.unlock();
        }
        try {
            current.accept(pcm, offset, length);
        } catch (RecognizerException e) {
            recover(e); // the chunk is in the replay buffer: the new stream gets it with the rest
        }
    }

    /**
     * Passed to the current stream only: the replay buffer holds audio sent, and a stream opened after a reconnect
     * starts its own positions at the replayed audio (the engines that reconnect, over a network, do not count them).
     */
    @Override
    public void skip(long length) throws RecognizerException, InterruptedException {
        RecognizerStream.super.skip(length);
        try {
            current.skip(length);
        } catch (RecognizerException e) {
            recover(e);
        }
    }

    @Override
    public void reset() throws RecognizerException, InterruptedException {
        lock.lock();
        try {
            buffer.markReset(); // a replay ends the utterance here too
        } finally {
            lock.unlock();
        }
        try {
            current.reset();
        } catch (RecognizerException e) {
            recover(e); // the replay ends with the reset just marked
        }
    }

    @Override
    public void finish(Duration timeout) throws RecognizerException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            try {
                current.finish(Duration.ofNanos(Math.max(0, left)));
                return;
            } catch (RecognizerException e) {
                if (deadline - System.nanoTime() <= 0) {
                    throw e;
                }
                recover(e);
            }
        }
    }

    @Override
    public long answeredBytes() {
        RecognizerStream s = current;
        long answered = s == null ? -1 : s.answeredBytes();
        lock.lock();
        try {
            return answered < 0 ? committed : Math.max(committed, currentBase + answered);
        } finally {
            lock.unlock();
        }
    }

    int reconnects() {
        return reconnects;
    }

    /**
     * For a leg whose recogniser failed for good: takes no more results (a late reply of the failed connection is
     * ignored and moves nothing) and returns the offset from which no final confirmed the audio: the replay buffer's
     * start, stable from now on. Sender thread, before {@link #close()}.
     */
    long abandon() {
        lock.lock();
        try {
            generation++; // every stream's results are stale from now on
            return buffer.start();
        } finally {
            lock.unlock();
        }
    }

    /** After {@link #abandon()}: passes {@code sink} the audio from {@link #abandon()}'s offset to {@link #sentBytes()}. */
    void replayUnconfirmed(ReplayBuffer.Sink sink) throws IOException, InterruptedException {
        lock.lock();
        try {
            buffer.replay(sink); // resets are not audio: a sink ignores them by default
        } finally {
            lock.unlock();
        }
    }

    /** Offset after the last byte accepted: all audio sent (or held to send) so far. */
    long sentBytes() {
        lock.lock();
        try {
            return buffer.end();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        RecognizerStream s = current;
        if (s != null) {
            s.close();
        }
        lock.lock();
        try {
            buffer.close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces the failed stream: backoff, open, replay; again until it works or the policy gives up.
     * Throws at once for a fault a new connection cannot fix.
     */
    private void recover(RecognizerException cause) throws RecognizerException, InterruptedException {
        if (!cause.retryable() || closed || policy.maxAttempts() == 0) {
            throw cause;
        }
        refuseRepeatedRejection(cause);
        long outageStart = System.nanoTime();
        long giveUpAt = outageStart + policy.maxTotal().toNanos();
        RecognizerException last = cause;
        int attempt = 0;
        while (attempt < policy.maxAttempts()) {
            attempt++;
            closeCurrent();
            long wait = policy.backoff(attempt).toNanos();
            if (System.nanoTime() + wait > giveUpAt) {
                break;
            }
            TimeUnit.NANOSECONDS.sleep(wait);
            try {
                double replayed = openAndReplay();
                reconnects++;
                log.warn("{}: recogniser stream failed ({}); reconnected to {} on attempt {}, replayed {} s",
                        options.label(), cause.getMessage(), recognizer.name(), attempt, String.format("%.2f", replayed));
                onReconnect.run();
                return;
            } catch (RecognizerException e) {
                if (!e.retryable()) {
                    throw e;
                }
                refuseRepeatedRejection(e);
                last = e;
                log.debug("{}: reconnect attempt {} failed: {}", options.label(), attempt, e.getMessage());
            }
        }
        closeCurrent();
        throw new RecognizerException("gave up on the recogniser after " + attempt + " reconnect attempt(s) in "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outageStart) + " s; last error: "
                + last.getMessage(), false, last);
    }

    /**
     * A fresh stream ended before answering anything, the same way as an earlier stream of this leg: the server
     * refuses this config or audio, whatever its close code claims (vosk-server closes with 1011 for a bad
     * config as for an outage). Reported once, clearly, instead of reconnecting until the policy gives up. Not only
     * the stream just before counts: on a busy machine one attempt may see the connection reset before the close
     * frame, and the rejection after it is still a repetition.
     */
    private void refuseRepeatedRejection(RecognizerException e) throws RecognizerException {
        String rejection = e.rejection().orElse(null);
        if (rejection != null && !rejections.add(rejection)) {
            closeCurrent();
            throw new RecognizerException(e.getMessage() + "; a new connection was rejected the same way, so "
                    + recognizer.name() + " refuses this stream's config or audio: not reconnecting", false, e);
        }
    }

    /** Opens a stream at the replay buffer's start and sends it everything held. Returns seconds replayed. */
    private double openAndReplay() throws RecognizerException, InterruptedException {
        int gen;
        long base;
        lock.lock();
        try {
            gen = ++generation;
            base = buffer.start();
            replaying = true;
        } finally {
            lock.unlock();
        }
        try {
            currentBase = base;
            RecognizerStream s = RecognizerStreams.open(recognizer, options, engineRate, new Generation(gen, base));
            current = s;
            // Only this thread appends; the result thread defers its trims while replaying, so no lock is held
            // here and a blocked accept (backpressure) cannot stall result delivery.
            buffer.replay(new ReplayBuffer.Sink() {
                @Override
                public void send(byte[] pcm, int offset, int length) throws IOException, InterruptedException {
                    s.accept(pcm, offset, length);
                }

                @Override
                public void reset() throws IOException, InterruptedException {
                    s.reset();
                }
            });
            return (double) (buffer.end() - base) / bytesPerSecond;
        } catch (RecognizerException e) {
            throw e;
        } catch (IOException e) {
            throw new RecognizerException(options.label() + ": " + e.getMessage(), false, e);
        } finally {
            lock.lock();
            try {
                replaying = false;
                if (deferredTrim >= 0) {
                    buffer.trimTo(deferredTrim);
                    deferredTrim = -1;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void closeCurrent() {
        RecognizerStream s = current;
        if (s != null) {
            s.close();
        }
    }

    /** Moves the commit point for the stream of generation {@code gen}; called on the result thread. */
    private void commit(int gen, long offset) {
        lock.lock();
        try {
            if (gen != generation || offset <= committed) {
                return;
            }
            committed = offset;
            if (replaying) {
                deferredTrim = Math.max(deferredTrim, offset);
            } else {
                buffer.trimTo(offset);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Results of one underlying stream, shifted to call-relative times; stale once that stream was replaced. */
    private final class Generation implements RecognitionListener {
        private final int gen;
        private final long base;
        private final double offsetSeconds;

        Generation(int gen, long base) {
            this.gen = gen;
            this.base = base;
            this.offsetSeconds = (double) base / bytesPerSecond;
        }

        private boolean stale() {
            lock.lock();
            try {
                return gen != generation;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onResult(RecognitionResult result) {
            if (stale()) {
                return;
            }
            switch (result) {
                case RecognitionResult.Partial p -> listener.onResult(p);
                case Final f -> onFinal(f);
            }
        }

        private void onFinal(Final f) {
            if (Double.isNaN(f.end())) {
                // No times: the best bound is what the engine had answered when this final came (exact for
                // lock-step engines like Vosk), else all audio sent so far.
                RecognizerStream s = current;
                long answered = s == null ? -1 : s.answeredBytes();
                long end;
                lock.lock();
                try {
                    end = answered >= 0 ? base + answered : buffer.end();
                } finally {
                    lock.unlock();
                }
                commit(gen, end);
                listener.onResult(f);
                return;
            }
            long endBytes = base + 2L * Math.round(f.end() * options.sampleRate());
            long committedBefore;
            lock.lock();
            try {
                committedBefore = committed;
            } finally {
                lock.unlock();
            }
            if (endBytes <= committedBefore) {
                log.debug("{}: dropped a final that repeats audio already finalised: '{}'", options.label(), f.text());
                return;
            }
            Final shifted = shift(f, (double) committedBefore / bytesPerSecond);
            commit(gen, endBytes);
            if (!shifted.isEmpty()) {
                listener.onResult(shifted);
            }
        }

        /** Call-relative times; words that end inside already finalised audio are dropped (guard against repeats). */
        private Final shift(Final f, double committedSeconds) {
            if (base == 0 && committedSeconds == 0) {
                return f;
            }
            List<Word> words = new ArrayList<>();
            for (Word w : f.words()) {
                double end = w.end() + offsetSeconds;
                if (end > committedSeconds + EPSILON_SECONDS) {
                    words.add(new Word(w.word(), w.start() + offsetSeconds, end, w.conf()));
                }
            }
            String text = words.size() == f.words().size() || f.words().isEmpty() ? f.text()
                    : String.join(" ", words.stream().map(Word::word).toList());
            List<Alternative> alternatives = f.alternatives().stream()
                    .map(a -> new Alternative(a.text(), a.confidence(), a.words().stream()
                            .map(w -> new Word(w.word(), w.start() + offsetSeconds, w.end() + offsetSeconds, w.conf()))
                            .toList()))
                    .toList();
            double start = words.isEmpty() ? f.start() + offsetSeconds : words.get(0).start();
            return new Final(words.isEmpty() && !f.words().isEmpty() ? "" : text, start, f.end() + offsetSeconds,
                    words, alternatives);
        }

        @Override
        public void onFailure(RecognizerException failure) {
            if (!stale()) {
                listener.onFailure(failure); // the sender meets the same failure on its next call and recovers
            }
        }
    }
}
