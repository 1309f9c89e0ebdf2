package io.callscribe.web;

import io.callscribe.event.TranscriptEvent;
import io.callscribe.session.SessionTranscript;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class CallRegistryTest {

    private static final Instant T0 = Instant.parse("2026-12-02T06:00:00Z");

    /** A session's transcript that has more than the registry was told: what the registry shows must come from it. */
    private static final class SessionsOwn implements TranscriptView {
        final CallTranscript transcript = new CallTranscript("c1");

        @Override
        public String callId() {
            return "c1";
        }

        @Override
        public CallTranscript.Snapshot snapshot() {
            return transcript.snapshot();
        }

        @Override
        public void withSnapshot(Consumer<CallTranscript.Snapshot> action) {
            action.accept(transcript.snapshot());
        }
    }

    @Test
    void aLiveCallIsReadFromItsSessionsTranscriptAndAFinishedOneIsTheSnapshotHandedOver() {
        CallRegistry registry = new CallRegistry();
        SessionsOwn session = new SessionsOwn();
        TranscriptEvent.CallStarted start = new TranscriptEvent.CallStarted("c1", T0, "audiosocket:c1");
        session.transcript.apply(start);
        registry.callStarted(start, session);
        // Applied by the session only: the registry keeps no copy, so it shows the session's final at once.
        session.transcript.apply(new TranscriptEvent.Final("c1", T0, null, "only the session has this", 0, 1, List.of()));
        assertThat(registry.transcript("c1")).hasValueSatisfying(s -> assertThat(s.finals())
                .extracting(TranscriptEvent.Final::text).containsExactly("only the session has this"));
        assertThat(registry.list(null, true)).singleElement().satisfies(c -> assertThat(c.finals()).isEqualTo(1));

        TranscriptEvent.CallEnded end = new TranscriptEvent.CallEnded("c1", T0.plusSeconds(3), 3, "hangup");
        session.transcript.apply(end);
        CallTranscript.Snapshot last = session.snapshot();
        registry.callEnded(end, last);
        assertThat(registry.transcript("c1")).containsSame(last);
        assertThat(registry.isLive("c1")).isFalse();
    }

    @Test
    void aFollowerGetsEveryFinalOfABusyCallExactlyOnceAcrossSnapshotAndFeed() throws Exception {
        CallRegistry registry = new CallRegistry();
        SessionTranscript call = new SessionTranscript("busy", registry);
        call.emit(new TranscriptEvent.CallStarted("busy", T0, "x"));
        int n = 3000;
        // The emitter waits for a first follower before its first final and, halfway, for one that
        // subscribed after the halfway mark: however loaded the machine, followers join before and
        // during the call, never only after it.
        CountDownLatch firstFollower = new CountDownLatch(1);
        CountDownLatch midCallFollower = new CountDownLatch(1);
        AtomicBoolean halfway = new AtomicBoolean();
        Thread emitter = Thread.ofVirtual().start(() -> {
            try {
                firstFollower.await();
                for (int i = 0; i < n; i++) {
                    if (i == n / 2) {
                        halfway.set(true);
                        midCallFollower.await();
                    }
                    call.emit(new TranscriptEvent.Final("busy", T0, null, "f" + i, i, i + 0.5, List.of()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            call.emit(new TranscriptEvent.CallEnded("busy", T0, n, "hangup"));
        });
        List<FeedSubscription> followers = new ArrayList<>();
        do {
            boolean afterHalfway = halfway.get();
            followers.add(registry.subscribe("busy", 10 * n));
            firstFollower.countDown();
            if (afterHalfway) {
                midCallFollower.countDown();
            }
        } while (emitter.isAlive() && followers.size() < 49);
        if (midCallFollower.getCount() > 0) {
            while (!halfway.get()) {
                Thread.onSpinWait();
            }
            followers.add(registry.subscribe("busy", 10 * n));
            midCallFollower.countDown();
        }
        emitter.join();
        assertThat(followers).hasSizeGreaterThan(1);
        for (FeedSubscription f : followers) {
            List<String> texts = new ArrayList<>();
            f.snapshot().forEach(e -> add(e, texts));
            TranscriptEvent e;
            boolean ended = f.snapshot().stream().anyMatch(x -> x instanceof TranscriptEvent.CallEnded);
            while (!ended && (e = f.poll(5, TimeUnit.SECONDS)) != null) {
                add(e, texts);
                ended = e instanceof TranscriptEvent.CallEnded;
            }
            assertThat(ended).isTrue();
            Set<String> unique = new HashSet<>(texts);
            assertThat(unique).as("no duplicate").hasSize(texts.size());
            assertThat(texts).as("no gap").hasSize(n);
            f.close();
        }
    }

    private static void add(TranscriptEvent e, List<String> texts) {
        if (e instanceof TranscriptEvent.Final f) {
            texts.add(f.text());
        }
    }
}
