package io.callscribe.session;

import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.ReconnectPolicyBuilder;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.vad.VadTuning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A leg whose recogniser fails for good keeps the audio no final covered, and the rest of the call, in a WAV
 * ({@link FailedAudio}), through the real client path (CallSession -> ResilientStream [-> VadGate] ->
 * VoskWebSocketRecognizer -> scripted Vosk server, a TEST DOUBLE that names words after the audio they cover).
 * Transcribing that WAV later gives exactly the words the failed call is missing.
 */
class FailedRecognitionAudioTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int BLOCK = 3200; // one scripted word = one 200 ms chunk
    private static final int BLOCKS = 61;
    private static final ReconnectPolicy FAST = ReconnectPolicyBuilder.policy().attempts(2)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).maxTotal(Duration.ofSeconds(5)).build();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private ScriptedVoskServer server() throws Exception {
        ScriptedVoskServer s = ScriptedVoskServer.start().bytesPerWord(BLOCK).wordsPerFinal(3).namesFromAudio();
        toClose.add(s);
        return s;
    }

    private VoskWebSocketRecognizer client(ScriptedVoskServer server) {
        // One message in flight: the sender waits for each reply, so the server's refusal arrives as its close code
        // rather than as a failed send racing it (seen as 1006 and reconnected, which made runs differ).
        VoskWebSocketRecognizer r = new VoskWebSocketRecognizer(server.uri(), Duration.ofSeconds(2), 1, Duration.ofSeconds(5));
        toClose.add(r);
        return r;
    }

    private record Run(CallOutcome outcome, List<TranscriptEvent> events) {
        List<String> words() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> (TranscriptEvent.Final) e)
                    .flatMap(f -> f.words().stream()).map(io.callscribe.event.Word::word).toList();
        }

        double lastFinalEnd() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> (TranscriptEvent.Final) e)
                    .mapToDouble(TranscriptEvent.Final::end).max().orElse(0);
        }

        List<String> errors() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.CallError)
                    .map(e -> ((TranscriptEvent.CallError) e).message()).toList();
        }
    }

    private static Run run(CallSession session, List<TranscriptEvent> events) throws InterruptedException {
        return new Run(session.run(), events);
    }

    private Run call(String id, io.callscribe.source.AudioSource source, ScriptedVoskServer server,
                     SessionSettings settings) throws Exception {
        return call(id, source, client(server), settings);
    }

    private Run call(String id, io.callscribe.source.AudioSource source, io.callscribe.asr.Recognizer recognizer,
                     SessionSettings settings) throws Exception {
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        return run(SingleLegCall.of(id, source, recognizer, SessionSettingsBuilder.from(settings).reconnect(FAST)
                .finishTimeout(Duration.ofSeconds(10)).build(), events::add), events);
    }

    /** Transcribes a kept WAV the way {@code callscribe transcribe} does: a recording, tailed to its end. */
    private Run transcribeLater(Path wav, ScriptedVoskServer server) throws Exception {
        return call("later", RecordingTailer.open(wav, 0, 1, TailOptions.defaults()), server, SessionSettingsBuilder.defaults());
    }

    /** The audio of a finished WAV, checking that its header says it is finished and how long it is. */
    private static byte[] wavData(Path wav) throws Exception {
        byte[] file = Files.readAllBytes(wav);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(4)).as("RIFF size").isEqualTo(file.length - 8);
        assertThat(b.getInt(40)).as("data size").isEqualTo(file.length - 44);
        assertThat(b.getInt(24)).as("sample rate").isEqualTo(8000);
        return Arrays.copyOfRange(file, 44, file.length);
    }

    private static List<String> names(int fromBlock, int toBlock) {
        return IntStream.range(fromBlock, toBlock).mapToObj(k -> "a" + (k + 1)).toList();
    }

    @Test
    void aRecogniserThatRefusesMidCallLeavesTheUntranscribedAudioInAWavThatTranscribesToTheMissingWords(@TempDir Path dir)
            throws Exception {
        byte[] audio = PositionalAudio.blocks(BLOCKS, BLOCK);
        ScriptedVoskServer vosk = server().closeAfterMessages(11, 1008, "quota exceeded"); // 1008: no reconnect helps
        Run run = call("refused", new BurstySource(RATE_8K, audio, BLOCK, false), vosk,
                SessionSettingsBuilder.settings().failedAudio(FailedAudio.keepIn(dir, 3600)).build());

        Path wav = dir.resolve("refused.unrecognised.wav");
        // Finals (three, blocks 1-9; six when the refusal first showed as a broken pipe and a reconnect replayed) came
        // before the refusal: the audio from their end on is kept, all of it.
        int from = (int) Math.round(run.lastFinalEnd() / 0.2);
        assertThat(from).isIn(9, 18);
        assertThat(run.words()).isEqualTo(names(0, from));
        assertThat(run.errors()).singleElement().asString().contains("1008", "quota exceeded",
                String.format("from %.2f s on is kept in %s", from * 0.2, wav), "callscribe transcribe " + wav);
        assertThat(run.outcome().audioSeconds()).isCloseTo(BLOCKS * 0.2, within(1e-9));
        assertThat(run.outcome().endReason()).isEqualTo("recogniser failed");
        assertThat(wavData(wav)).isEqualTo(Arrays.copyOfRange(audio, from * BLOCK, audio.length));
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(wav);
        }

        Run later = transcribeLater(wav, server());
        assertThat(later.outcome().ok()).isTrue();
        assertThat(later.words()).isEqualTo(names(from, BLOCKS));
    }

    @Test
    void aGatedLegKeepsItsAudioInCallTimeWithTheDroppedSilenceAsZeros(@TempDir Path dir) throws Exception {
        // Speech in blocks 0-4, 20-26, 45-47, 70-72 (GatedCallTest's audio); the gate sends each with one block of
        // lead-in and two of hangover: messages 1-7 are blocks 0-6, then 19, 20, 21 (a final), 22, and the 12th is refused.
        byte[] audio = GatedCallTest.speechAndSilence();
        int blocks = audio.length / BLOCK;
        VadTuning tuning = new VadTuning(20, 200, 400, 8, 30, true);
        ScriptedVoskServer vosk = server().namesFromAudio(v -> "b" + (v - 1)).closeAfterMessages(12, 1008, "quota exceeded");
        Run run = call("gated", new BurstySource(RATE_8K, audio, BLOCK, false), vosk,
                SessionSettingsBuilder.settings().vadTuning(tuning).failedAudio(FailedAudio.keepIn(dir, 3600)).build());

        // Usually blocks 0-6 and 19-21 are final (a refusal that first shows as a broken pipe is reconnected, and
        // more are final then); the kept audio starts where the last final ended, in call time.
        int from = (int) Math.round(run.lastFinalEnd() / 0.2);
        List<String> sent = java.util.stream.Stream.of(IntStream.rangeClosed(0, 6), IntStream.rangeClosed(19, 28),
                IntStream.rangeClosed(44, 49), IntStream.rangeClosed(69, 74)).flatMap(IntStream::boxed)
                .map(k -> "b" + k).toList(); // what the gate sends: each speech run, one block before, two after
        assertThat(from).isGreaterThanOrEqualTo(22);
        assertThat(run.words()).isEqualTo(sent.subList(0, sent.indexOf("b" + (from - 1)) + 1));
        Path wav = dir.resolve("gated.unrecognised.wav");
        assertThat(run.errors()).singleElement().asString()
                .contains(String.format("from %.2f s on is kept in %s", from * 0.2, wav));
        assertThat(run.outcome().audioSeconds()).isCloseTo(blocks * 0.2, within(1e-9));

        byte[] kept = wavData(wav);
        assertThat(kept).hasSize(audio.length - from * BLOCK);
        List<Integer> zeroed = new ArrayList<>();
        for (int k = from; k < blocks; k++) {
            byte[] original = Arrays.copyOfRange(audio, k * BLOCK, (k + 1) * BLOCK);
            byte[] got = Arrays.copyOfRange(kept, (k - from) * BLOCK, (k - from + 1) * BLOCK);
            if (!Arrays.equals(got, original)) {
                // Only silence the gate dropped may differ: digital silence instead of its first (naming) sample.
                original[0] = 0;
                original[1] = 0;
                assertThat(got).as("block " + k).isEqualTo(original);
                zeroed.add(k);
            }
        }
        assertThat(zeroed).as("speech is kept as it was").doesNotContain(22, 23, 24, 25, 26, 45, 46, 47, 70, 71, 72);

        Run later = transcribeLater(wav, server().namesFromAudio(v -> "b" + (v - 1)));
        List<String> expected = IntStream.range(from, blocks).mapToObj(k -> zeroed.contains(k) ? "b-1" : "b" + k).toList();
        assertThat(later.words()).isEqualTo(expected);
    }

    @Test
    void aRecogniserGoneForGoodKeepsAtMostTheLimitAndTheCallStillCountsAllItsAudio(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(BLOCKS, BLOCK);
        ScriptedVoskServer vosk = server().closeAfterMessages(11, 1008, "quota exceeded");
        Run run = call("bounded", new BurstySource(RATE_8K, audio, BLOCK, false), vosk,
                SessionSettingsBuilder.settings().failedAudio(FailedAudio.keepIn(dir, 2)).build());
        Path wav = dir.resolve("bounded.unrecognised.wav");
        int from = (int) Math.round(run.lastFinalEnd() / 0.2);
        assertThat(wavData(wav)).isEqualTo(Arrays.copyOfRange(audio, from * BLOCK, from * BLOCK + 2 * 16000));
        assertThat(run.errors()).hasSize(2);
        assertThat(run.errors().get(1)).contains("--keep-failed-audio 2 s",
                String.format("at %.2f s of the call", from * 0.2 + 2), wav.toString());
        assertThat(run.outcome().audioSeconds()).isCloseTo(BLOCKS * 0.2, within(1e-9));
    }

    @Test
    void offKeepsNothingButStillReadsTheWholeCall(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(BLOCKS, BLOCK);
        ScriptedVoskServer vosk = server().closeAfterMessages(11, 1008, "quota exceeded");
        Run run = call("off", new BurstySource(RATE_8K, audio, BLOCK, false), vosk, SessionSettingsBuilder.defaults());
        assertThat(run.errors()).singleElement().asString().contains("not kept (--keep-failed-audio off)");
        assertThat(run.outcome().audioSeconds()).isCloseTo(BLOCKS * 0.2, within(1e-9));
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aRecordingNeedsNoCopyItsErrorSaysTheRecordingIsKept(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(BLOCKS, BLOCK);
        Path recording = dir.resolve("rec.wav");
        try (MixMonitorWriter w = MixMonitorWriter.wav(recording, RATE_8K, null)) {
            w.write(audio);
        }
        Path out = Files.createDirectory(dir.resolve("out"));
        ScriptedVoskServer vosk = server().closeAfterMessages(5, 1008, "quota exceeded");
        Run run = call("rec", RecordingTailer.open(recording, 0, 1, TailOptions.defaults()), vosk,
                SessionSettingsBuilder.settings().failedAudio(FailedAudio.keepIn(out, 3600)).build());
        assertThat(run.errors()).singleElement().asString()
                .contains("recording " + recording + " is kept", "callscribe transcribe " + recording);
        assertThat(run.outcome().audioSeconds()).isCloseTo(BLOCKS * 0.2, within(1e-9));
        try (var files = Files.list(out)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aRecogniserDownFromTheStartKeepsTheWholeCall(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(20, BLOCK);
        int port;
        try (var free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // nothing listens on it once closed
        }
        VoskWebSocketRecognizer down = new VoskWebSocketRecognizer(java.net.URI.create("ws://127.0.0.1:" + port),
                Duration.ofSeconds(2), 8, Duration.ofSeconds(5));
        toClose.add(down);
        Run run = call("down", new BurstySource(RATE_8K, audio, BLOCK, false), down,
                SessionSettingsBuilder.settings().failedAudio(FailedAudio.keepIn(dir, 3600)).build());
        assertThat(run.errors()).singleElement().asString().contains("gave up", "refused", "from 0.00 s on is kept");
        assertThat(wavData(dir.resolve("down.unrecognised.wav"))).isEqualTo(audio);
        assertThat(run.outcome().audioSeconds()).isCloseTo(4.0, within(1e-9));
    }
}
