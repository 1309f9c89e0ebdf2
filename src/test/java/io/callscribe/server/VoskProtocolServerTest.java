package io.callscribe.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.asr.vosk.VoskWebSocketStream;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.RawWebSocketClient;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class VoskProtocolServerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] CHUNK = new byte[3200];

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
        return settings(Map.of());
    }

    /** A free port, two workers, short waits; {@code vosk} adds VOSK_* variables. */
    private static VoskServerSettings settings(Map<String, String> vosk) {
        return settings(vosk, Duration.ofSeconds(20));
    }

    private static VoskServerSettings settings(Map<String, String> vosk, Duration pingInterval) {
        Map<String, String> env = new java.util.HashMap<>(vosk);
        env.put("VOSK_SERVER_PORT", "0");
        return VoskServerSettings.fromEnvironment(env, new VoskServerSettings.Tuning(2, 1 << 20, pingInterval,
                Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(60)));
    }

    private VoskProtocolServer start(TestRecognizer engine, VoskServerSettings settings) throws Exception {
        VoskProtocolServer server = VoskProtocolServer.start(engine, settings);
        resources.add(server);
        return server;
    }

    /** The raw client's next reply, checked to be pretty-printed like vosk-server's. */
    private static JsonNode reply(RawWebSocketClient client) throws Exception {
        String r = client.nextReply(5, TimeUnit.SECONDS);
        assertThat(r).as("reply").isNotNull();
        assertThat(r).contains("\n"); // pretty-printed like vosk-server
        return MAPPER.readTree(r);
    }

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void connectionsBeyondTheLimitAreClosedWith1013AndTheOthersGoOn() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3);
        Map<String, String> env = new java.util.HashMap<>(Map.of("VOSK_SERVER_PORT", "0"));
        VoskServerSettings limited = VoskServerSettings.fromEnvironment(env, new VoskServerSettings.Tuning(2, 1 << 20,
                Duration.ofSeconds(20), Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(60), 2));
        try (io.callscribe.testing.CapturedLog log = io.callscribe.testing.CapturedLog.of(VoskProtocolServer.class)) {
            VoskProtocolServer server = start(engine, limited);
            RawWebSocketClient a = RawWebSocketClient.connect(server.uri());
            RawWebSocketClient b = RawWebSocketClient.connect(server.uri());
            RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
            assertThat(c.closeStatus()).isEqualTo("1013 try again later: server at its connection limit");
            assertThat(log.matching("refused with 1013")).hasSize(1).first().asString().contains("2 connections are served");
            for (RawWebSocketClient ok : List.of(a, b)) {
                ok.text("{\"config\" : {\"sample_rate\" : 8000.0}}");
                ok.binary(CHUNK);
                assertThat(reply(ok)).isEqualTo(json("{\"partial\": \"w1\"}"));
                ok.text("{\"eof\" : 1}");
                assertThat(reply(ok).get("text").asText()).isEqualTo("w1");
                assertThat(ok.closeStatus()).isEqualTo("1000 ");
            }
            assertThat(engine.openedStreams()).hasSize(2); // the refused one never got a stream
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 0);
            RawWebSocketClient d = RawWebSocketClient.connect(server.uri()); // below the limit again
            d.text("{\"eof\" : 1}");
            assertThat(reply(d).get("text").asText()).isEmpty();
            assertThat(d.closeStatus()).isEqualTo("1000 ");
        }
    }

    @Test
    void answersEachMessageInVoskShapesAndClosesWith1000AfterEof() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3);
        VoskProtocolServer server = start(engine);
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.text("{\"config\" : {\"sample_rate\" : 8000.0, \"words\" : true}}");
        c.binary(CHUNK);
        assertThat(reply(c)).isEqualTo(json("{\"partial\": \"w1\"}"));
        c.binary(CHUNK);
        assertThat(reply(c)).isEqualTo(json("{\"partial\": \"w1 w2\"}"));
        c.binary(CHUNK);
        JsonNode fin = reply(c);
        assertThat(fin.get("text").asText()).isEqualTo("w1 w2 w3");
        assertThat(fin.get("result")).hasSize(3);
        assertThat(fin.at("/result/0")).isEqualTo(json("{\"conf\": 0.9, \"end\": 0.2, \"start\": 0.0, \"word\": \"w1\"}"));
        c.binary(CHUNK);
        assertThat(reply(c)).isEqualTo(json("{\"partial\": \"w4\"}"));
        c.text("{\"eof\" : 1}");
        assertThat(reply(c).get("text").asText()).isEqualTo("w4");
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
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        for (int i = 0; i < 7; i++) {
            c.binary(CHUNK);
        }
        c.text("{\"eof\" : 1}");
        List<String> finalTexts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            JsonNode r = reply(c);
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
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.text("{\"reset\" : 1}");
        assertThat(reply(c)).isEqualTo(json("{\"text\": \"\"}"));
        c.binary(CHUNK);
        c.binary(CHUNK);
        reply(c);
        reply(c);
        c.text("{\"reset\" : 1}");
        assertThat(reply(c).get("text").asText()).isEqualTo("w1 w2");
        c.binary(CHUNK);
        assertThat(reply(c)).isEqualTo(json("{\"partial\": \"w3\"}"));
        assertThat(c.closed).isNotDone();
        c.text("{\"eof\" : 1}");
        assertThat(reply(c).get("text").asText()).isEqualTo("w3");
        assertThat(c.closeStatus()).isEqualTo("1000 ");
    }

    @Test
    void eofWithoutAudioAnswersEmptyAndConfigDefaultsComeFromSettings() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3),
                settings(Map.of("VOSK_SHOW_WORDS", "False", "VOSK_ALTERNATIVES", "0")));
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.text("{\"eof\" : 1}");
        assertThat(reply(c)).isEqualTo(json("{\"text\": \"\"}"));
        assertThat(c.closeStatus()).isEqualTo("1000 ");

        RawWebSocketClient d = RawWebSocketClient.connect(server.uri());
        for (int i = 0; i < 3; i++) {
            d.binary(CHUNK);
        }
        reply(d);
        reply(d);
        assertThat(reply(d)).isEqualTo(json("{\"text\": \"w1 w2 w3\"}")); // words off: no result array
        d.text("{\"eof\" : 1}");
        reply(d);
    }

    @Test
    void alternativesConfigGivesTheAlternativesShape() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 1));
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.text("{\"config\": {\"sample_rate\": 8000, \"max_alternatives\": 3}}");
        c.binary(CHUNK);
        JsonNode r = reply(c);
        assertThat(r.at("/alternatives/0/text").asText()).isEqualTo("w1");
        assertThat(r.at("/alternatives/0/result/0/word").asText()).isEqualTo("w1");
        assertThat(r.at("/alternatives/0/confidence").isNumber()).isTrue();
        c.text("{\"eof\" : 1}");
        reply(c);
    }

    @Test
    void badInputClosesWith1003Or1007NamingTheFaultAndOtherConnectionsCarryOn() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 3).requiredRate(16000);
        VoskProtocolServer server = start(engine, settings(Map.of("VOSK_SAMPLE_RATE", "16000")));
        RawWebSocketClient healthy = RawWebSocketClient.connect(server.uri());
        healthy.binary(CHUNK);
        assertThat(reply(healthy)).isEqualTo(json("{\"partial\": \"w1\"}"));

        RawWebSocketClient stray = RawWebSocketClient.connect(server.uri());
        stray.text("{\"eof\": 1}");
        assertThat(stray.closeStatus()).startsWith("1003 unknown text message");

        RawWebSocketClient notJson = RawWebSocketClient.connect(server.uri());
        notJson.text("eof");
        assertThat(notJson.closeStatus()).startsWith("1007 text message is not JSON");

        RawWebSocketClient odd = RawWebSocketClient.connect(server.uri());
        odd.binary(new byte[3201]);
        assertThat(odd.closeStatus()).isEqualTo("1007 binary message of 3201 bytes is not whole 16-bit samples");

        RawWebSocketClient zeroRate = RawWebSocketClient.connect(server.uri());
        zeroRate.text("{\"config\": {\"sample_rate\": 0}}");
        assertThat(zeroRate.closeStatus()).isEqualTo("1007 config sample_rate 0 Hz is out of range (1000 to 384000 Hz)");

        RawWebSocketClient badConfig = RawWebSocketClient.connect(server.uri());
        badConfig.text("{\"config\": {\"sample_rate\": \"fast\"}}");
        assertThat(badConfig.closeStatus()).startsWith("1007 config sample_rate");

        healthy.binary(CHUNK);
        assertThat(reply(healthy)).isEqualTo(json("{\"partial\": \"w1 w2\"}"));
        healthy.text("{\"eof\" : 1}");
        assertThat(reply(healthy).get("text").asText()).isEqualTo("w1 w2");
        assertThat(healthy.closeStatus()).isEqualTo("1000 ");
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 0);
    }

    @Test
    void engineFailureClosesWith1011NamingTheEngine() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3).failAfterBytes(6400));
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.binary(CHUNK);
        reply(c);
        c.binary(CHUNK);
        assertThat(c.closeStatus()).startsWith("1011 engine test-recognizer failed: test-recognizer: scripted failure");
    }

    @Test
    void messageOverOneMebibyteIsRefusedWith1009() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 1000));
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        c.binary(new byte[(1 << 20) - 2]);
        assertThat(reply(c).has("partial")).isTrue();
        c.binaryNoWait(new byte[(1 << 20) + 2]); // the server closes instead of taking it
        assertThat(c.closeStatus()).startsWith("1009");
    }

    @Test
    void pingsClientsThatAnswerAndKeepsThemConnected() throws Exception {
        VoskProtocolServer server = start(new TestRecognizer(3200, 3),
                settings(Map.of(), Duration.ofMillis(50)));
        RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
        // The JDK client answers pings by itself; unanswered, the second tick would close with 1011.
        await().atMost(5, TimeUnit.SECONDS).until(() -> c.pings.get() >= 4);
        assertThat(c.closed).isNotDone();
        c.binary(CHUNK);
        assertThat(reply(c).has("partial")).isTrue();
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

    @Test
    void clientsAtEveryTelephonyRateAreResampledToTheEnginesRate() throws Exception {
        TestRecognizer engine = new TestRecognizer(3200, 100).requiredRate(16000);
        VoskProtocolServer server = start(engine, settings());
        for (int rate : new int[] {8000, 16000, 44100, 48000}) {
            RawWebSocketClient c = RawWebSocketClient.connect(server.uri());
            if (rate != 8000) { // 8000 is the default of a client that sends no config, like vosk-server's
                c.text("{\"config\": {\"sample_rate\": " + rate + "}}");
            }
            c.binary(new byte[2 * rate / 5]); // 400 ms at the client's rate: 6400 bytes at 16 kHz, 2 words
            JsonNode partial = reply(c);
            // A resampler holds back its filter's few samples until eof: "w1" at first, then all of it.
            assertThat(partial.get("partial").asText()).as(rate + " Hz").startsWith("w1");
            c.text("{\"eof\" : 1}");
            assertThat(reply(c).get("text").asText()).as(rate + " Hz").isEqualTo("w1 w2");
            assertThat(c.closeStatus()).isEqualTo("1000 ");
        }
        assertThat(engine.openedStreams()).extracting(StreamOptions::sampleRate).containsOnly(16000);
    }
}
