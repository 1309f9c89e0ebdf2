package io.callscribe.session;

import io.callscribe.asr.Recognizer;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.service.CallManager;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.AudioSource;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.source.audiosocket.AudioSocketServer;
import io.callscribe.testing.AudioSocketConfigBuilder;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.ReconnectPolicyBuilder;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end bad input: each case runs a broken call next to a healthy one at the same time and checks
 * that the broken call ends with one clear error event naming the call and the problem, while the
 * healthy call is transcribed in full with no error.
 */
class BadInputTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final TailOptions QUICK_TAIL = TailOptions.defaults().withIdleTimeout(Duration.ofMillis(300));

    @TempDir
    Path dir;

    private final List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void tearDown() throws Exception {
        background.shutdownNow();
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    // ------------------------------------------------------------------ harness

    /** 2 s of audio for the healthy call: 10 words of 3200 bytes, finals of 2 words. */
    private static AudioSource goodSource() {
        return new BurstySource(RATE_8K, PositionalAudio.blocks(10, 3200), 3200, false);
    }

    /** Runs the bad and the good call at once through a CallManager; returns the bad call's error messages. */
    private List<String> alongsideGoodCall(String badId, AudioSource bad) throws Exception {
        return alongsideGoodCall(badId, bad, new TestRecognizer(3200, 2).async(), events::add);
    }

    private List<String> alongsideGoodCall(String badId, AudioSource bad, Recognizer recognizer, TranscriptSink sink)
            throws Exception {
        CallManager calls = new CallManager(recognizer, SessionSettingsBuilder.defaults(), sink);
        calls.start("good", List.of(new CallSession.Leg(null, goodSource()))).orElseThrow();
        calls.start(badId, List.of(new CallSession.Leg(null, bad))).orElseThrow();
        assertThat(calls.awaitEnd(badId, Duration.ofSeconds(20))).isTrue();
        assertThat(calls.awaitEnd("good", Duration.ofSeconds(20))).isTrue();
        assertGoodCallUnaffected();
        return errorsOf(badId);
    }

    private void assertGoodCallUnaffected() {
        assertThat(errorsOf("good")).isEmpty();
        assertThat(events.stream().filter(e -> e instanceof TranscriptEvent.Final && e.call().equals("good")))
                .hasSize(5);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(TranscriptEvent.CallEnded.class)
                .extracting(TranscriptEvent::call).isEqualTo("good"));
    }

    private List<String> errorsOf(String callId) {
        return events.stream().filter(e -> e instanceof TranscriptEvent.CallError && e.call().equals(callId))
                .map(e -> ((TranscriptEvent.CallError) e).message()).toList();
    }

    private static byte[] wavHeader(int formatCode, int channels, int rate, int bits, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + dataBytes).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) formatCode).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        b.put("data".getBytes()).putInt(dataBytes);
        return b.array();
    }

    private Path file(String name, byte[]... parts) throws IOException {
        Path p = dir.resolve(name);
        try (var out = Files.newOutputStream(p)) {
            for (byte[] part : parts) {
                out.write(part);
            }
        }
        return p;
    }

    private static AudioSource tail(Path p) throws IOException {
        return RecordingTailer.open(p, 0, 1, QUICK_TAIL);
    }

    // ------------------------------------------------------------------ recordings

    @Test
    void fileThatIsNotAudio() throws Exception {
        Path p = file("notes.wav", "meeting notes: call Bob back on Monday\n".repeat(20).getBytes());
        assertThat(alongsideGoodCall("text-file", tail(p))).singleElement().asString()
                .contains("notes.wav", "not a WAV file");
    }

    @Test
    void truncatedWavHeader() throws Exception {
        Path p = file("cut.wav", java.util.Arrays.copyOf(wavHeader(1, 1, 8000, 16, 0), 20));
        assertThat(alongsideGoodCall("cut-header", tail(p))).singleElement().asString()
                .contains("cut.wav", "no WAV header", "incomplete");
    }

    @Test
    void wavHeaderThatLiesAboutItsBlockAlign() throws Exception {
        byte[] header = wavHeader(1, 1, 8000, 16, 3200);
        header[32] = 4; // block align 4 for 16-bit mono
        Path p = file("liar.wav", header, new byte[3200]);
        assertThat(alongsideGoodCall("lying-header", tail(p))).singleElement().asString()
                .contains("liar.wav", "block align");
    }

    @Test
    void muLawWavIsReportedAsAnUnsupportedEncoding() throws Exception {
        Path p = file("ulaw.wav", wavHeader(7, 1, 8000, 8, 1600), new byte[1600]);
        assertThat(alongsideGoodCall("mu-law", tail(p))).singleElement().asString()
                .contains("ulaw.wav", "encoding").containsIgnoringCase("law");
    }

    @Test
    void gsmRecordingIsReportedAsUnsupported() {
        // A compressed recording is refused when it is opened, before any call exists: the opener reports it.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tail(file("call.gsm", new byte[330])))
                .hasMessageContaining("call.gsm").hasMessageContaining("gsm");
    }

    @Test
    void recordingTruncatedWhileFollowed() throws Exception {
        Path p = file("shrinks.sln", new byte[16000]);
        AudioSource source = tail(p);
        Future<List<String>> result = background.submit(() -> alongsideGoodCall("truncated", source));
        await().atMost(Duration.ofSeconds(5)).until(() -> ((RecordingTailer) source).filePosition() >= 16000);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(100);
        }
        assertThat(result.get(20, TimeUnit.SECONDS)).singleElement().asString()
                .contains("shrinks.sln", "shrank");
    }

    @Test
    void oddByteCountAtTheEndOfARecording() throws Exception {
        Path p = file("odd.sln", new byte[6401]);
        List<String> errors = alongsideGoodCall("odd-bytes", tail(p));
        // Half a sample at the end is dropped without harm: the call ends normally with its audio transcribed.
        assertThat(errors).isEmpty();
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(TranscriptEvent.CallEnded.class,
                ended -> {
                    assertThat(ended.call()).isEqualTo("odd-bytes");
                }));
    }

    // ------------------------------------------------------------------ AudioSocket

    private List<String> audioSocketCall(String idHex, FakeAssault assault) throws Exception {
        TestRecognizer recognizer = new TestRecognizer(3200, 2).async();
        CallManager calls = new CallManager(recognizer, SessionSettingsBuilder.defaults(), events::add);
        AudioSocketServer server = AudioSocketServer.start(AudioSocketConfigBuilder.spillingInto(dir).build(),
                call -> calls.start(call.id().toString(), List.of(new CallSession.Leg(null, call)))
                        .ifPresentOrElse(s -> { }, call::stop));
        toClose.add(server);
        calls.start("good", List.of(new CallSession.Leg(null, goodSource()))).orElseThrow();
        UUID id = UUID.fromString(idHex);
        try (FakeAsterisk asterisk = FakeAsterisk.call(server.port(), id)) {
            asterisk.sendAudio(8000, new byte[3200]);
            assault.apply(asterisk);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof TranscriptEvent.CallEnded && e.call().equals(id.toString())));
        }
        assertThat(calls.awaitEnd("good", Duration.ofSeconds(20))).isTrue();
        assertGoodCallUnaffected();
        return errorsOf(id.toString());
    }

    private interface FakeAssault {
        void apply(FakeAsterisk asterisk) throws IOException;
    }

    @Test
    void audioSocketUnknownMessageKind() throws Exception {
        assertThat(audioSocketCall("00000000-0000-0000-0000-0000000000a1",
                a -> a.sendRaw(new byte[]{0x42, 0, 2, 1, 2})))
                .singleElement().asString().contains("unknown message kind 0x42");
    }

    @Test
    void audioSocketLengthBeyondTheFrame() throws Exception {
        assertThat(audioSocketCall("00000000-0000-0000-0000-0000000000a2",
                a -> {
                    a.sendRaw(new byte[]{0x10, (byte) 0x10, 0, 1, 2, 3}); // declares 4096 bytes, sends 3
                    a.close();
                }))
                .singleElement().asString().contains("stream ended inside a message");
    }

    @Test
    void audioSocketEarlyCloseWithoutHangup() throws Exception {
        // A TCP close without a hangup message is how Asterisk ends when it dies: the call ends with its audio.
        List<String> errors = audioSocketCall("00000000-0000-0000-0000-0000000000a3", FakeAsterisk::abruptClose);
        assertThat(errors).isEmpty();
    }

    // ------------------------------------------------------------------ recogniser server

    /** The bad call on its own (faulty) server, the good call on a clean one, both at once. */
    private List<String> onFaultyServer(String badId, ScriptedVoskServer faulty, Duration replyTimeout) throws Exception {
        ScriptedVoskServer clean = ScriptedVoskServer.start().bytesPerWord(3200).wordsPerFinal(2);
        toClose.add(clean);
        toClose.add(faulty);
        VoskWebSocketRecognizer good = new VoskWebSocketRecognizer(clean.uri(), Duration.ofSeconds(2), 8, replyTimeout);
        VoskWebSocketRecognizer bad = new VoskWebSocketRecognizer(faulty.uri(), Duration.ofSeconds(2), 8, replyTimeout);
        toClose.add(good);
        toClose.add(bad);
        SessionSettings settings = SessionSettingsBuilder.settings().finishTimeout(Duration.ofSeconds(5))
                .reconnect(ReconnectPolicyBuilder.policy().attempts(2).backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()).build();
        Future<CallOutcome> goodCall = background.submit(() ->
                SingleLegCall.of("good", goodSource(), good, settings, events::add).run());
        Future<CallOutcome> badCall = background.submit(() -> SingleLegCall.of(badId,
                new BurstySource(RATE_8K, new byte[32000], 3200, false), bad, settings, events::add).run());
        assertThat(badCall.get(30, TimeUnit.SECONDS).ok()).isFalse();
        assertThat(goodCall.get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertGoodCallUnaffected();
        return errorsOf(badId);
    }

    @Test
    void serverThatRepliesWithSomethingOtherThanJson() throws Exception {
        ScriptedVoskServer faulty = ScriptedVoskServer.start();
        for (int i = 1; i <= 50; i++) {
            faulty.faultAt(i, ScriptedVoskServer.Fault.GARBAGE);
        }
        assertThat(onFaultyServer("garbage", faulty, Duration.ofSeconds(5))).singleElement().asString()
                .contains("gave up", "reply that is not JSON", "502 Bad Gateway", faulty.uri().toString());
    }

    @Test
    void serverThatRepliesWithUnexpectedJson() throws Exception {
        ScriptedVoskServer faulty = ScriptedVoskServer.start();
        for (int i = 1; i <= 50; i++) {
            faulty.faultAt(i, ScriptedVoskServer.Fault.UNEXPECTED_JSON);
        }
        assertThat(onFaultyServer("odd-json", faulty, Duration.ofSeconds(5))).singleElement().asString()
                .contains("unknown reply", "overloaded");
    }

    @Test
    void serverThatNeverAnswersHitsTheReplyDeadline() throws Exception {
        ScriptedVoskServer silent = ScriptedVoskServer.start().pauseReplies();
        assertThat(onFaultyServer("silent", silent, Duration.ofMillis(300))).singleElement().asString()
                .contains("gave up", "sent no reply", "within 300 ms", silent.uri().toString());
    }

    // ------------------------------------------------------------------ output

    @Test
    void outDirThatIsNotWritableKeepsTranscriptsUntilItIs() throws Exception {
        Path out = dir.resolve("out");
        Files.writeString(out, "a file where the transcript directory should be");
        TranscriptFileSink files = new TranscriptFileSink(out);
        SinkFanout sinks = new SinkFanout(List.<TranscriptSink>of(files, events::add));
        Path recording = file("short.sln", PositionalAudio.blocks(4, 3200));
        alongsideGoodCall("unwritable", tail(recording), new TestRecognizer(3200, 2).async(), sinks);
        assertThat(files.pending()).containsExactlyInAnyOrder("good", "unwritable");

        Files.delete(out);
        Files.createDirectory(out);
        files.close(); // retries what is pending one last time
        assertThat(files.pending()).isEmpty();
        assertThat(out.resolve("unwritable.json")).exists();
        assertThat(Files.readString(out.resolve("good.txt"))).contains("w1 w2");
        try (var listing = Files.list(out)) {
            assertThat(listing.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
        }
    }
}
