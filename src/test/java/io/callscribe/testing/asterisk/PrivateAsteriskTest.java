package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The harness itself on a real Asterisk: boot, ARI on its private port, a two-party bridged call, clean end. */
@RequiresAsterisk
class PrivateAsteriskTest {

    @TempDir
    static Path dir;
    static PrivateAsterisk asterisk;

    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (asterisk != null) {
            asterisk.close();
            assertThat(asterisk.isRunning()).isFalse();
        }
    }

    @Test
    void ariAnswersWithTheGeneratedUserOnly() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI info = URI.create(asterisk.ariBaseUri() + "/asterisk/info");
        HttpResponse<String> ok = asterisk.ari("GET", "/asterisk/info");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"system\"");
        HttpResponse<String> denied = http.send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(asterisk.cli("module show like res_timing_timerfd")).contains("res_timing_timerfd");
    }

    /** The http.conf and ari.conf blocks of docs/asterisk.md, with only the port and the password changed. */
    @Test
    void httpAndAriConfigOfTheDocWork(@TempDir Path other) throws Exception {
        int port = PrivateAsterisk.freePort();
        String password = "pw" + System.nanoTime();
        try (PrivateAsterisk docConfigured = PrivateAsterisk.builder(other)
                .file("http.conf", DocSnippets.asterisk("http-conf").replace("bindport = 8088", "bindport = " + port))
                .file("ari.conf", DocSnippets.asterisk("ari-conf").replace("CHANGE-ME", password))
                .httpPort(port).ariCredentials("callscribe", password)
                .start()) {
            HttpResponse<String> ok = docConfigured.ari("GET", "/asterisk/info");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
    }

    @Test
    void bridgedCallHasTwoPartiesAndEndsWithItsAudio() throws Exception {
        TestAudio.Clip speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        TestAudio.Clip caller = speech.slice(0, 2.0).at(8000);
        TestAudio.Clip callee = speech.slice(2.0, 3.0);
        long t0 = System.nanoTime();
        TestCalls.BridgedCall call = TestCalls.bridged(asterisk, "smoke1", caller, callee);
        assertThat(Files.exists(Path.of(call.callerFile() + ".wav"))).isTrue();
        assertThat(Files.exists(Path.of(call.calleeFile() + ".wav16"))).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(asterisk.cli("bridge show all")).contains("simple_bridge"));
        assertThat(asterisk.channels()).hasSize(4);
        asterisk.awaitNoChannels(Duration.ofSeconds(10));
        double took = (System.nanoTime() - t0) / 1e9;
        // Playback runs in real time (timerfd): the call lasts as long as its audio, not less.
        assertThat(took).as(asterisk.logTail(30)).isBetween(call.seconds() - 0.2, call.seconds() + 3);
    }
}
