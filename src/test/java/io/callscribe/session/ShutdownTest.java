package io.callscribe.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.service.CallManager;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.AudioSource;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.SessionSettingsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Service shutdown with live calls, through the real Vosk client and a scripted server: every call ends
 * with its final result and a complete transcript file, within the grace period, even when the server
 * stalls; no temp file is left behind.
 */
class ShutdownTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);

    @TempDir
    Path dir;

    private final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();

    /** TEST DOUBLE: a live call that has sent {@code audio} and then waits for more until stopped. */
    private static final class LiveSource implements AudioSource {
        private final byte[] audio;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private int position;

        LiveSource(byte[] audio) {
            this.audio = audio;
        }

        public String description() {
            return "live test call";
        }

        public PcmFormat format() {
            return RATE_8K;
        }

        public int read(byte[] buffer, int offset, int length) throws InterruptedException {
            if (position < audio.length) {
                int n = Math.min(length, audio.length - position);
                System.arraycopy(audio, position, buffer, offset, n);
                position += n;
                return n;
            }
            stopped.await();
            return -1;
        }

        public boolean realTime() {
            return true;
        }

        public void stop() {
            stopped.countDown();
        }

        public String endReason() {
            return "stopped";
        }

        public void close() {
        }
    }

    private CallManager manager(ScriptedVoskServer vosk, TranscriptFileSink files) {
        VoskWebSocketRecognizer recognizer = new VoskWebSocketRecognizer(vosk.uri(), Duration.ofSeconds(2), 8,
                Duration.ofSeconds(30));
        return new CallManager(recognizer, SessionSettingsBuilder.settings().finishTimeout(Duration.ofSeconds(10)).build(),
                new SinkFanout(List.<TranscriptSink>of(files, events::add)));
    }

    private void assertNoTempFiles() throws Exception {
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).allMatch(n -> n.matches("call-\\d\\.(json|txt|vtt)"));
        }
    }

    @Test
    void shutdownEndsEveryLiveCallWithItsFinalAndWritesItsTranscript() throws Exception {
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start().bytesPerWord(3200).wordsPerFinal(100)) {
            TranscriptFileSink files = new TranscriptFileSink(dir);
            CallManager calls = manager(vosk, files);
            for (int i = 1; i <= 3; i++) {
                calls.start("call-" + i, List.of(new CallSession.Leg(null, new LiveSource(PositionalAudio.blocks(5, 3200)))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> vosk.binarySizes().size() >= 15);

            assertThat(calls.shutdown(Duration.ofSeconds(10))).isZero();
            files.close();

            for (int i = 1; i <= 3; i++) {
                String id = "call-" + i;
                // wordsPerFinal 100: the only final is the one eof produces, so it proves end of stream was sent.
                assertThat(PositionalAudio.finals(events, id)).containsExactly("w1 w2 w3 w4 w5 [0.000-1.000]");
                assertThat(Files.readString(dir.resolve(id + ".txt"))).contains("w1 w2 w3 w4 w5");
                // The calls went on when the service stopped: their transcripts say they cover only part of them.
                JsonNode json = EventJson.MAPPER.readTree(dir.resolve(id + ".json").toFile());
                assertThat(json.get("complete").asBoolean()).as(id).isFalse();
                assertThat(json.get("end_reason").asText()).as(id).isEqualTo(TranscriptEvent.CallEnded.SHUT_DOWN);
            }
            assertNoTempFiles();
            assertThat(calls.liveCalls()).isEmpty();
        }
    }

    @Test
    void aStalledServerAtShutdownIsCutOffWithinTheGraceAndTheTranscriptIsStillWritten() throws Exception {
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start().bytesPerWord(3200).wordsPerFinal(2)) {
            TranscriptFileSink files = new TranscriptFileSink(dir);
            CallManager calls = manager(vosk, files);
            calls.start("call-1", List.of(new CallSession.Leg(null, new LiveSource(PositionalAudio.blocks(4, 3200)))));
            await().atMost(Duration.ofSeconds(10)).until(() -> PositionalAudio.finals(events, "call-1").size() == 2);
            vosk.pauseReplies(); // the eof will never be answered

            int cut = calls.shutdown(Duration.ofMillis(500));
            assertThat(cut).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof TranscriptEvent.CallEnded && e.call().equals("call-1")));
            files.close();
            assertThat(Files.readString(dir.resolve("call-1.txt"))).contains("w1 w2", "w3 w4");
            assertNoTempFiles();
            vosk.resumeReplies();
        }
    }
}
