package io.callscribe.web;

import io.callscribe.cli.RunningService;
import io.callscribe.testing.HeadlessChromium;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9's second "done when", as a user sees it: with a two-party bridged call already in progress on a real
 * Asterisk, {@code callscribe run --ari ...} is started, and the live page (headless Chromium) shows the call with both
 * speakers and the caller id, their words growing; when one side hangs up the call ends on the page. The recogniser is
 * the labelled {@link ScriptedVoskServer} double (it names words after the audio, so both sides' words come quickly
 * whatever the machine's load). Saves target/screenshots/ari-live.png.
 */
@RequiresAsterisk
class AriDashboardBrowserTest {

    @TempDir
    static Path dir;
    static PrivateAsterisk asterisk;

    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions("""
                [ari-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(all)="Alice Caller" <1001>)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()

                """ + TestCalls.ariPlayContext(dir.resolve("asterisk"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (asterisk != null) {
            asterisk.close();
        }
    }

    @Test
    void aCallInProgressShowsBothSpeakersLiveWithCallerIdAndEndsWhenOneSideHangsUp() throws Exception {
        HeadlessChromium.requireInstalled();
        TestAudio.Clip speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        // A long call: it is hung up by the test, not by the end of its audio.
        TestAudio.Clip side = new TestAudio.Clip(concat(speech.pcm(), speech.pcm(), speech.pcm(), speech.pcm(), speech.pcm()), 16000);
        TestCalls.bridgedByAri(asterisk, "2000", "ari-tests", side, side, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> asterisk.cli("bridge show all").contains("simple_bridge"));

        try (ScriptedVoskServer vosk = ScriptedVoskServer.start().bytesPerWord(6400).wordsPerFinal(3);
             RunningService service = RunningService.start("--ari", asterisk.httpBaseUri().toString(),
                     "--ari-user", asterisk.ariUser(), "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(),
                     "--http", "127.0.0.1:0", "--audiosocket", "127.0.0.1:0", "--spool", "off", "--store", "off",
                     "--out-dir", dir.resolve("out").toString());
             HeadlessChromium browser = HeadlessChromium.start(Files.createDirectories(dir.resolve("profile")), 1280, 900)) {
            browser.driver().get(service.url());
            browser.waitFor(() -> browser.count("#live .card") == 1);
            String card = "#live .card";
            // (the card's meta line is re-rendered as the call goes: read it inside waitFor, which retries stale reads)
            browser.waitFor(() -> browser.text(card + " .origin").contains("caller 1001 Alice Caller dialed 2000")
                    && browser.text(card + " .origin").contains("callee 2000"));
            // Both speakers' words grow live: the caller named by its caller id, the callee by the number dialled.
            browser.waitFor(() -> browser.text(card + " .transcript").contains("Alice Caller:")
                    && browser.text(card + " .transcript").contains("2000:"));
            int finals = browser.count(card + " .final");
            browser.waitFor(() -> browser.count(card + " .final") > finals);
            browser.screenshot("ari-live.png");

            String callee = asterisk.channels().stream().filter(c -> c.startsWith("Local/2000@callscribe-callee")).findFirst()
                    .orElseThrow(() -> new AssertionError("no callee channel in " + asterisk.channels()));
            long hangup = System.nanoTime();
            asterisk.cli("channel request hangup " + callee);
            browser.waitFor(() -> browser.count("#live .card") == 0);
            double ended = (System.nanoTime() - hangup) / 1e9;
            assertThat(ended).as("s from the callee's hang-up to the call leaving the live list").isLessThan(3.0);
            browser.waitFor(() -> browser.count("#finished tbody tr") >= 1);
            asterisk.awaitNoChannels(Duration.ofSeconds(3));
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
