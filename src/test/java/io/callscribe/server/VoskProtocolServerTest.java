package io.callscribe.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.asr.vosk.VoskWebSocketStream;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class VoskProtocolServerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] CHUNK = new byte[3200];
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    private VoskProtocolServer start(TestRecognizer engine) throws Exception {
        return start(engine, settings());
    }

    private static VoskServerSettings settings() {
        return VoskServerSettings.defaults().withPort(0).withWorkers(2)
                .withReplyWait(Duration.ofMillis(200)).withFinalWait(Duration.ofMillis(200));
    }

    private VoskProtocolServer start(TestRecognizer engine, VoskServerSettings settings) throws Exception {
        VoskProtocolServer server = VoskProtocolServer.start(engine, settings);
        resources.add(server);
        return server;
    }

    /** A plain JDK WebSocket client that records what the server says. */
    private static final class RawClient implements WebSocket.Listener {
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final AtomicInteger pings = new AtomicInteger();
        private final StringBuilder text = new StringBuilder();
        WebSocket ws;

        static RawClient connect(URI uri) throws Exception {
            RawClient c = new RawClient();
            c.ws = HTTP.newWebSocketBuilder().buildAsync(uri, c).get(5, TimeUnit.SECONDS);
            return c;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                replies.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete("error " + error);
        }

        void text(String message) throws Exception {
            ws.sendText(message, true).get(5, TimeUnit.SECONDS);
        }

        void binary(byte[] pcm) throws Exception {
            ws.sendBinary(ByteBuffer.wrap(pcm), true).get(5, TimeUnit.SECONDS);
        }

        JsonNode reply() throws Exception {
            String r = replies.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("reply").isNotNull();
            assertThat(r).contains("\n"); // pretty-printed like vosk-server
            return MAPPER.readTree(r);
        }

        String closeStatus() throws Exception {
            return closed.get(5, TimeUnit.SECONDS);
        }
    }

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void answersEachMessageInVoskShapesAndClosesWith1000AfterEof() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3);
        VoskProtocolServer server = start(engine);
        RawClient c = RawClient.connect(server.uri());
        c.text("{\"config\" : {\"sample_rate\" : 8000.0, \"words\" : true}}");
        c.binary(CHUNK);
        assertThat(c.reply()).isEqualTo(json("{\"partial\": \"w1\"}"));
        c.binary(CHUNK);
        assertThat(c.reply()).isEqualTo(json("{\"partial\": \"w1 w2\"}"));
        c.binary(CHUNK);
        JsonNode fin = c.reply();
        assertThat(fin.get("text").asText()).isEqualTo("w1 w2 w3");
        assertThat(fin.get("result")).hasSize(3);
        assertThat(fin.at("/result/0")).isEqualTo(json("{\"conf\": 0.9, \"end\": 0.2, \"start\": 0.0, \"word\": \"w1\"}"));
        c.binary(CHUNK);
        assertThat(c.reply()).isEqualTo(json("{\"partial\": \"w4\"}"));
        c.text("{\"eof\" : 1}");
        assertThat(c.reply().get("text").asText()).isEqualTo("w4");
        assertThat(c.closeStatus()).isEqualTo("1000 ");
        assertThat(c.replies).isEmpty();
        assertThat(engine.openedStreams()).hasSize(1);
        assertThat(engine.openedStreams().getFirst().sampleRate()).isEqualTo(8000);
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 0);
    }

    @Test
    void pipelinedMessagesGetOneReplyEachInOrderAndNoFinalIsLost() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 2).async();
        VoskProtocolServer server = start(engine);
        RawClient c = RawClient.connect(server.uri());
        for (int i = 0; i < 7; i++) {
            c.binary(CHUNK);
        }
        c.text("{\"eof\" : 1}");
        List<String> finalTexts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            JsonNode r = c.reply();
            assertThat(r.has("partial") || r.has("text")).isTrue();
            if (r.has("text") && !r.get("text").asText().isEmpty()) {
                finalTexts.add(r.get("text").asText());
            }
        }
        assertThat(c.closeStatus()).isEqualTo("1000 ");
        assertThat(c.replies).isEmpty();
        assertThat(String.join(" ", finalTexts)).isEqualTo("w1 w2 w3 w4 w5 w6 w7");
    }

    @Test
    void resetAnswersTheUtteranceAndKeepsTheConnection() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 5));
        RawClient c = RawClient.connect(server.uri());
        c.text("{\"reset\" : 1}");
        assertThat(c.reply()).isEqualTo(json("{\"text\": \"\"}"));
        c.binary(CHUNK);
        c.binary(CHUNK);
        c.reply();
        c.reply();
        c.text("{\"reset\" : 1}");
        assertThat(c.reply().get("text").asText()).isEqualTo("w1 w2");
        c.binary(CHUNK);
        assertThat(c.reply()).isEqualTo(json("{\"partial\": \"w3\"}"));
        assertThat(c.closed).isNotDone();
        c.text("{\"eof\" : 1}");
        assertThat(c.reply().get("text").asText()).isEqualTo("w3");
        assertThat(c.closeStatus()).isEqualTo("1000 ");
    }

    @Test
    void eofWithoutAudioAnswersEmptyAndConfigDefaultsComeFromSettings() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3),
                settings().withShowWords(false).withMaxAlternatives(0));
        RawClient c = RawClient.connect(server.uri());
        c.text("{\"eof\" : 1}");
        assertThat(c.reply()).isEqualTo(json("{\"text\": \"\"}"));
        assertThat(c.closeStatus()).isEqualTo("1000 ");

        RawClient d = RawClient.connect(server.uri());
        for (int i = 0; i < 3; i++) {
            d.binary(CHUNK);
        }
        d.reply();
        d.reply();
        assertThat(d.reply()).isEqualTo(json("{\"text\": \"w1 w2 w3\"}")); // words off: no result array
        d.text("{\"eof\" : 1}");
        d.reply();
    }

    @Test
    void alternativesConfigGivesTheAlternativesShape() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 1));
        RawClient c = RawClient.connect(server.uri());
        c.text("{\"config\": {\"sample_rate\": 8000, \"max_alternatives\": 3}}");
        c.binary(CHUNK);
        JsonNode r = c.reply();
        assertThat(r.at("/alternatives/0/text").asText()).isEqualTo("w1");
        assertThat(r.at("/alternatives/0/result/0/word").asText()).isEqualTo("w1");
        assertThat(r.at("/alternatives/0/confidence").isNumber()).isTrue();
        c.text("{\"eof\" : 1}");
        c.reply();
    }

    @Test
    void badInputClosesWith1011AndOtherConnectionsCarryOn() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3).requiredRate(16000);
        VoskProtocolServer server = start(engine, settings().withSampleRate(16000));
        RawClient healthy = RawClient.connect(server.uri());
        healthy.binary(CHUNK);
        assertThat(healthy.reply()).isEqualTo(json("{\"partial\": \"w1\"}"));

        RawClient stray = RawClient.connect(server.uri());
        stray.text("{\"eof\": 1}");
        assertThat(stray.closeStatus()).startsWith("1011 unknown text message");

        RawClient notJson = RawClient.connect(server.uri());
        notJson.text("eof");
        assertThat(notJson.closeStatus()).startsWith("1011 text message is not JSON");

        RawClient odd = RawClient.connect(server.uri());
        odd.binary(new byte[3201]);
        assertThat(odd.closeStatus()).isEqualTo("1011 binary message of 3201 bytes is not whole 16-bit samples");

        RawClient wrongRate = RawClient.connect(server.uri());
        wrongRate.text("{\"config\": {\"sample_rate\": 8000}}");
        wrongRate.binary(CHUNK);
        assertThat(wrongRate.closeStatus())
                .isEqualTo("1011 sample rate 8000 Hz is not supported: engine test-recognizer takes 16000 Hz only");

        RawClient badConfig = RawClient.connect(server.uri());
        badConfig.text("{\"config\": {\"sample_rate\": \"fast\"}}");
        assertThat(badConfig.closeStatus()).startsWith("1011 config sample_rate");

        healthy.binary(CHUNK);
        assertThat(healthy.reply()).isEqualTo(json("{\"partial\": \"w1 w2\"}"));
        healthy.text("{\"eof\" : 1}");
        assertThat(healthy.reply().get("text").asText()).isEqualTo("w1 w2");
        assertThat(healthy.closeStatus()).isEqualTo("1000 ");
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 0);
    }

    @Test
    void engineFailureClosesWith1011NamingTheEngine() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3).failAfterBytes(6400));
        RawClient c = RawClient.connect(server.uri());
        c.binary(CHUNK);
        c.reply();
        c.binary(CHUNK);
        assertThat(c.closeStatus()).startsWith("1011 engine test-recognizer failed: test-recognizer: scripted failure");
    }

    @Test
    void messageOverOneMebibyteIsRefusedWith1009() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 1000));
        RawClient c = RawClient.connect(server.uri());
        c.binary(new byte[(1 << 20) - 2]);
        assertThat(c.reply().has("partial")).isTrue();
        c.ws.sendBinary(ByteBuffer.wrap(new byte[(1 << 20) + 2]), true);
        assertThat(c.closeStatus()).startsWith("1009");
    }

    @Test
    void pingsClientsThatAnswerAndKeepsThemConnected() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3),
                settings().withPingInterval(Duration.ofMillis(50)));
        RawClient c = RawClient.connect(server.uri());
        // The JDK client answers pings by itself; unanswered, the second tick would close with 1011.
        await().atMost(5, TimeUnit.SECONDS).until(() -> c.pings.get() >= 4);
        assertThat(c.closed).isNotDone();
        c.binary(CHUNK);
        assertThat(c.reply().has("partial")).isTrue();
    }

    @Test
    void servesTheVoskWebSocketClient() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3).async();
        VoskProtocolServer server = start(engine);
        RecordingListener listener = new RecordingListener();
        try (VoskWebSocketRecognizer client = new VoskWebSocketRecognizer(server.uri())) {
            VoskWebSocketStream stream = client.open(
                    new StreamOptions(8000, true, 0, List.of("w2"), "call-9/agent"), listener);
            for (int i = 0; i < 7; i++) {
                stream.accept(CHUNK, 0, CHUNK.length);
            }
            stream.reset();
            stream.accept(CHUNK, 0, CHUNK.length);
            stream.finish(Duration.ofSeconds(10));
            assertThat(stream.repliesReceived()).isEqualTo(stream.messagesSent()).isEqualTo(10);
        }
        assertThat(listener.failures).isEmpty();
        assertThat(listener.finalTexts()).containsExactly("w1 w2 w3", "w4 w5 w6", "w7", "w8");
        RecognitionResult.Final last = listener.finals().getLast();
        assertThat(last.start()).isEqualTo(1.4);
        assertThat(last.end()).isEqualTo(1.6);
        assertThat(engine.openedStreams().getFirst().phraseList()).containsExactly("w2");
    }

    @Test
    void settingsComeFromVoskEnvironmentVariables() {
        VoskServerSettings s = VoskServerSettings.fromEnvironment(Map.of(
                "VOSK_SERVER_INTERFACE", "0.0.0.0", "VOSK_SERVER_PORT", "2800", "VOSK_SAMPLE_RATE", "16000",
                "VOSK_ALTERNATIVES", "2", "VOSK_SHOW_WORDS", "False"));
        assertThat(s.host()).isEqualTo("0.0.0.0");
        assertThat(s.port()).isEqualTo(2800);
        assertThat(s.sampleRate()).isEqualTo(16000);
        assertThat(s.maxAlternatives()).isEqualTo(2);
        assertThat(s.showWords()).isFalse();
        VoskServerSettings d = VoskServerSettings.fromEnvironment(Map.of());
        assertThat(d.host()).isEqualTo("127.0.0.1");
        assertThat(d.port()).isEqualTo(2700);
        assertThat(d.sampleRate()).isEqualTo(8000);
        assertThat(d.showWords()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VoskServerSettings.fromEnvironment(
                Map.of("VOSK_SERVER_PORT", "twenty"))).hasMessageContaining("VOSK_SERVER_PORT=twenty");
    }
}
