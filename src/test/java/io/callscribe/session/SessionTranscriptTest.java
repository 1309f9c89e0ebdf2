package io.callscribe.session;

import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The call session owns the call's one transcript; sinks get a view of it and its final snapshot, no copy. */
class SessionTranscriptTest {

    /** Records what a sink is handed, as a sink that keeps a transcript would have to (this one keeps only references). */
    private static final class HandedOver implements TranscriptSink {
        final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        volatile TranscriptView view;
        volatile CallTranscript.Snapshot atStart;
        volatile CallTranscript.Snapshot atEnd;

        @Override
        public void accept(TranscriptEvent event) {
            events.add(event);
        }

        @Override
        public void callStarted(TranscriptEvent.CallStarted start, TranscriptView transcript) {
            view = transcript;
            atStart = transcript.snapshot();
            events.add(start);
        }

        @Override
        public void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot transcript) {
            atEnd = transcript;
            events.add(end);
        }
    }

    @Test
    void everySinkGetsTheSessionsOwnTranscriptAndOneFinalSnapshot() throws Exception {
        byte[] pcm = new byte[16000 * 3];
        var recognizer = new ByteCountingRecognizer(16000, OptionalInt.empty());
        HandedOver a = new HandedOver();
        HandedOver b = new HandedOver();
        CallSession session = SingleLegCall.of("call-7", new BurstySource(PcmFormat.mono(8000), pcm, 32768, false),
                recognizer, SessionSettingsBuilder.defaults(), new SinkFanout(List.of(a, b)));
        session.run();

        // One transcript: the view both sinks were handed is the session's, not a copy.
        assertThat(a.view).isSameAs(session.transcript()).isSameAs(b.view);
        // The session applied call_start before handing it over.
        assertThat(a.atStart.startedAt()).isNotNull();
        assertThat(a.atStart.finals()).isEmpty();
        // One final snapshot, the same instance for every sink, equal to the session's transcript after the call.
        assertThat(a.atEnd).isNotNull().isSameAs(b.atEnd);
        assertThat(a.atEnd).isEqualTo(session.transcript().snapshot());
        assertThat(a.atEnd.live()).isFalse();
        assertThat(a.atEnd.finals()).extracting(TranscriptEvent.Final::text).containsExactly("w0", "w1", "w2");
        // ... holding exactly the finals the sinks were given as events.
        assertThat(a.events.stream().filter(e -> e instanceof TranscriptEvent.Final).toList())
                .containsExactlyElementsOf(a.atEnd.finals());
        assertThat(a.events).isEqualTo(b.events);
        assertThat(a.events.get(0)).isInstanceOf(TranscriptEvent.CallStarted.class);
        assertThat(a.events.get(a.events.size() - 1)).isInstanceOf(TranscriptEvent.CallEnded.class);
    }

    @Test
    void theSnapshotTakenBetweenDeliveriesHoldsExactlyTheEventsDeliveredSoFar() throws Exception {
        Instant t0 = Instant.parse("2026-12-02T06:00:00Z");
        List<Integer> finalsSeenBySinkWhenSnapshotted = new CopyOnWriteArrayList<>();
        List<TranscriptEvent> delivered = new CopyOnWriteArrayList<>();
        SessionTranscript call = new SessionTranscript("c", delivered::add);
        call.emit(new TranscriptEvent.CallStarted("c", t0, "x"));
        CountDownLatch firstSnapshotTaken = new CountDownLatch(1);
        Thread emitter = Thread.ofVirtual().start(() -> {
            try {
                firstSnapshotTaken.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < 2000; i++) {
                call.emit(new TranscriptEvent.Final("c", t0, null, "f" + i, i, i + 0.5, List.of()));
            }
        });
        // Snapshots are taken while the emitter runs (the emitter waits for the first one, so the loop
        // cannot miss it on a loaded machine); each must hold exactly what the sink had been given.
        do {
            call.withSnapshot(s -> {
                long deliveredFinals = delivered.stream().filter(e -> e instanceof TranscriptEvent.Final).count();
                assertThat((long) s.finals().size()).isEqualTo(deliveredFinals);
                finalsSeenBySinkWhenSnapshotted.add(s.finals().size());
            });
            firstSnapshotTaken.countDown();
        } while (emitter.isAlive());
        emitter.join();
        assertThat(finalsSeenBySinkWhenSnapshotted).first().isEqualTo(0);
        assertThat(call.snapshot().finals()).hasSize(2000);
    }

    @Test
    void anEventOfAnotherCallIsRefused() {
        SessionTranscript call = new SessionTranscript("c1", e -> { });
        assertThatThrownBy(() -> call.emit(new TranscriptEvent.CallError("c2", Instant.EPOCH, "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c2").hasMessageContaining("c1");
    }
}
