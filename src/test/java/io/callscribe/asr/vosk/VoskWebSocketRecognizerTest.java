package io.callscribe.asr.vosk;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class VoskWebSocketRecognizerTest {

    private static final byte[] CHUNK = new byte[3200]; // 200 ms at 8 kHz
    private static final Duration FINISH = Duration.ofSeconds(10);

    private ScriptedVoskServer vosk;
    private VoskWebSocketRecognizer recognizer;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void start() throws Exception {
        vosk = ScriptedVoskServer.start().bytesPerWord(3200).wordsPerFinal(3);
        recognizer = new VoskWebSocketRecognizer(vosk.uri());
    }

    @AfterEach
    void stop() {
        recognizer.close();
        vosk.close();
    }

    private VoskWebSocketStream open() throws RecognizerException {
        return recognizer.open(StreamOptions.of(8000, "call-1/caller"), listener);
    }

    private static void send(VoskWebSocketStream stream, int chunks) throws Exception {
        for (int i = 0; i < chunks; i++) {
            stream.accept(CHUNK, 0, CHUNK.length);
        }
    }

    @Test
    void sendsConfigFirstThenChunksAsGivenThenTheExactEof() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 4);
        stream.accept(new byte[8000], 1000, 1600);
        stream.finish(FINISH);

        assertThat(recognizer.name()).isEqualTo("vosk-ws " + vosk.uri());
        List<String> texts = vosk.texts();
        assertThat(texts).hasSize(2);
        assertThat(new ObjectMapper().readTree(texts.get(0)))
                .isEqualTo(new ObjectMapper().readTree("{\"config\": {\"sample_rate\": 8000, \"words\": true}}"));
        assertThat(texts.get(1)).isEqualTo("{\"eof\" : 1}");
        assertThat(vosk.binarySizes()).containsExactly(3200, 3200, 3200, 3200, 1600);
        assertThat(stream.messagesSent()).isEqualTo(6);
        assertThat(stream.repliesReceived()).isEqualTo(6);
        assertThat(stream.inFlight()).isZero();
        assertThat(stream.bytesSent()).isEqualTo(4 * 3200 + 1600);
        assertThat(listener.finalTexts()).containsExactly("w1 w2 w3", "w4");
        assertThat(listener.finals().get(0).words()).hasSize(3);
        assertThat(listener.finals().get(0).end()).isEqualTo(0.6);
        // Every reply as it came (repeats are dropped above the engine, by RecognizerStreams).
        assertThat(listener.partialTexts()).containsExactly("w1", "w1 w2", "w4", "w4");
        assertThat(listener.failures).isEmpty();
        await().atMost(5, TimeUnit.SECONDS).until(() -> !vosk.closeCodes().isEmpty());
        assertThat(vosk.closeCodes()).containsExactly(1000);
    }

    @Test
    void chunksOfAnySizeArriveExactlyAsGivenWhenTheCallerReusesItsArray() throws Exception {
        VoskWebSocketStream stream = open();
        java.util.Random random = new java.util.Random(7);
        byte[] callers = new byte[8000]; // one array, overwritten before each send, as a leg's pump does
        java.io.ByteArrayOutputStream given = new java.io.ByteArrayOutputStream();
        int[] sizes = {3200, 100, 6400, 2, 3200, 8000, 640};
        for (int size : sizes) {
            random.nextBytes(callers);
            stream.accept(callers, 8000 - size, size);
            given.write(callers, 8000 - size, size);
        }
        stream.finish(FINISH);
        assertThat(vosk.binarySizes()).containsExactly(3200, 100, 6400, 2, 3200, 8000, 640);
        assertThat(vosk.audio()).isEqualTo(given.toByteArray());
    }

    @Test
    void keepsEveryFinalWhenTheEofReplyIsEmpty() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 9);
        stream.finish(FINISH);

        assertThat(vosk.replies().getLast()).contains("\n").contains("\"text\"").doesNotContain("w");
        assertThat(listener.finalTexts()).containsExactly("w1 w2 w3", "w4 w5 w6", "w7 w8 w9", "");
        assertThat(stream.repliesReceived()).isEqualTo(10);
        assertThat(listener.finals().getLast().isEmpty()).isTrue(); // reported; the stream layer decides
    }

    @Test
    void resetDeliversTheUtteranceAndKeepsTheConnection() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 2);
        stream.reset();
        send(stream, 1);
        stream.finish(FINISH);

        assertThat(vosk.texts()).containsSubsequence("{\"reset\" : 1}", "{\"eof\" : 1}");
        assertThat(listener.finalTexts()).containsExactly("w1 w2", "w3");
        assertThat(vosk.connectionsOpened()).isEqualTo(1);
    }

    @Test
    void alternativesAreKeptWithTheFirstAsText() throws Exception {
        VoskWebSocketStream stream = recognizer.open(
                new StreamOptions(8000, true, 2, List.of("w1"), "call-1/caller"), listener);
        send(stream, 3);
        stream.finish(FINISH);

        assertThat(vosk.configs().getFirst()).contains("\"max_alternatives\":2").contains("\"phrase_list\":[\"w1\"]");
        RecognitionResult.Final f = listener.finals().getFirst();
        assertThat(f.text()).isEqualTo("w1 w2 w3");
        assertThat(f.alternatives()).extracting(RecognitionResult.Alternative::text)
                .containsExactly("w1 w2 w3", "w3 w2 w1");
        assertThat(f.words()).hasSize(3);
    }

    @Test
    void deliversResultsOnAThreadThatIsNotTheSender() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 3);
        stream.finish(FINISH);
        assertThat(listener.threads).isNotEmpty().doesNotContain(Thread.currentThread());
    }

    @Test
    void answersServerPings() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> stream.repliesReceived() == 1);
        vosk.ping();
        await().atMost(5, TimeUnit.SECONDS).until(() -> vosk.pongs() >= 1);
        stream.finish(FINISH);
    }

    @Test
    void abruptServerCloseFailsTheStreamNamingServerAndCode() throws Exception {
        vosk.closeAfterMessages(3, 1011, "model crashed");
        VoskWebSocketStream stream = open();
        send(stream, 2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> stream.repliesReceived() == 2);
        stream.accept(CHUNK, 0, CHUNK.length);
        await().atMost(5, TimeUnit.SECONDS).until(() -> !listener.failures.isEmpty());

        RecognizerException failure = listener.failures.getFirst();
        assertThat(failure.getMessage()).contains("vosk server " + vosk.uri()).contains("1011").contains("model crashed");
        assertThat(failure.retryable()).isTrue();
        assertThat(listener.failures).hasSize(1);
        assertThatThrownBy(() -> stream.accept(CHUNK, 0, CHUNK.length)).isSameAs(failure);
        assertThatThrownBy(() -> stream.finish(FINISH)).isSameAs(failure);
        assertThat(listener.finalTexts()).isEmpty();
        assertThat(listener.partialTexts()).containsExactly("w1", "w1 w2");
    }

    @Test
    void droppedConnectionFailsTheStreamAsRetryable() throws Exception {
        VoskWebSocketStream stream = open();
        send(stream, 1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> stream.repliesReceived() == 1);
        vosk.dropConnections();
        await().atMost(5, TimeUnit.SECONDS).until(() -> !listener.failures.isEmpty());
        assertThat(listener.failures.getFirst().getMessage()).contains("vosk server " + vosk.uri());
        assertThat(listener.failures.getFirst().retryable()).isTrue();
        assertThatThrownBy(() -> stream.finish(FINISH)).isInstanceOf(RecognizerException.class);
    }

    @Test
    void refusedConnectionIsAClearRetryableError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI nowhere = URI.create("ws://127.0.0.1:" + port);
        try (VoskWebSocketRecognizer r = new VoskWebSocketRecognizer(nowhere)) {
            assertThatThrownBy(() -> r.open(StreamOptions.of(8000, "c"), listener))
                    .isInstanceOf(RecognizerException.class)
                    .hasMessageStartingWith("vosk server ws://127.0.0.1:" + port + " refused the connection")
                    .satisfies(e -> assertThat(((RecognizerException) e).retryable()).isTrue());
        }
    }

    @Test
    void boundsMessagesInFlightAndDropsNothingWhenTheServerIsSlow() throws Exception {
        try (VoskWebSocketRecognizer bounded = new VoskWebSocketRecognizer(vosk.uri(), Duration.ofSeconds(5), 4)) {
            VoskWebSocketStream stream = bounded.open(StreamOptions.of(8000, "slow"), listener);
            vosk.pauseReplies();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    send(stream, 12);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(5, TimeUnit.SECONDS).until(() -> sender.getState() == Thread.State.WAITING);
            assertThat(stream.messagesSent()).isEqualTo(4);
            assertThat(stream.inFlight()).isEqualTo(4);

            vosk.replyDelay(Duration.ofMillis(5)).resumeReplies();
            sender.join(10_000);
            assertThat(sender.isAlive()).isFalse();
            stream.finish(FINISH);

            assertThat(vosk.binarySizes()).hasSize(12);
            assertThat(stream.repliesReceived()).isEqualTo(13);
            assertThat(listener.finalTexts()).containsExactly("w1 w2 w3", "w4 w5 w6", "w7 w8 w9", "w10 w11 w12", "");
        }
    }

    @Test
    void finishTimesOutClearlyWhenTheServerNeverAnswers() throws Exception {
        VoskWebSocketStream stream = open();
        vosk.pauseReplies();
        send(stream, 1);
        assertThatThrownBy(() -> stream.finish(Duration.ofMillis(200)))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("gave no final result")
                .hasMessageContaining(vosk.uri().toString());
        vosk.resumeReplies();
    }

    @Test
    void rejectsOddChunks() throws Exception {
        VoskWebSocketStream stream = open();
        assertThatThrownBy(() -> stream.accept(new byte[3], 0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("call-1/caller");
        stream.close();
    }
}
