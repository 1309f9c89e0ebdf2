package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Queueing, ordering, backpressure and native-free discipline of {@link VoskLibStream}, with a scripted decoder. */
class VoskLibStreamTest {

    /**
     * TEST DOUBLE for libvosk: recognises nothing. Each chunk's first byte is taken as a "word" letter; a chunk
     * whose second byte is 1 ends the utterance. It answers in libvosk's JSON shapes so the real parser runs.
     */
    static final class ScriptedDecoder implements VoskDecoder {
        final List<String> words = new ArrayList<>();
        final CountDownLatch gate;
        final AtomicInteger chunks = new AtomicInteger();
        volatile boolean closed;
        volatile int failOnChunk = -1;
        final List<String> threads = new CopyOnWriteArrayList<>();

        ScriptedDecoder(boolean open) {
            gate = new CountDownLatch(open ? 0 : 1);
        }

        @Override
        public boolean acceptWaveForm(byte[] pcm, int length) {
            assertThat(closed).as("no call after free").isFalse();
            threads.add(Thread.currentThread().getName());
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (chunks.incrementAndGet() == failOnChunk) {
                throw new IllegalStateException("simulated native fault");
            }
            words.add(String.valueOf((char) pcm[0]));
            return pcm[1] == 1;
        }

        private String take() {
            String text = String.join(" ", words);
            words.clear();
            return "{\"text\" : \"" + text + "\"}";
        }

        @Override
        public String result() {
            return take();
        }

        @Override
        public String partialResult() {
            return "{\"partial\" : \"" + String.join(" ", words) + "\"}";
        }

        @Override
        public String finalResult() {
            return take();
        }

        @Override
        public void close() {
            assertThat(closed).as("freed once").isFalse();
            closed = true;
        }
    }

    static final class Collector implements RecognitionListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<RecognizerException> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onResult(RecognitionResult result) {
            events.add(switch (result) {
                case RecognitionResult.Partial p -> "partial:" + p.text();
                case RecognitionResult.Final f -> "final:" + f.text();
            });
        }

        @Override
        public void onFailure(RecognizerException failure) {
            failures.add(failure);
        }
    }

    private final ExecutorService pool = Executors.newFixedThreadPool(2,
            r -> Thread.ofPlatform().daemon().name("test-decoder").unstarted(r));

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    private static byte[] chunk(char word, boolean endpoint) {
        return new byte[] {(byte) word, (byte) (endpoint ? 1 : 0), 0, 0};
    }

    @Test
    void resultsArriveInOrderAndFinishFreesTheRecognizer() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(true);
        Collector c = new Collector();
        VoskLibStream s = new VoskLibStream("call-1/caller", d, c, pool, () -> {
        });
        s.accept(chunk('a', false), 0, 4);
        s.accept(chunk('b', false), 0, 4);
        s.accept(chunk('c', true), 0, 4);
        s.accept(chunk('d', false), 0, 4);
        s.accept(chunk('d', false), 0, 2); // offset/length honoured: a 2-byte slice of the chunk
        s.finish(Duration.ofSeconds(5));
        assertThat(c.events).containsExactly("partial:a", "partial:a b", "final:a b c", "partial:d", "partial:d d", "final:d d");
        assertThat(d.closed).isTrue();
        assertThat(d.threads).allMatch(t -> t.equals("test-decoder"));
        assertThatThrownBy(() -> s.accept(chunk('e', false), 0, 4)).hasMessage("vosk stream call-1/caller is closed");
    }

    @Test
    void resetDeliversTheCurrentUtteranceAndTheStreamGoesOn() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(true);
        Collector c = new Collector();
        VoskLibStream s = new VoskLibStream("r", d, c, pool, () -> {
        });
        s.accept(chunk('x', false), 0, 4);
        s.reset();
        s.accept(chunk('y', false), 0, 4);
        s.finish(Duration.ofSeconds(5));
        assertThat(c.events).containsExactly("partial:x", "final:x", "partial:y", "final:y");
    }

    @Test
    void senderBlocksWhenTheDecoderIsBehindAndNothingIsDropped() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(false);
        Collector c = new Collector();
        VoskLibStream s = new VoskLibStream("bp", d, c, pool, () -> {
        });
        int n = VoskLibStream.MAX_CHUNKS_IN_FLIGHT + 3;
        AtomicInteger sent = new AtomicInteger();
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    s.accept(chunk((char) ('a' + i), false), 0, 4);
                    sent.incrementAndGet();
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> sender.getState() == Thread.State.WAITING);
        assertThat(sent.get()).isEqualTo(VoskLibStream.MAX_CHUNKS_IN_FLIGHT);
        d.gate.countDown();
        sender.join(5000);
        s.finish(Duration.ofSeconds(5));
        assertThat(c.events.get(c.events.size() - 1)).isEqualTo("final:a b c d e f g h i j k");
        assertThat(d.chunks.get()).isEqualTo(n);
    }

    @Test
    void closeReleasesABlockedSenderAndFreesOnceTheDecoderIsIdle() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(false);
        AtomicInteger closedCallbacks = new AtomicInteger();
        VoskLibStream s = new VoskLibStream("close", d, new Collector(), pool, closedCallbacks::incrementAndGet);
        List<Exception> senderError = new CopyOnWriteArrayList<>();
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    s.accept(chunk('z', false), 0, 4);
                }
            } catch (Exception e) {
                senderError.add(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> sender.getState() == Thread.State.WAITING);
        s.close();
        s.close();
        sender.join(5000);
        assertThat(senderError).singleElement().satisfies(e -> assertThat(e).hasMessage("vosk stream close is closed"));
        assertThat(d.closed).as("not freed while a native call is running").isFalse();
        d.gate.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> d.closed);
        assertThat(d.chunks.get()).as("queued audio is dropped after close, not decoded").isEqualTo(1);
        assertThat(closedCallbacks.get()).isEqualTo(1);
    }

    @Test
    void finishTimesOutWithAClearErrorAndStillFreesLater() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(false);
        VoskLibStream s = new VoskLibStream("slow", d, new Collector(), pool, () -> {
        });
        s.accept(chunk('a', false), 0, 4);
        assertThatThrownBy(() -> s.finish(Duration.ofMillis(100)))
                .isInstanceOf(RecognizerException.class)
                .hasMessageStartingWith("vosk stream slow: no final result within 100 ms");
        d.gate.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> d.closed);
    }

    @Test
    void nativeFaultIsReportedOnceAndFreesTheRecognizer() throws Exception {
        ScriptedDecoder d = new ScriptedDecoder(true);
        d.failOnChunk = 2;
        Collector c = new Collector();
        VoskLibStream s = new VoskLibStream("boom", d, c, pool, () -> {
        });
        s.accept(chunk('a', false), 0, 4);
        s.accept(chunk('b', false), 0, 4);
        await().atMost(Duration.ofSeconds(5)).until(() -> !c.failures.isEmpty());
        assertThat(c.failures).singleElement().satisfies(e -> assertThat(e)
                .hasMessageContaining("vosk stream boom: libvosk failed: java.lang.IllegalStateException: simulated native fault"));
        assertThat(d.closed).isTrue();
        assertThatThrownBy(() -> s.accept(chunk('c', false), 0, 4)).hasMessageContaining("simulated native fault");
        s.close();
    }

    @Test
    void oddLengthIsRejected() {
        VoskLibStream s = new VoskLibStream("odd", new ScriptedDecoder(true), new Collector(), pool, () -> {
        });
        assertThatThrownBy(() -> s.accept(new byte[3], 0, 3)).hasMessageContaining("PCM length must be even, got 3");
        s.close();
    }
}
