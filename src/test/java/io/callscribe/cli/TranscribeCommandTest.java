package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.EventJson;
import io.callscribe.testing.RawWebSocketClient;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.CapturedStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code callscribe transcribe} end to end: a MixMonitor-style growing recording against a Vosk-protocol server. */
class TranscribeCommandTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);

    @RegisterExtension
    final CapturedStdout stdout = new CapturedStdout();

    /** Distinct non-silent samples so that header bytes sent as audio would show up in the byte count and content. */
    private static byte[] callAudio(double seconds) {
        byte[] pcm = new byte[RATE_8K.bytesFor((int) (seconds * 1000))];
        for (int i = 0; i < pcm.length / 2; i++) {
            short s = (short) (8000 * Math.sin(i * 0.05) + (i % 7) * 100);
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
        return pcm;
    }

    private List<JsonNode> events() throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : stdout.text().split("\n")) {
            if (!line.isBlank()) {
                nodes.add(EventJson.MAPPER.readTree(line));
            }
        }
        return nodes;
    }

    @Test
    void growingRecordingIsTranscribedWhileWrittenAndEndsWhenMixMonitorClosesIt(@TempDir Path dir) throws Exception {
        Path recording = dir.resolve("1700000000.17.wav");
        Path out = dir.resolve("out");
        byte[] pcm = callAudio(12);
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try (MixMonitorWriter w = MixMonitorWriter.wav(recording, RATE_8K, null)) {
                    w.writeRealTime(pcm, 8.0);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int status = Main.commandLine().execute("transcribe", recording.toString(), "--asr", vosk.uri().toString(),
                    "--jsonl", "--out-dir", out.toString());
            writer.join();

            assertThat(status).isZero();
            assertThat(vosk.configs()).singleElement().asString().contains("\"sample_rate\":8000", "\"words\":true");
            assertThat(vosk.binarySizes().stream().mapToInt(Integer::intValue).sum()).isEqualTo(pcm.length);
            assertThat(vosk.binarySizes()).allMatch(n -> n % 2 == 0 && n <= 3200);
            assertThat(vosk.texts()).last().isEqualTo("{\"eof\" : 1}");

            List<JsonNode> events = events();
            assertThat(events.get(0).get("event").asText()).isEqualTo("call_start");
            assertThat(events.get(0).get("call").asText()).isEqualTo("1700000000.17");
            JsonNode end = events.get(events.size() - 1);
            assertThat(end.get("event").asText()).isEqualTo("call_end");
            assertThat(end.get("end").asDouble()).isEqualTo(12.0);
            assertThat(end.get("message").asText()).isEqualTo("recording closed");
            List<String> finals = events.stream().filter(e -> e.get("event").asText().equals("final"))
                    .map(e -> e.get("text").asText()).toList();
            // 12 s = 60 words of 3200 bytes, a final every 3 words
            assertThat(finals).hasSize(20).startsWith("w1 w2 w3").endsWith("w58 w59 w60");
            assertThat(events).anyMatch(e -> e.get("event").asText().equals("partial"));
            JsonNode firstFinal = events.stream().filter(e -> e.get("event").asText().equals("final")).findFirst().orElseThrow();
            assertThat(firstFinal.get("words")).hasSize(3);
            assertThat(firstFinal.get("start").asDouble()).isEqualTo(0.0);
            assertThat(firstFinal.get("end").asDouble()).isEqualTo(0.6);
            assertThat(firstFinal.get("at").asText()).endsWith("Z");

            assertThat(Files.readAllLines(out.resolve("1700000000.17.txt"))).isEqualTo(finals);
            assertThat(EventJson.MAPPER.readTree(out.resolve("1700000000.17.json").toFile()).get("finals")).hasSize(20);
        }
    }

    @Test
    void pipelineLosesNoWordsComparedWithATrivialClientSendingTheSameAudio(@TempDir Path dir) throws Exception {
        Path recording = dir.resolve("call.wav");
        byte[] pcm = callAudio(7.3);
        try (MixMonitorWriter w = MixMonitorWriter.wav(recording, RATE_8K, null)) {
            w.write(pcm);
        }
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            vosk.bytesPerWord(1000).wordsPerFinal(4);
            List<String> baseline = trivialClient(vosk, pcm);
            int status = Main.commandLine().execute("transcribe", recording.toString(), "--asr", vosk.uri().toString(),
                    "--jsonl", "--out-dir", dir.resolve("out").toString());
            assertThat(status).isZero();
            List<String> finals = events().stream().filter(e -> e.get("event").asText().equals("final"))
                    .map(e -> e.get("text").asText()).toList();
            assertThat(baseline).isNotEmpty();
            assertThat(finals).isEqualTo(baseline);
        }
    }

    /** The simplest correct client: 200 ms chunks, one reply awaited per message, every text kept. */
    private static List<String> trivialClient(ScriptedVoskServer vosk, byte[] pcm) throws Exception {
        List<String> texts = new CopyOnWriteArrayList<>();
        RawWebSocketClient ws = RawWebSocketClient.connect(vosk.uri());
        ws.text("{\"config\": {\"sample_rate\": 8000, \"words\": true}}");
        for (int off = 0; off < pcm.length; off += 3200) {
            ws.binary(pcm, off, Math.min(3200, pcm.length - off));
            keepText(ws.nextReply(5, TimeUnit.SECONDS), texts);
        }
        ws.text("{\"eof\" : 1}");
        keepText(ws.nextReply(5, TimeUnit.SECONDS), texts);
        return texts;
    }

    private static void keepText(String reply, List<String> texts) throws Exception {
        JsonNode n = EventJson.MAPPER.readTree(reply);
        if (n.has("text") && !n.get("text").asText().isEmpty()) {
            texts.add(n.get("text").asText());
        }
    }

    @Test
    void refusedServerIsAClearErrorAndANonZeroExit(@TempDir Path dir) throws Exception {
        Path recording = dir.resolve("c.wav");
        try (MixMonitorWriter w = MixMonitorWriter.wav(recording, RATE_8K, null)) {
            w.write(callAudio(1));
        }
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int status = Main.commandLine().execute("transcribe", recording.toString(), "--asr", "ws://127.0.0.1:" + port,
                "--reconnect-attempts", "1", "--jsonl", "--out-dir", dir.resolve("out").toString());
        assertThat(status).isEqualTo(1);
        assertThat(events()).anySatisfy(e -> {
            assertThat(e.get("event").asText()).isEqualTo("error");
            assertThat(e.get("message").asText()).contains("ws://127.0.0.1:" + port).contains("refused");
        });
    }
}
