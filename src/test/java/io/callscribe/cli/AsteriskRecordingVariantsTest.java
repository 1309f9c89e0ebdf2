package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.DocSnippets;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestAudio.Clip;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The other snippets of docs/asterisk.md on a real Asterisk, with the labelled engine double ScriptedVoskServer
 * (words named after their audio's first sample, so silence reads {@code a0}): MixMonitor {@code .wav16} and the
 * 2-channel {@code .raw} of option {@code D}, and an AudioSocket call on which nothing is said for longer than
 * Asterisk's 2 s no-activity limit. Each call ends within 2 s of Asterisk hanging up, with all of its audio, and
 * leaves no channel.
 */
@RequiresAsterisk
class AsteriskRecordingVariantsTest {

    private static final Duration END_AFTER_HANGUP = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    static Path spool;
    static ScriptedVoskServer vosk;
    static WatchedService service;
    static PrivateAsterisk asterisk;
    static Clip caller8;
    static Clip callee8;
    static Clip caller16;
    static Clip callee16;

    @BeforeAll
    static void start() throws Exception {
        Clip whole16 = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav")).slice(0.9, 8.6);
        Clip whole8 = whole16.at(8000);
        caller16 = whole16.slice(0, 3.7);
        callee16 = whole16.slice(3.7, whole16.seconds()).delayedBy(3.7);
        caller8 = whole8.slice(0, 3.7);
        callee8 = whole8.slice(3.7, whole8.seconds()).delayedBy(3.7);
        Path ast = dir.resolve("ast");
        spool = Files.createDirectories(ast.resolve("spool/monitor"));
        vosk = ScriptedVoskServer.start().namesFromAudio();
        service = WatchedService.start(dir, "timed", "--asr", vosk.uri().toString(), "--spool", spool.toString(),
                "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0", "--raw-channels", "2", "--vad", "off");
        
        StringBuilder dialplan = new StringBuilder();
        for (String name : List.of("mixmonitor-wav16", "mixmonitor-raw-stereo", "audiosocket-app")) {
            String local = DocSnippets.asterisk(name).replace("127.0.0.1:9092", "127.0.0.1:" + service.audioSocketPort())
                    .replace("127.0.0.1:8080", "127.0.0.1:" + service.httpPort())
                    .replace("Dial(PJSIP/${EXTEN})", "Dial(Local/${EXTEN}@callscribe-callee/n)");
            dialplan.append("[doc-").append(name).append("]\n").append(local).append('\n');
        }
        asterisk = PrivateAsterisk.builder(ast).extensions(dialplan.toString()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (asterisk != null) {
                asterisk.close();
            }
        } finally {
            if (service != null) {
                service.close();
            }
            if (vosk != null) {
                vosk.close();
            }
        }
    }

    @AfterEach
    void noChannelLeft() throws InterruptedException {
        try {
            asterisk.awaitNoChannels(Duration.ofSeconds(3));
        } finally {
            asterisk.hangupAll();
        }
    }

    @Test
    void mixMonitorWav16IsReadAt16kHz() throws Exception {
        List<String> known = service.startedCalls();
        TestCalls.BridgedCall placed = TestCalls.bridged(asterisk, "3001", "doc-mixmonitor-wav16", caller16, callee16);
        String id = service.awaitNewCall(known, Duration.ofSeconds(10));
        Instant hungUp = WatchedService.awaitHangup(asterisk, "Local/3001@", Duration.ofSeconds(30));
        service.assertEndedWithin(id, hungUp, END_AFTER_HANGUP);
        assertThat(spool.resolve(id + ".wav16")).exists();
        JsonNode t = service.awaitTranscript(id, Duration.ofSeconds(5));
        assertThat(t.get("audio_seconds").asDouble()).isBetween(placed.seconds() - 0.1, placed.seconds() + 1.5);
        assertThat(vosk.configs()).anyMatch(c -> c.contains("16000"));
    }

    @Test
    void mixMonitorRawStereoGivesCallerAndAgent() throws Exception {
        List<String> known = service.startedCalls();
        TestCalls.BridgedCall placed = TestCalls.bridged(asterisk, "3002", "doc-mixmonitor-raw-stereo", caller8, callee8);
        String id = service.awaitNewCall(known, Duration.ofSeconds(10));
        Instant hungUp = WatchedService.awaitHangup(asterisk, "Local/3002@", Duration.ofSeconds(30));
        // A .raw file has no header: only MixMonitor's hang-up command can end it this soon.
        service.assertEndedWithin(id, hungUp, END_AFTER_HANGUP);
        assertThat(spool.resolve(id + ".raw")).exists();
        JsonNode t = service.awaitTranscript(id, Duration.ofSeconds(5));
        assertThat(t.get("audio_seconds").asDouble()).isBetween(placed.seconds() - 0.1, placed.seconds() + 1.5);
        // Channel 1 is what the channel received (the caller, speaking first), channel 2 what it sent.
        assertThat(wordsBetween(t, "caller", 1.5, 3.0)).isNotEmpty().anyMatch(w -> !w.equals("a0"));
        assertThat(wordsBetween(t, "agent", 1.5, 3.0)).isNotEmpty().allMatch(w -> w.equals("a0"));
        assertThat(wordsBetween(t, "agent", 5.0, 6.5)).isNotEmpty().anyMatch(w -> !w.equals("a0"));
        assertThat(wordsBetween(t, "caller", 5.0, 6.5)).isNotEmpty().allMatch(w -> w.equals("a0"));
    }

    /**
     * Nothing flows from the caller (the originated channel only waits): Asterisk's AudioSocket hangs a call up
     * after 2 s with no frame in either direction, unless callscribe sends something back.
     */
    @Test
    void audioSocketCallWithoutAudioIsNotCutAfterTwoSeconds() throws Exception {
        List<String> known = service.startedCalls();
        Instant placed = Instant.now();
        asterisk.originateApplication("Local/100@doc-audiosocket-app/n", "Wait", "4");
        String id = service.awaitNewCall(known, Duration.ofSeconds(10));
        Instant hungUp = WatchedService.awaitHangup(asterisk, "@doc-audiosocket-app-", Duration.ofSeconds(30));
        assertThat(Duration.between(placed, hungUp)).as("the call lasted as long as the caller waited\n%s",
                asterisk.logTail(20)).isGreaterThanOrEqualTo(Duration.ofMillis(3800));
        assertThat(asterisk.log()).doesNotContain("of no activity");
        service.assertEndedWithin(id, hungUp, END_AFTER_HANGUP);
    }

    /** The words of the speaker's finals that start within [from, to] seconds of the call. */
    private static List<String> wordsBetween(JsonNode transcript, String speaker, double from, double to) {
        List<String> words = new ArrayList<>();
        for (JsonNode f : transcript.get("finals")) {
            double start = f.get("start").asDouble();
            if (speaker.equals(f.path("speaker").asText(null)) && start >= from && start <= to) {
                words.addAll(List.of(f.get("text").asText().split(" ")));
            }
        }
        return words;
    }
}
