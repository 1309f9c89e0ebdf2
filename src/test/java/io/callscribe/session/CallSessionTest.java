package io.callscribe.session;

import io.callscribe.asr.RecognizerException;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.ReconnectPolicyBuilder;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CallSessionTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();

    private static byte[] audio(int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @Test
    void everyByteReachesTheRecogniserInOrderAndFinalsBecomeEvents() throws Exception {
        byte[] pcm = audio(16000 * 3 + 100); // 3 s and a bit at 8 kHz
        var recognizer = new ByteCountingRecognizer(16000, OptionalInt.empty());
        var source = new BurstySource(RATE_8K, pcm, 32768, false);

        CallOutcome outcome = SingleLegCall.of("call-1", source, recognizer, SessionSettingsBuilder.defaults(), events::add).run();

        var stream = recognizer.streams.get(0);
        assertThat(stream.received.toByteArray()).isEqualTo(pcm);
        assertThat(stream.options.sampleRate()).isEqualTo(8000);
        assertThat(stream.finished).isTrue();
        assertThat(stream.closed).isTrue();
        assertThat(source.closed).isTrue();
        assertThat(outcome.ok()).isTrue();
        assertThat(outcome.finals()).isEqualTo(4);
        assertThat(outcome.audioSeconds()).isCloseTo(3.00625, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(events.get(0)).isInstanceOf(TranscriptEvent.CallStarted.class);
        assertThat(events.get(events.size() - 1)).isInstanceOf(TranscriptEvent.CallEnded.class);
        assertThat(events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> ((TranscriptEvent.Final) e).text()))
                .containsExactly("w0", "w1", "w2", "w3");
    }

    @Test
    void burstySourceIsSentAsSoonAsABurstIsDrainedNotHeldForAFullChunk() throws Exception {
        // 32 KiB bursts are not a multiple of 3200-byte chunks: the 768-byte rest of each burst goes out at once.
        byte[] pcm = audio(32768 * 2);
        var recognizer = new ByteCountingRecognizer(1_000_000, OptionalInt.empty());
        SingleLegCall.of("c", new BurstySource(RATE_8K, pcm, 32768, false), recognizer, SessionSettingsBuilder.defaults(),
                events::add).run();
        assertThat(recognizer.streams.get(0).chunkSizes)
                .containsExactly(3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 768,
                        3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 3200, 768);
    }

    @Test
    void realTimeSourceIsCollectedIntoFullChunks() throws Exception {
        byte[] pcm = audio(320 * 25); // 25 AudioSocket frames of 20 ms
        var recognizer = new ByteCountingRecognizer(1_000_000, OptionalInt.empty());
        SingleLegCall.of("c", new BurstySource(RATE_8K, pcm, 320, true), recognizer, SessionSettingsBuilder.defaults(),
                events::add).run();
        assertThat(recognizer.streams.get(0).chunkSizes).containsExactly(3200, 3200, 1600);
    }

    @Test
    void recogniserFailureIsReportedAsAnErrorEventAndInTheOutcome() throws Exception {
        var recognizer = new ByteCountingRecognizer(1_000_000, OptionalInt.empty());
        recognizer.failAfterFirstChunk = new RecognizerException("vosk server ws://127.0.0.1:1 closed the connection (1011)", true);
        CallOutcome outcome = SingleLegCall.of("c", new BurstySource(RATE_8K, audio(32000), 32000, false), recognizer,
                SessionSettingsBuilder.settings().reconnect(ReconnectPolicyBuilder.never()).build(), events::add).run();
        assertThat(outcome.ok()).isFalse();
        assertThat(outcome.errors()).singleElement().asString().contains("ws://127.0.0.1:1", "1011");
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(TranscriptEvent.CallError.class));
        assertThat(events.get(events.size() - 1)).isInstanceOf(TranscriptEvent.CallEnded.class);
    }

    @Test
    void brokenSourceStillGetsTheFinalForAudioThatArrived() throws Exception {
        var recognizer = new ByteCountingRecognizer(1_000_000, OptionalInt.empty());
        var source = new BurstySource(RATE_8K, audio(8000), 8000, false);
        source.failAtEnd = new IOException("x.wav: file was truncated while being followed");
        CallOutcome outcome = SingleLegCall.of("c", source, recognizer, SessionSettingsBuilder.defaults(), events::add).run();
        assertThat(outcome.errors()).singleElement().asString().contains("truncated");
        assertThat(recognizer.streams.get(0).finished).isTrue();
        assertThat(outcome.finals()).isEqualTo(1);
    }

    @Test
    void legsGetTheirOwnStreamsAndSpeakerLabels() throws Exception {
        var recognizer = new ByteCountingRecognizer(8000, OptionalInt.empty());
        var session = new CallSession("two-legs", List.of(
                new CallSession.Leg("caller", new BurstySource(RATE_8K, audio(16000), 3200, false)),
                new CallSession.Leg("agent", new BurstySource(RATE_8K, audio(8000), 3200, false))),
                recognizer, SessionSettingsBuilder.defaults(), events::add);
        CallOutcome outcome = session.run();
        assertThat(recognizer.streams).hasSize(2);
        assertThat(outcome.finals()).isEqualTo(3);
        assertThat(events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> ((TranscriptEvent.Final) e).speaker()))
                .containsOnly("caller", "agent");
    }

    @Test
    void aSessionRunsOnceAndRejectsBadCallIds() throws Exception {
        var recognizer = new ByteCountingRecognizer(8000, OptionalInt.empty());
        var session = SingleLegCall.of("once", new BurstySource(RATE_8K, audio(320), 320, false), recognizer,
                SessionSettingsBuilder.defaults(), events::add);
        session.run();
        assertThatThrownBy(session::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("new session");
        assertThatThrownBy(() -> SingleLegCall.of("../etc", new BurstySource(RATE_8K, audio(2), 2, false), recognizer,
                SessionSettingsBuilder.defaults(), events::add)).hasMessageContaining("invalid call id");
    }

    @Test
    void callAudioIsResampledToTheRateTheEngineRequires() throws Exception {
        byte[] pcm = audio(16000); // 1 s at 8 kHz
        var recognizer = new ByteCountingRecognizer(1_000_000, OptionalInt.of(16000));
        SingleLegCall.of("c", new BurstySource(RATE_8K, pcm, 32768, false), recognizer, SessionSettingsBuilder.defaults(),
                events::add).run();
        var stream = recognizer.streams.get(0);
        assertThat(stream.options.sampleRate()).isEqualTo(16000);
        assertThat(stream.received.size()).isEqualTo(32000);
    }
}
