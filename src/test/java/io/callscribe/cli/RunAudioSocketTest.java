package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.expectedWords;
import static io.callscribe.cli.RunHarness.expectedWordsFor;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code callscribe run} with AudioSocket calls, alone and together with the spool, and its HTTP call API. */
class RunAudioSocketTest {

    private static final Duration CALL_END = Duration.ofSeconds(15);

    @Test
    void concurrentCallsEndByHangupOrDropAndGarbageDoesNotDisturbThem(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        UUID hungUp = UUID.randomUUID();
        UUID dropped = UUID.randomUUID();
        UUID brokenMidCall = UUID.randomUUID();
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                     "--audiosocket", "127.0.0.1:0", "--http", "off", "--out-dir", out.toString());
             ExecutorService asterisk = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = service.audioSocketPort();
            Future<?> a = asterisk.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(port, hungUp).realTime(true)) {
                    call.sendAudio(8000, audio8k(2, 1)).sendDtmf('5').sendAudio(8000, audio8k(1, 2)).hangup();
                }
                return null;
            });
            Future<?> b = asterisk.submit(() -> {
                FakeAsterisk call = FakeAsterisk.call(port, dropped).realTime(true);
                call.sendAudio(8000, audio8k(2.4, 3));
                Thread.sleep(300); // the last frames reach the server before the reset
                call.abruptClose();
                return null;
            });
            Future<?> garbage = asterisk.submit(() -> {
                try (FakeAsterisk junk = FakeAsterisk.connect("127.0.0.1", port)) {
                    junk.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(junk.serverClosed(5000)).isTrue();
                }
                try (FakeAsterisk second = FakeAsterisk.call(port, brokenMidCall).realTime(true)) {
                    second.sendAudio(8000, audio8k(0.6, 4)).sendUuid(UUID.randomUUID());
                    assertThat(second.serverClosed(5000)).isTrue();
                }
                return null;
            });
            a.get();
            b.get();
            garbage.get();

            await().atMost(CALL_END).until(() -> Files.exists(out.resolve(hungUp + ".json"))
                    && Files.exists(out.resolve(dropped + ".json")) && Files.exists(out.resolve(brokenMidCall + ".json")));

            JsonNode first = readJson(out.resolve(hungUp + ".json"));
            assertThat(first.get("end_reason").asText()).isEqualTo("hangup");
            // The '5' pressed after 2 s of audio: a dtmf event, kept in the transcript with its call time.
            assertThat(first.get("dtmf")).hasSize(1);
            assertThat(first.at("/dtmf/0/digit").asText()).isEqualTo("5");
            assertThat(first.at("/dtmf/0/start").asDouble()).isEqualTo(2.0);
            assertThat(first.get("audio_seconds").asDouble()).isEqualTo(3.0);
            assertThat(words(first, null)).isEqualTo(expectedWords(3 * 16000));
            assertThat(out.resolve(hungUp + ".txt")).isNotEmptyFile();
            assertThat(out.resolve(hungUp + ".vtt")).isNotEmptyFile();

            JsonNode second = readJson(out.resolve(dropped + ".json"));
            assertThat(second.get("end_reason").asText()).isEqualTo("connection closed by asterisk");
            assertThat(second.get("audio_seconds").asDouble()).isEqualTo(2.4);
            assertThat(words(second, null)).isEqualTo(expectedWords((long) (2.4 * 16000)));

            JsonNode broken = readJson(out.resolve(brokenMidCall + ".json"));
            assertThat(broken.get("end_reason").asText()).isEqualTo("audio error");
            assertThat(broken.get("errors").toString()).contains("second UUID");
            assertThat(words(broken, null)).isEqualTo(expectedWordsFor(broken));
        }
    }

    @Test
    void bothSourcesAtOnceWithTheCallApiThenMoreCalls(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path out = dir.resolve("out");
        UUID live = UUID.randomUUID();
        AtomicBoolean keepTalking = new AtomicBoolean(true);
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", spool.toString(),
                     "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--out-dir", out.toString(),
                     "--idle-timeout", "3");
             ExecutorService sources = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = service.audioSocketPort();
            // An AudioSocket call that talks until it is hung up through the API.
            Future<?> asteriskSide = sources.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(port, live).realTime(true)) {
                    int frame = 0;
                    while (keepTalking.get() && frame < 3000) {
                        call.sendAudio(8000, audio8k(0.02, frame++));
                    }
                } catch (java.io.IOException serverClosedIt) {
                    // expected after the hangup
                }
                return null;
            });
            // A MixMonitor recording growing in real time, also hung up through the API.
            Future<?> mixMonitor = sources.submit(() -> {
                try (MixMonitorWriter w = MixMonitorWriter.wav(spool.resolve("rec1.wav"), PcmFormat.mono(8000), null)) {
                    w.writeRealTime(audio8k(30, 7), 1.0);
                }
                return null;
            });

            await().atMost(CALL_END).until(() -> {
                JsonNode calls = RunHarness.getJson(service, "/calls?live=true").get("calls");
                return calls.size() == 2 && calls.findValuesAsText("id").containsAll(List.of(live.toString(), "rec1"))
                        && calls.findValues("finals").stream().allMatch(f -> f.asInt() > 0);
            });
            HttpResponse<String> txt = RunHarness.get(service, "/calls/" + live + "?format=txt");
            assertThat(txt.statusCode()).isEqualTo(200);
            assertThat(txt.body()).startsWith("w1 w2 w3\n");
            assertThat(RunHarness.getJson(service, "/calls/" + live).get("live").asBoolean()).isTrue();

            assertThat(RunHarness.post(service, "/calls/" + live + "/hangup").statusCode()).isEqualTo(202);
            assertThat(RunHarness.post(service, "/calls/rec1/hangup").statusCode()).isEqualTo(202);
            assertThat(RunHarness.post(service, "/calls/nosuchcall/hangup").statusCode()).isEqualTo(404);

            await().atMost(CALL_END).until(() -> Files.exists(out.resolve(live + ".json")) && Files.exists(out.resolve("rec1.json")));
            keepTalking.set(false);
            asteriskSide.get();
            mixMonitor.cancel(true);

            JsonNode audioSocketCall = readJson(out.resolve(live + ".json"));
            assertThat(audioSocketCall.get("end_reason").asText()).isEqualTo("stopped");
            assertThat(words(audioSocketCall, null)).isEqualTo(expectedWordsFor(audioSocketCall));
            JsonNode spoolCall = readJson(out.resolve("rec1.json"));
            assertThat(words(spoolCall, null)).isEqualTo(expectedWordsFor(spoolCall)).isNotEmpty();
            assertThat(RunHarness.post(service, "/calls/rec1/hangup").statusCode()).isEqualTo(409);

            JsonNode all = RunHarness.getJson(service, "/calls").get("calls");
            assertThat(all.findValues("live")).allMatch(l -> !l.asBoolean());
            JsonNode served = RunHarness.getJson(service, "/calls/" + live);
            assertThat(served.get("live").asBoolean()).isFalse();
            assertThat(served.get("finals")).isEqualTo(audioSocketCall.get("finals"));

            // The service keeps going: more calls from both sources after those ended.
            UUID later = UUID.randomUUID();
            Future<?> laterCall = sources.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(port, later)) {
                    call.sendAudio(8000, audio8k(1.2, 9)).hangup();
                }
                return null;
            });
            try (MixMonitorWriter w = MixMonitorWriter.wav(spool.resolve("rec2.wav"), PcmFormat.mono(8000), null)) {
                w.writeRealTime(audio8k(4, 8), 10.0);
            }
            laterCall.get();
            await().atMost(CALL_END).until(() -> Files.exists(out.resolve(later + ".json")) && Files.exists(out.resolve("rec2.json")));
            assertThat(words(readJson(out.resolve(later + ".json")), null)).isEqualTo(expectedWords((long) (1.2 * 16000)));
            assertThat(words(readJson(out.resolve("rec2.json")), null)).isEqualTo(expectedWords(4 * 16000));
            assertThat(RunHarness.getJson(service, "/calls").get("calls").size()).isEqualTo(4);
        }
    }
}
