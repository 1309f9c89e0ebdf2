package io.callscribe.asr;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several interchangeable recognisers (e.g. Vosk servers) behind one {@link Recognizer}. A new stream
 * goes to the least-loaded healthy member (fewest open streams). A member whose connection was refused
 * or whose stream broke retryably is skipped for a cool-down, then tried again. When every member is
 * cooling down, the one that failed longest ago is tried anyway (better than refusing a call). The call
 * session reconnects a broken stream through {@link #open} again and so moves to another member.
 */
public final class RecognizerPool implements Recognizer {

    private static final Logger log = LoggerFactory.getLogger(RecognizerPool.class);
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(10);

    /** One member and its health. */
    private static final class Member {
        final Recognizer recognizer;
        final AtomicInteger open = new AtomicInteger();
        volatile long downUntilMillis;
        volatile long failedAtMillis;

        Member(Recognizer recognizer) {
            this.recognizer = recognizer;
        }
    }

    private final List<Member> members;
    private final Duration coolDown;
    private final Clock clock;

    public RecognizerPool(List<? extends Recognizer> recognizers) {
        this(recognizers, DEFAULT_COOL_DOWN, Clock.systemUTC());
    }

    public RecognizerPool(List<? extends Recognizer> recognizers, Duration coolDown, Clock clock) {
        if (recognizers.isEmpty()) {
            throw new IllegalArgumentException("a recogniser pool needs at least one recogniser");
        }
        this.members = recognizers.stream().map(Member::new).toList();
        this.coolDown = coolDown;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "pool[" + String.join(", ", members.stream().map(m -> m.recognizer.name()).toList()) + "]";
    }

    /** Known only when every member knows it: the longest of theirs (a call may land on any member). */
    @Override
    public java.util.Optional<Duration> endpointSilence() {
        Duration longest = Duration.ZERO;
        for (Member m : members) {
            java.util.Optional<Duration> own = m.recognizer.endpointSilence();
            if (own.isEmpty()) {
                return java.util.Optional.empty();
            }
            longest = own.get().compareTo(longest) > 0 ? own.get() : longest;
        }
        return java.util.Optional.of(longest);
    }

    /** The first member's rate: members of one pool are expected to run the same model. */
    @Override
    public OptionalInt requiredSampleRate() {
        return members.get(0).recognizer.requiredSampleRate();
    }

    /** Streams open on each member, in pool order. */
    public List<Integer> openStreams() {
        return members.stream().map(m -> m.open.get()).toList();
    }

    /** Whether each member is usable now (not cooling down after a failure), in pool order. */
    public List<Boolean> healthy() {
        long now = clock.millis();
        return members.stream().map(m -> m.downUntilMillis <= now).toList();
    }

    /** Ready while any member is; otherwise every member's reason. */
    @Override
    public java.util.Optional<String> unavailableReason() {
        List<String> problems = new ArrayList<>();
        for (Member m : members) {
            java.util.Optional<String> problem = m.recognizer.unavailableReason();
            if (problem.isEmpty()) {
                return problem;
            }
            problems.add(problem.get());
        }
        return java.util.Optional.of(String.join("; ", problems));
    }

    @Override
    public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        List<Member> order = candidates();
        RecognizerException last = null;
        for (Member m : order) {
            m.open.incrementAndGet();
            try {
                RecognizerStream s = m.recognizer.open(options, new Watching(m, listener));
                return new PooledStream(m, s);
            } catch (RecognizerException e) {
                m.open.decrementAndGet();
                if (!e.retryable()) {
                    throw e;
                }
                markDown(m, e);
                last = e;
            } catch (RuntimeException e) {
                m.open.decrementAndGet();
                throw e;
            }
        }
        throw new RecognizerException("no recogniser of " + name() + " accepted " + options.label() + "; last error: "
                + last.getMessage(), true, last);
    }

    /** Healthy members by load, then the cooling-down ones by how long ago they failed. */
    private List<Member> candidates() {
        long now = clock.millis();
        List<Member> healthy = new ArrayList<>();
        List<Member> down = new ArrayList<>();
        for (Member m : members) {
            (m.downUntilMillis <= now ? healthy : down).add(m);
        }
        healthy.sort(Comparator.comparingInt(m -> m.open.get())); // stable: ties keep pool order
        down.sort(Comparator.comparingLong(m -> m.failedAtMillis));
        healthy.addAll(down);
        return healthy;
    }

    private void markDown(Member m, RecognizerException e) {
        long now = clock.millis();
        boolean wasUp = m.downUntilMillis <= now;
        m.failedAtMillis = now;
        m.downUntilMillis = now + coolDown.toMillis();
        if (wasUp) {
            log.warn("recogniser {} failed ({}); skipping it for {} s", m.recognizer.name(), e.getMessage(),
                    coolDown.toSeconds());
        }
    }

    @Override
    public void close() {
        for (Member m : members) {
            m.recognizer.close();
        }
    }

    /** Sees the member's stream failures (they arrive on the stream's thread) to take the member out. */
    private final class Watching implements RecognitionListener {
        private final Member member;
        private final RecognitionListener target;

        Watching(Member member, RecognitionListener target) {
            this.member = member;
            this.target = target;
        }

        @Override
        public void onResult(RecognitionResult result) {
            target.onResult(result);
        }

        @Override
        public void onFailure(RecognizerException failure) {
            if (failure.retryable()) {
                markDown(member, failure);
            }
            target.onFailure(failure);
        }
    }

    /** Counts the member's open streams and notices failures seen by the sender. */
    private final class PooledStream implements RecognizerStream {
        private final Member member;
        private final RecognizerStream stream;
        private boolean released;

        PooledStream(Member member, RecognizerStream stream) {
            this.member = member;
            this.stream = stream;
        }

        @Override
        public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
            try {
                stream.accept(pcm, offset, length);
            } catch (RecognizerException e) {
                noteFailure(e);
                throw e;
            }
        }

        @Override
        public void skip(long length) throws RecognizerException, InterruptedException {
            try {
                stream.skip(length);
            } catch (RecognizerException e) {
                noteFailure(e);
                throw e;
            }
        }

        @Override
        public void reset() throws RecognizerException, InterruptedException {
            try {
                stream.reset();
            } catch (RecognizerException e) {
                noteFailure(e);
                throw e;
            }
        }

        @Override
        public void finish(Duration timeout) throws RecognizerException, InterruptedException {
            try {
                stream.finish(timeout);
            } catch (RecognizerException e) {
                noteFailure(e);
                throw e;
            } finally {
                release();
            }
        }

        @Override
        public long answeredBytes() {
            return stream.answeredBytes();
        }

        @Override
        public void close() {
            stream.close();
            release();
        }

        private void noteFailure(RecognizerException e) {
            if (e.retryable() && member.downUntilMillis <= clock.millis()) {
                markDown(member, e);
            }
        }

        private synchronized void release() {
            if (!released) {
                released = true;
                member.open.decrementAndGet();
            }
        }
    }
}
