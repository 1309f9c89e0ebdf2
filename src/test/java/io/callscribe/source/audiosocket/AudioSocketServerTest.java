package io.callscribe.source.audiosocket;

import io.callscribe.testing.AudioSocketConfigBuilder;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.FakeAsterisk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AudioSocketServerTest {

    /** What a consumer saw of one call. */
    record Received(AudioSocketCall call, int rate, byte[] pcm, String endReason, Exception error) {
    }

    @TempDir
    Path spillDir;

    private AudioSocketServer server;
    private final Map<UUID, CompletableFuture<Received>> received = new ConcurrentHashMap<>();
    private final Map<UUID, AudioSocketCall> live = new ConcurrentHashMap<>();
    private CapturedLog serverLog;
    private CapturedLog callLog;

    @BeforeEach
    void captureLogs() {
        serverLog = CapturedLog.of(AudioSocketServer.class);
        callLog = CapturedLog.of(AudioSocketCall.class);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop();
        }
        serverLog.close();
        callLog.close();
    }

    private void start(AudioSocketServer.Config config, Consumer<AudioSocketCall> before) throws IOException {
        server = AudioSocketServer.start(config, call -> {
            live.put(call.id(), call);
            CompletableFuture<Received> f = received.computeIfAbsent(call.id(), k -> new CompletableFuture<>());
            before.accept(call);
            int rate = 0;
            ByteArrayOutputStream pcm = new ByteArrayOutputStream();
            try {
                rate = call.format().sampleRate();
                byte[] buf = new byte[1000];
                int n;
                while ((n = call.read(buf, 0, buf.length)) >= 0) {
                    assertThat(n % 2).isZero();
                    pcm.write(buf, 0, n);
                }
                f.complete(new Received(call, rate, pcm.toByteArray(), call.endReason(), null));
            } catch (Exception e) {
                f.complete(new Received(call, rate, pcm.toByteArray(), call.endReason(), e));
            }
        });
    }

    private void start() throws IOException {
        start(AudioSocketConfigBuilder.spillingInto(spillDir).build(), call -> {
        });
    }

    private Received result(UUID id) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> received.containsKey(id));
        return received.get(id).get(10, TimeUnit.SECONDS);
    }

    private List<String> logLines() {
        return java.util.stream.Stream.concat(serverLog.lines().stream(), callLog.lines().stream()).toList();
    }

    @Test
    void twoConcurrentCallsGetExactlyTheirOwnAudioInOrder() throws Exception {
        start();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        byte[] audioA = FakeAsterisk.pattern(1, 8000 * 3);   // 3 s at 8 kHz
        byte[] audioB = FakeAsterisk.pattern(2, 16000 * 2);  // 2 s at 16 kHz
        Thread ta = Thread.ofVirtual().start(() -> sendAndHangup(a, 8000, audioA));
        Thread tb = Thread.ofVirtual().start(() -> sendAndHangup(b, 16000, audioB));
        ta.join();
        tb.join();

        Received ra = result(a);
        Received rb = result(b);
        assertThat(ra.error()).isNull();
        assertThat(ra.rate()).isEqualTo(8000);
        assertThat(ra.pcm()).isEqualTo(audioA);
        assertThat(ra.endReason()).isEqualTo("hangup");
        assertThat(rb.rate()).isEqualTo(16000);
        assertThat(rb.pcm()).isEqualTo(audioB);
        assertThat(rb.endReason()).isEqualTo("hangup");
        assertThat(ra.call().description()).contains(a.toString());
    }

    private void sendAndHangup(UUID id, int rate, byte[] audio) {
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(rate, audio).hangup();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void aRealTimeCallIsReadFromTheSocketAChunkAtATimeNotFrameByFrame() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(4, 8000 * 2); // 2 s: 100 frames of 20 ms, sent at the pace of a call
        AudioSocketCall call;
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id).realTime(true)) {
            ast.sendAudio(8000, audio);
            await().atMost(Duration.ofSeconds(10)).until(() -> live.containsKey(id));
            call = live.get(id);
            ast.hangup();
        }
        Received r = result(id);
        assertThat(r.pcm()).isEqualTo(audio);
        assertThat(r.endReason()).isEqualTo("hangup");
        // Woken for every frame, the reader would read the socket about 100 times; sleeping while each 200 ms chunk
        // fills (at most 60 ms at a time), about 4 times per chunk.
        assertThat(call.socketReads()).isBetween(2L, 60L);
    }

    @Test
    void dtmfDigitsAreReportedInOrderWithTheirPosition() throws Exception {
        List<String> digits = new CopyOnWriteArrayList<>();
        start(AudioSocketConfigBuilder.spillingInto(spillDir).build(),
                call -> call.setDtmfListener((d, at) -> digits.add(d + "@" + at)));
        UUID id = UUID.randomUUID();
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendDtmf('1').sendAudio(8000, FakeAsterisk.pattern(3, 8000)).sendDtmf('#').sendDtmf('A').hangup();
        }
        Received r = result(id);
        assertThat(r.endReason()).isEqualTo("hangup");
        assertThat(digits).containsExactly("1@0.0", "#@1.0", "A@1.0");
    }

    @Test
    void abruptCloseEndsTheCallWithItsReasonAndKeepsTheAudio() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(4, 4000);
        FakeAsterisk ast = FakeAsterisk.call(server.port(), id);
        ast.sendAudio(8000, audio);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 1);
        // Let the server take the audio before the reset, which discards unread data in the kernel.
        await().atMost(Duration.ofSeconds(5)).until(() -> live.containsKey(id)
                && live.get(id).receivedSeconds() >= 0.5);
        ast.abruptClose();
        Received r = result(id);
        assertThat(r.endReason()).isEqualTo("connection closed by asterisk");
        assertThat(r.error()).isNull();
        assertThat(r.pcm()).isEqualTo(audio);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 0);
    }


    @Test
    void cleanCloseWithoutHangupIsAlsoAnEnd() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(8000, FakeAsterisk.pattern(5, 800));
        }
        Received r = result(id);
        assertThat(r.endReason()).isEqualTo("connection closed by asterisk");
        assertThat(r.pcm()).hasSize(1600);
    }

    @Test
    void garbageConnectionIsClosedWithALoggedReasonWhileAnotherCallCarriesOn() throws Exception {
        start();
        UUID good = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(6, 8000);
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), good);
             FakeAsterisk garbage = FakeAsterisk.connect("127.0.0.1", server.port())) {
            ast.sendAudio(8000, java.util.Arrays.copyOf(audio, 8000));
            garbage.sendRaw("GET / HTTP/1.1\r\n\r\n".getBytes());
            assertThat(garbage.serverClosed(5000)).isTrue();
            ast.sendAudio(8000, java.util.Arrays.copyOfRange(audio, 8000, audio.length)).hangup();
        }
        Received r = result(good);
        assertThat(r.pcm()).isEqualTo(audio);
        assertThat(r.endReason()).isEqualTo("hangup");
        assertThat(logLines()).anySatisfy(l -> assertThat(l)
                .matches("AudioSocket connection from .* closed: unknown message kind 0x47 \\(length \\d+\\)"));
        assertThat(received).containsOnlyKeys(good);
    }

    @Test
    void malformedMessageMidCallEndsOnlyThatCall() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(7, 1600);
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(8000, audio).sendRaw(new byte[] {0x10, 0, 3, 1, 2, 3});
            assertThat(ast.serverClosed(5000)).isTrue();
        }
        Received r = result(id);
        assertThat(r.pcm()).as("audio before the bad frame is still delivered").isEqualTo(audio);
        assertThat(r.error()).isInstanceOf(AudioSocketProtocolException.class)
                .hasMessageContaining(id.toString()).hasMessageContaining("odd length of 3 bytes");
        assertThat(r.endReason()).startsWith("protocol error: ");
    }

    @Test
    void rateChangeMidCallIsAnError() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(8000, FakeAsterisk.pattern(8, 160)).sendAudio(16000, FakeAsterisk.pattern(8, 320));
            assertThat(ast.serverClosed(5000)).isTrue();
        }
        Received r = result(id);
        assertThat(r.rate()).isEqualTo(8000);
        assertThat(r.pcm()).hasSize(320);
        assertThat(r.error()).hasMessageContaining("sample rate changed mid-call from 8000 Hz to 16000 Hz");
    }

    @Test
    void connectionWithoutUuidIsClosedAndNoCallIsCreated() throws Exception {
        start();
        try (FakeAsterisk ast = FakeAsterisk.connect("127.0.0.1", server.port())) {
            ast.sendAudio(8000, new byte[320]);
            assertThat(ast.serverClosed(5000)).isTrue();
        }
        assertThat(received).isEmpty();
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("first message is kind 0x10, expected the UUID"));
    }

    @Test
    void silentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        start(AudioSocketConfigBuilder.spillingInto(spillDir).handshakeTimeout(Duration.ofMillis(200)).build(),
                call -> {
                });
        try (FakeAsterisk ast = FakeAsterisk.connect("127.0.0.1", server.port())) {
            assertThat(ast.serverClosed(5000)).isTrue();
        }
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("no UUID within 200 ms"));
    }

    @Test
    void stopEndsLiveCallsAndClosesTheListener() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        FakeAsterisk ast = FakeAsterisk.call(server.port(), id);
        ast.sendAudio(8000, FakeAsterisk.pattern(9, 800));
        await().atMost(Duration.ofSeconds(5)).until(() -> received.containsKey(id));
        int port = server.port();
        server.stop();
        Received r = result(id);
        assertThat(r.endReason()).isEqualTo("stopped");
        assertThat(ast.serverClosed(5000)).isTrue();
        ast.close();
        assertThatThrownBy(() -> FakeAsterisk.connect("127.0.0.1", port)).isInstanceOf(IOException.class);
    }

    @Test
    void hangupBeforeAnyAudioGivesAnEmptyCall() throws Exception {
        start();
        UUID id = UUID.randomUUID();
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.hangup();
        }
        Received r = result(id);
        assertThat(r.error()).isNull();
        assertThat(r.rate()).isEqualTo(8000);
        assertThat(r.pcm()).isEmpty();
        assertThat(r.endReason()).isEqualTo("hangup");
    }

    @Test
    void slowConsumerSpillsToDiskWithoutLosingAudio() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        start(AudioSocketConfigBuilder.spillingInto(spillDir).bufferSeconds(1).build(), call -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        UUID id = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(10, 8000 * 5); // 5 s into a 1 s memory buffer
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(8000, audio).hangup();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream().anyMatch(l -> l.contains("hangup")));
        AudioSocketCall call = live.get(id);
        assertThat(call.spilledToDisk()).isTrue();
        assertThat(call.backlogSeconds()).isEqualTo(5.0);
        go.countDown();
        Received r = result(id);
        assertThat(r.pcm()).isEqualTo(audio);
        assertThat(r.call().spilledToDisk()).isTrue();
        assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("consumer is 1 s behind; buffering further audio in"));
        r.call().close();
        try (var files = Files.list(spillDir)) {
            // The spill file is unlinked as soon as it is opened (DELETE_ON_CLOSE), so nothing is left even after a crash.
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void audioBeyondTheMemoryAndDiskLimitsEndsTheCallKeepingWhatArrived() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        start(AudioSocketConfigBuilder.spillingInto(spillDir).bufferSeconds(1).maxSpillSeconds(2).build(), call -> {
            try {
                go.await(); // a recogniser far slower than the caller
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        UUID flood = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(10, 8000 * 30); // 30 s sent at once
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), flood)) {
            try {
                ast.sendAudio(8000, audio).hangup();
            } catch (IOException closedByServer) {
                // the server hung up on the flood
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream().anyMatch(l -> l.contains("audio buffer full")));
        // Another call meanwhile is not affected.
        byte[] small = FakeAsterisk.pattern(3, 8000);
        Thread t = Thread.ofVirtual().start(() -> sendAndHangup(other, 8000, small));
        go.countDown();
        t.join();
        Received r = result(flood);
        assertThat(r.pcm()).isEqualTo(java.util.Arrays.copyOf(audio, 3 * 16000)); // 1 s in memory + 2 s on disk, in order
        assertThat(r.error()).hasMessageContaining("audio buffer full: more than 3 s of audio waiting for the recogniser");
        assertThat(r.endReason()).startsWith("audio buffer full");
        assertThat(logLines()).filteredOn(l -> l.contains("audio buffer full")).hasSize(1)
                .first().asString().contains("--audiosocket-max-spill-seconds").contains("3.0 s received are transcribed");
        Received o = result(other);
        assertThat(o.error()).isNull();
        assertThat(o.pcm()).isEqualTo(small);
        r.call().close();
    }

    @Test
    void connectionsBeyondTheCallLimitAreRefusedOthersGoOn() throws Exception {
        start(AudioSocketConfigBuilder.spillingInto(spillDir).maxCalls(2).build(), call -> {
        });
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        try (FakeAsterisk ca = FakeAsterisk.call(server.port(), a); FakeAsterisk cb = FakeAsterisk.call(server.port(), b)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 2);
            try (FakeAsterisk cc = FakeAsterisk.connect("127.0.0.1", server.port())) {
                await().atMost(Duration.ofSeconds(5)).until(() -> logLines().stream().anyMatch(l -> l.contains("refused")));
                assertThat(cc.serverClosed(2000)).isTrue();
            }
            ca.sendAudio(8000, FakeAsterisk.pattern(1, 1600)).hangup();
            cb.sendAudio(8000, FakeAsterisk.pattern(2, 1600)).hangup();
        }
        assertThat(result(a).pcm()).isEqualTo(FakeAsterisk.pattern(1, 1600));
        assertThat(result(b).pcm()).isEqualTo(FakeAsterisk.pattern(2, 1600));
        assertThat(logLines()).filteredOn(l -> l.contains("refused")).hasSize(1).first().asString()
                .contains("2 calls are connected, the limit (--audiosocket-max-calls");
        // Below the limit again: a new call is taken.
        UUID d = UUID.randomUUID();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 0);
        sendAndHangup(d, 8000, FakeAsterisk.pattern(4, 800));
        assertThat(result(d).pcm()).isEqualTo(FakeAsterisk.pattern(4, 800));
    }

    @Test
    void aCallThatSendsNothingForTheReadTimeoutEnds() throws Exception {
        start(AudioSocketConfigBuilder.spillingInto(spillDir).readTimeout(Duration.ofMillis(400)).build(), call -> {
        });
        UUID id = UUID.randomUUID();
        byte[] audio = FakeAsterisk.pattern(5, 1600);
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            ast.sendAudio(8000, audio); // then silence: no frames, no hangup, the socket stays open
            Received r = result(id);
            assertThat(r.pcm()).isEqualTo(audio);
            assertThat(r.endReason()).isEqualTo("no audio for 0.4 s (read timeout)");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> logLines().stream()
                .anyMatch(l -> l.contains("nothing received for 0.4 s (--audiosocket-read-timeout)")));
    }

    @Test
    void aConnectedCallsSocketProbesAVanishedPeerWithTcpKeepaliveAfter30SecondsIdle() throws Exception {
        org.assertj.core.api.Assumptions.assumeThat(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/ss"))
                || java.nio.file.Files.isExecutable(java.nio.file.Path.of("/bin/ss"))).as("ss (iproute2) shows socket timers").isTrue();
        start();
        UUID id = UUID.randomUUID();
        try (FakeAsterisk ast = FakeAsterisk.call(server.port(), id)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 1);
            // The server's side of the call: the kernel's keepalive timer runs on it (ss -o shows timer:(keepalive,...)).
            Process ss = new ProcessBuilder("ss", "-tnoH", "state", "established", "( sport = :" + server.port() + " )")
                    .redirectErrorStream(true).start();
            String out = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(ss.waitFor(5, TimeUnit.SECONDS)).isTrue();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("timer:\\(keepalive,(\\d+)(?:\\.\\d+)?sec").matcher(out);
            assertThat(m.find()).as("keepalive timer on the call's socket in: %s", out).isTrue();
            assertThat(Integer.parseInt(m.group(1))).isBetween(25, 30); // TCP_KEEPIDLE 30 s
            ast.sendAudio(8000, FakeAsterisk.pattern(1, 800)).hangup();
        }
        assertThat(result(id).pcm()).isEqualTo(FakeAsterisk.pattern(1, 800));
    }
}
