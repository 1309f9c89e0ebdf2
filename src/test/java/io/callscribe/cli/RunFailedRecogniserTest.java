package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.CapturedStdout;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.callscribe.cli.RunHarness.BYTES_PER_WORD;
import static io.callscribe.cli.RunHarness.audio8k;
import static io.callscribe.cli.RunHarness.readJson;
import static io.callscribe.cli.RunHarness.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * {@code callscribe run} with two AudioSocket calls (FakeAsterisk) and a scripted Vosk server (TEST DOUBLE) that
 * refuses the first call's connection for good mid-call (close 1008): that call keeps reading its audio to the
 * hangup, counts all of it, and leaves what was not transcribed in {@code <out-dir>/<call>.unrecognised.wav};
 * {@code callscribe transcribe} of that WAV gives exactly the missing words; the other call is untouched.
 */
class RunFailedRecogniserTest {

    @RegisterExtension
    final CapturedStdout stdout = new CapturedStdout();

    /** The scripted server names a word after the first sample of its 3200-byte block: the words of some audio. */
    private static List<String> wordsOf(byte[] pcm, int fromBlock) {
        List<String> words = new ArrayList<>();
        for (int k = fromBlock; (k + 1) * BYTES_PER_WORD <= pcm.length; k++) {
            int first = ((pcm[k * BYTES_PER_WORD] & 0xff) | (pcm[k * BYTES_PER_WORD + 1] << 8)) & 0xffff;
            words.add("a" + first);
        }
        return words;
    }

    @Test
    void aCallWhoseRecogniserFailsForGoodKeepsItsUntranscribedAudioForLater(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        UUID doomed = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        byte[] doomedAudio = audio8k(6, 1);
        byte[] otherAudio = audio8k(4, 2);
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start().namesFromAudio()
                .closeConnectionAfterMessages(1, 11, 1008, "quota exceeded");
             RunCommand.Service service = RunHarness.start("--asr", vosk.uri().toString(), "--spool", "off",
                     "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--token", "t0ken", "--out-dir", out.toString());
             ExecutorService asterisk = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = service.audioSocketPort();
            Future<?> a = asterisk.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(port, doomed).realTime(true)) {
                    call.sendAudio(8000, doomedAudio).hangup();
                }
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> vosk.connectionsOpened() == 1);
            Future<?> b = asterisk.submit(() -> {
                try (FakeAsterisk call = FakeAsterisk.call(port, other).realTime(true)) {
                    call.sendAudio(8000, otherAudio).hangup();
                }
                return null;
            });
            a.get(30, TimeUnit.SECONDS);
            b.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(out.resolve(doomed + ".json"))
                    && Files.exists(out.resolve(other + ".json")));

            Path wav = out.resolve(doomed + ".unrecognised.wav");
            JsonNode failed = readJson(out.resolve(doomed + ".json"));
            assertThat(failed.get("audio_seconds").asDouble()).as("all the audio Asterisk sent").isEqualTo(6.0);
            assertThat(failed.get("end_reason").asText()).isEqualTo("recogniser failed");
            // Three finals (9 blocks) before the refusal at the 11th message (six if the refusal first showed as a
            // broken pipe and a reconnect replayed); the WAV holds exactly the rest.
            int from = words(failed, null).size();
            assertThat(from).isIn(9, 18);
            assertThat(words(failed, null)).isEqualTo(wordsOf(doomedAudio, 0).subList(0, from));
            assertThat(failed.get("errors")).singleElement().asString().contains("1008", "quota exceeded",
                    String.format("from %.2f s on is kept in %s", from * 0.2, wav), "callscribe transcribe " + wav);
            byte[] file = Files.readAllBytes(wav);
            assertThat(Arrays.copyOfRange(file, 44, file.length))
                    .isEqualTo(Arrays.copyOfRange(doomedAudio, from * BYTES_PER_WORD, doomedAudio.length));

            JsonNode fine = readJson(out.resolve(other + ".json"));
            assertThat(fine.path("errors").size()).as("errors of the other call").isZero();
            assertThat(fine.get("audio_seconds").asDouble()).isEqualTo(4.0);
            assertThat(words(fine, null)).isEqualTo(wordsOf(otherAudio, 0));

            // The in-progress logs go within a writer round (1 s) of the call's end.
            await("no temp or in-progress file is left").atMost(Duration.ofSeconds(5)).until(() -> {
                try (var files = Files.list(out)) {
                    return files.map(p -> p.getFileName().toString())
                            .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".partial") || n.endsWith(".progress.jsonl"));
                }
            });

            // Later, with a recogniser that works: the kept WAV gives the words the call is missing.
            Path later = dir.resolve("later");
            try (ScriptedVoskServer working = ScriptedVoskServer.start().namesFromAudio()) {
                int status = Main.commandLine().execute("transcribe", wav.toString(),
                        "--asr", working.uri().toString(), "--jsonl", "--out-dir", later.toString());
                assertThat(status).isZero();
            }
            JsonNode rest = readJson(later.resolve(doomed + ".unrecognised.json"));
            assertThat(words(rest, null)).isEqualTo(wordsOf(doomedAudio, from));
            assertThat(rest.get("audio_seconds").asDouble()).isCloseTo(6.0 - from * 0.2, within(1e-9));

            // Removing the call removes its kept audio too.
            HttpClient http = HttpClient.newHttpClient();
            URI call = URI.create("http://127.0.0.1:" + service.httpPort() + "/calls/" + doomed);
            await().atMost(Duration.ofSeconds(10)).until(() -> http.send(HttpRequest.newBuilder(call)
                    .header("Authorization", "Bearer t0ken").GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(call).header("Authorization", "Bearer t0ken")
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(deleted.statusCode()).as(deleted.body()).isBetween(200, 299);
            assertThat(wav).doesNotExist();
            assertThat(out.resolve(doomed + ".json")).doesNotExist();
        }
    }
}
