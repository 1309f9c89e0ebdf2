package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.source.websocket.MediaWebSocketCall;
import io.callscribe.source.websocket.MediaWebSocketServer;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.FakeChanWebSocket;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code callscribe run --websocket} with {@link FakeChanWebSocket} as Asterisk (the real one: RunChanWebSocketAsteriskTest)
 * and the scripted engine: the call ends promptly at the hang-up with every word, an API hangup closes the WebSocket
 * with 1000, a second connection with a live call id is refused, a broken connection does not disturb another call.
 */
class RunChanWebSocketTest {

    @Test
    void callsEndAtHangupAndByTheApiAndFaultsStayWithTheirConnection(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                     "--audiosocket", "off", "--websocket", "127.0.0.1:0", "--http", "127.0.0.1:0",
                     "--out-dir", out.toString())) {
            URI ws = URI.create("ws://127.0.0.1:" + service.websocketPort());
            try (FakeChanWebSocket talking = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=api1&speaker=caller"), null);
                 FakeChanWebSocket dup = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=api1"), null);
                 FakeChanWebSocket broken = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=bad1"), null);
                 FakeChanWebSocket hangs = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=hup1"), null)) {
                talking.mediaStart("1.1", "slin", 320).audio(audio8k(1, 1), 320, true);
                hangs.mediaStart("1.2", "slin", 320);
                dup.mediaStart("1.3", "slin", 320);
                assertThat(dup.serverClose(5000)).as("a second connection for a live call id").isEqualTo(1000);
                broken.mediaStart("1.4", "slin", 320).binary(audio8k(0.4, 2)).binary(new byte[3]);
                assertThat(broken.serverClose(5000)).isEqualTo(1002);

                hangs.audio(audio8k(2, 3), 320, true).text("DTMF_END digit:5 channel_id:1.2").hangup();
                long hungUp = System.nanoTime();
                assertThat(service.calls().awaitEnd("hup1", Duration.ofSeconds(2))).isTrue();
                System.out.printf("chan_websocket scripted engine: call ended %.0f ms after the close%n", (System.nanoTime() - hungUp) / 1e6);

                assertThat(RunHarness.post(service, "/calls/api1/hangup").statusCode()).isEqualTo(202);
                assertThat(talking.serverClose(5000)).as("the API hangup closes the WebSocket").isEqualTo(1000);
                assertThat(service.calls().awaitEnd("api1", Duration.ofSeconds(2))).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(out.resolve("hup1.json"))
                    && Files.exists(out.resolve("api1.json")) && Files.exists(out.resolve("bad1.json")));
            JsonNode hup = readJson(out.resolve("hup1.json"));
            assertThat(hup.get("end_reason").asText()).isEqualTo("hangup");
            assertThat(hup.get("audio_seconds").asDouble()).isEqualTo(2.0);
            // the '5' pressed after the 2 s of audio: a dtmf event, kept in the transcript with its call time
            assertThat(hup.get("dtmf")).hasSize(1);
            assertThat(hup.at("/dtmf/0/digit").asText()).isEqualTo("5");
            assertThat(hup.at("/dtmf/0/start").asDouble()).isEqualTo(2.0);
            assertThat(words(hup, null)).isEqualTo(expectedWords(2 * 16000));
            JsonNode api = readJson(out.resolve("api1.json"));
            assertThat(api.get("end_reason").asText()).isEqualTo("stopped");
            assertThat(api.get("finals").get(0).get("speaker").asText()).isEqualTo("caller");
            JsonNode bad = readJson(out.resolve("bad1.json"));
            assertThat(bad.get("end_reason").asText()).isEqualTo("audio error");
            assertThat(bad.get("errors").toString()).contains("slin audio message of 3 bytes");
            assertThat(words(bad, null)).isEqualTo(expectedWords((long) (0.4 * 16000)));
            assertThat(service.websocket.activeCalls()).isZero();
        }
    }

    @Test
    void aCallWhoseRecogniserFallsBeyondItsBufferEndsWithAnErrorKeepingItsAudioAndCallsBeyondTheLimitAreRefused(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("out");
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             CapturedLog callLog = CapturedLog.of(MediaWebSocketCall.class);
             CapturedLog serverLog = CapturedLog.of(MediaWebSocketServer.class);
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                     "--audiosocket", "off", "--websocket", "127.0.0.1:0", "--http", "off", "--vad", "off",
                     "--websocket-max-calls", "2", "--websocket-buffer-seconds", "1", "--websocket-max-spill-seconds", "1",
                     "--out-dir", out.toString())) {
            URI ws = URI.create("ws://127.0.0.1:" + service.websocketPort());
            vosk.pauseReplies(); // the recogniser falls far behind: the flood's audio piles up in callscribe
            try (FakeChanWebSocket flood = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=flood1"), null);
                 FakeChanWebSocket calm = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=calm1"), null)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> service.websocket.activeCalls() == 2);
                try (FakeChanWebSocket third = FakeChanWebSocket.connect(URI.create(ws + "/?call_id=third1"), null)) {
                    assertThat(third.serverClose(5000)).as("a third call at once").isEqualTo(1013);
                }
                flood.mediaStart("7.1", "slin", 320);
                try {
                    flood.audio(audio8k(30, 1), 320, false); // 30 s at once
                } catch (Exception closedByCallscribe) {
                    // the connection was closed on the flood
                }
                assertThat(flood.serverClose(5000)).as("the flood's connection").isEqualTo(1011);
                vosk.resumeReplies();
                calm.mediaStart("7.2", "slin", 320).audio(audio8k(1, 2), 320, false).hangup();
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out.resolve("flood1.json"))
                    && Files.exists(out.resolve("calm1.json")));
            JsonNode flood = readJson(out.resolve("flood1.json"));
            assertThat(flood.get("errors").toString()).contains("chan_websocket call flood1")
                    .contains("audio buffer full: more than 2 s of audio waiting for the recogniser; the call was ended");
            double kept = flood.get("audio_seconds").asDouble();
            assertThat(kept).as("what arrived before the buffer was full: at least the buffer's 2 s").isGreaterThanOrEqualTo(2.0).isLessThan(30.0);
            assertThat(words(flood, null)).as("all of it transcribed").isEqualTo(RunHarness.expectedWordsFor(flood)).isNotEmpty();
            JsonNode calm = readJson(out.resolve("calm1.json"));
            assertThat(calm.has("errors")).as("the other call: %s", calm).isFalse();
            assertThat(calm.get("end_reason").asText()).isEqualTo("hangup");
            assertThat(words(calm, null)).isEqualTo(expectedWords(16000));
            assertThat(out.resolve("third1.json")).doesNotExist();
            assertThat(callLog.matching("audio buffer full")).singleElement().asString()
                    .contains("(--websocket-buffer-seconds + --websocket-max-spill-seconds)");
            assertThat(serverLog.matching("refused")).singleElement().asString().contains("the limit (--websocket-max-calls");
        }
    }
}
