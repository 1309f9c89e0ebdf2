package io.callscribe.source.websocket;

import io.callscribe.source.AudioBufferFullException;
import io.callscribe.source.BufferLimits;
import io.callscribe.testing.CapturedLog;
import io.callscribe.testing.FakeChanWebSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The listener Asterisk connects to, driven by {@link FakeChanWebSocket}: framing, faults, access, cleanup. */
class MediaWebSocketServerTest {

    private MediaWebSocketServer server;
    private final LinkedBlockingQueue<MediaWebSocketCall> calls = new LinkedBlockingQueue<>();

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** {@code run --websocket 127.0.0.1:0}: any free loopback port, no token. */
    private static final MediaWebSocketServer.Config LOOPBACK =
            new MediaWebSocketServer.Config("127.0.0.1", 0, null, MediaWebSocketCall.Config.defaults());

    private URI start(MediaWebSocketServer.Config config) throws Exception {
        server = MediaWebSocketServer.start(config, calls::add);
        return server.uri();
    }

    private static byte[] pcm(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    /** Everything the call's reader gets until the end. */
    private static byte[] drain(MediaWebSocketCall call) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1000];
        int n;
        while ((n = call.read(buf, 0, buf.length)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void audioAfterMediaStartIsTheCallAndAsteriskCloseIsTheHangup() throws Exception {
        URI uri = start(LOOPBACK);
        byte[] audio = pcm(640 * 25 + 320, 3);
        try (FakeChanWebSocket asterisk = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=c-17&speaker=caller"), null)) {
            assertThat(asterisk.subprotocol()).isEqualTo("media");
            asterisk.mediaStart("1733.9", "slin16", 640).text("DTMF_END digit:1 channel_id:1733.9");
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            assertThat(call).isNotNull();
            List<String> digits = new CopyOnWriteArrayList<>();
            call.setDtmfListener((d, at) -> digits.add(d + "@" + at)); // the '1' came before: it is delivered first
            assertThat(call.callId()).isEqualTo("c-17");
            assertThat(call.speaker()).isEqualTo("caller");
            assertThat(call.format().sampleRate()).isEqualTo(16000);
            assertThat(call.controlFormat()).isEqualTo(ControlFormat.PLAIN);
            asterisk.audio(audio, 640, false).text("DTMF_END digit:7 channel_id:1733.9").hangup();
            assertThat(drain(call)).isEqualTo(audio);
            assertThat(call.endReason()).isEqualTo("hangup");
            // each digit with its position in the audio received: the '7' came after all of it (16 kHz slin)
            assertThat(digits).containsExactly("1@0.0", "7@" + audio.length / 32000.0);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> server.activeCalls() == 0);
    }

    @Test
    void callIdDefaultsToTheChannelIdAndUlawIsDecoded() throws Exception {
        URI uri = start(LOOPBACK);
        try (FakeChanWebSocket asterisk = FakeChanWebSocket.connect(uri, null)) {
            asterisk.text("{\"event\":\"MEDIA_START\",\"connection_id\":\"callscribe\",\"channel\":\"WebSocket/callscribe/0x1\","
                    + "\"channel_id\":\"1733.5\",\"format\":\"ulaw\",\"optimal_frame_size\":160,\"ptime\":20,\"channel_variables\":{}}");
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            assertThat(call.callId()).isEqualTo("1733.5");
            assertThat(call.speaker()).isNull();
            assertThat(call.controlFormat()).isEqualTo(ControlFormat.JSON);
            assertThat(call.format().sampleRate()).isEqualTo(8000);
            asterisk.binary(new byte[] {(byte) 0x80, (byte) 0xff, 0x00}).hangup();
            assertThat(drain(call)).containsExactly(0x7c, 0x7d, 0, 0, (byte) 0x84, (byte) 0x82);
        }
    }

    @Test
    void unknownControlMessageIsLoggedOnceAndNotFatal() throws Exception {
        URI uri = start(LOOPBACK);
        try (CapturedLog log = CapturedLog.of(MediaWebSocketCall.class);
             FakeChanWebSocket asterisk = FakeChanWebSocket.connect(uri, null)) {
            asterisk.mediaStart("9.1", "slin", 320);
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            asterisk.binary(pcm(320, 1)).text("MEDIA_SOMETHING_NEW a:1").binary(pcm(320, 2))
                    .text("MEDIA_SOMETHING_NEW a:2").text("MEDIA_XOFF").text("MEDIA_XON")
                    .text("STATUS channel_id:9.1 queue_length:x").binary(pcm(320, 3)).hangup();
            assertThat(drain(call)).hasSize(960);
            assertThat(call.endReason()).isEqualTo("hangup");
            await().atMost(Duration.ofSeconds(2)).until(() -> server.activeCalls() == 0); // its last log line written
            assertThat(log.matching("unknown control message MEDIA_SOMETHING_NEW")).hasSize(1);
            assertThat(log.matching("malformed control message")).singleElement().asString()
                    .contains("STATUS field queue_length is 'x', not a whole number");
        }
    }

    @Test
    void protocolFaultsCloseTheConnectionNamingTheFaultAndKeepAudioAlreadyReceived() throws Exception {
        URI uri = start(LOOPBACK);
        try (FakeChanWebSocket audioFirst = FakeChanWebSocket.connect(uri, null)) {
            audioFirst.binary(pcm(640, 1));
            assertThat(audioFirst.serverClose(5000)).isEqualTo(MediaCloseStatus.PROTOCOL_ERROR.code());
            assertThat(audioFirst.closeReason()).contains("binary message of 640 bytes before MEDIA_START");
        }
        try (FakeChanWebSocket g722 = FakeChanWebSocket.connect(uri, null)) {
            g722.mediaStart("1.1", "g722", 160);
            assertThat(g722.serverClose(5000)).isEqualTo(MediaCloseStatus.UNSUPPORTED_DATA.code());
            assertThat(g722.closeReason()).contains("format 'g722' is not one callscribe can transcribe");
        }
        try (FakeChanWebSocket wrongFirst = FakeChanWebSocket.connect(uri, null)) {
            wrongFirst.text("MEDIA_XON");
            assertThat(wrongFirst.serverClose(5000)).isEqualTo(MediaCloseStatus.PROTOCOL_ERROR.code());
            assertThat(wrongFirst.closeReason()).contains("first message is MEDIA_XON, expected MEDIA_START");
        }
        try (FakeChanWebSocket odd = FakeChanWebSocket.connect(uri, null)) {
            odd.mediaStart("1.2", "slin16", 640);
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            byte[] good = pcm(640, 5);
            odd.binary(good).binary(pcm(641, 6));
            assertThat(odd.serverClose(5000)).isEqualTo(MediaCloseStatus.PROTOCOL_ERROR.code());
            byte[] got = new byte[2000];
            assertThat(call.read(got, 0, got.length)).isEqualTo(640);
            assertThatThrownBy(() -> call.read(got, 0, got.length)).isInstanceOf(MediaProtocolException.class)
                    .hasMessageContaining("slin16 audio message of 641 bytes");
            assertThat(call.endReason()).startsWith("protocol error: slin16 audio message of 641 bytes");
        }
        assertThat(calls).isEmpty();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.activeCalls() == 0);
    }

    @Test
    void noMediaStartWithinTheHandshakeTimeoutClosesTheConnection() throws Exception {
        URI uri = start(new MediaWebSocketServer.Config("127.0.0.1", 0, null,
                MediaWebSocketCall.Config.defaults().withHandshakeTimeout(Duration.ofMillis(300))));
        try (FakeChanWebSocket silent = FakeChanWebSocket.connect(uri, null)) {
            assertThat(silent.serverClose(5000)).isEqualTo(MediaCloseStatus.PROTOCOL_ERROR.code());
            assertThat(silent.closeReason()).contains("no MEDIA_START within 300 ms");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> server.activeCalls() == 0);
    }

    @Test
    void stopClosesWithNormalSoAsteriskHangsUpAndTheReaderGetsWhatCameBefore() throws Exception {
        URI uri = start(LOOPBACK);
        try (FakeChanWebSocket asterisk = FakeChanWebSocket.connect(uri, null)) {
            asterisk.mediaStart("2.2", "slin16", 640).binary(pcm(640, 9));
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(2)).until(() -> call.receivedSeconds() > 0);
            call.stop();
            assertThat(asterisk.serverClose(5000)).isEqualTo(MediaCloseStatus.NORMAL.code());
            assertThat(drain(call)).hasSize(640);
            assertThat(call.endReason()).isEqualTo("stopped");
        }
    }

    @Test
    void serverStopEndsLiveCalls() throws Exception {
        URI uri = start(LOOPBACK);
        FakeChanWebSocket asterisk = FakeChanWebSocket.connect(uri, null);
        asterisk.mediaStart("3.3", "slin", 320).binary(pcm(320, 1));
        MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> call.receivedSeconds() > 0);
        server.stop();
        assertThat(drain(call)).hasSize(320);
        assertThat(call.endReason()).isEqualTo("stopped");
        assertThat(asterisk.serverClose(5000)).isEqualTo(1000);
        asterisk.close();
    }

    @Test
    void tokenIsRequiredAsBasicPasswordBearerOrParameter() throws Exception {
        URI uri = start(new MediaWebSocketServer.Config("127.0.0.1", 0, "s3cret", MediaWebSocketCall.Config.defaults()));
        assertThat(FakeChanWebSocket.refusal(uri, null)).isEqualTo(403);
        assertThat(FakeChanWebSocket.refusal(uri, basic("asterisk:wrong"))).isEqualTo(403);
        assertThat(FakeChanWebSocket.refusal(uri, "Basic !!!")).isEqualTo(403);
        assertThat(FakeChanWebSocket.refusal(uri, basic("asterisk:s3cret"))).isEqualTo(101);
        assertThat(FakeChanWebSocket.refusal(uri, "Bearer s3cret")).isEqualTo(101);
        assertThat(FakeChanWebSocket.refusal(URI.create(uri + "/?token=s3cret"), null)).isEqualTo(101);
        try (FakeChanWebSocket asterisk = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=x1&token=s3cret"), null)) {
            asterisk.mediaStart("4.4", "slin", 320);
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            assertThat(call.uriParameters()).containsOnlyKeys("call_id"); // the token is not kept
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutTokenIsRefused() {
        assertThatThrownBy(() -> MediaWebSocketServer.start(new MediaWebSocketServer.Config("0.0.0.0", 0, null, MediaWebSocketCall.Config.defaults()), c -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("set a token");
    }

    @Test
    void manyConcurrentCallsEachGetTheirOwnAudio() throws Exception {
        URI uri = start(LOOPBACK);
        List<CompletableFuture<Void>> senders = new CopyOnWriteArrayList<>();
        int n = 8;
        for (int i = 0; i < n; i++) {
            int id = i;
            senders.add(CompletableFuture.runAsync(() -> {
                try (FakeChanWebSocket a = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=m" + id), null)) {
                    a.mediaStart("m." + id, "slin16", 640).audio(pcm(640 * 10, id), 640, true).hangup();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 0; i < n; i++) {
            MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
            int id = Integer.parseInt(call.callId().substring(1));
            assertThat(drain(call)).isEqualTo(pcm(640 * 10, id));
        }
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void audioBeyondTheMemoryAndDiskLimitsEndsTheCallWith1011KeepingWhatArrivedOthersGoOn(@TempDir Path spill) throws Exception {
        URI uri = start(new MediaWebSocketServer.Config("127.0.0.1", 0, null,
                MediaWebSocketCall.Config.of(new BufferLimits("--websocket", 1, 1, spill))));
        byte[] audio = pcm(16000 * 5, 4); // 5 s of 8 kHz slin, sent at once into 1 s of memory + 1 s on disk
        try (CapturedLog log = CapturedLog.of(MediaWebSocketCall.class);
             FakeChanWebSocket flood = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=flood"), null);
             FakeChanWebSocket other = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=other"), null)) {
            flood.mediaStart("5.1", "slin", 320);
            MediaWebSocketCall floodCall = calls.poll(5, TimeUnit.SECONDS); // nobody reads it yet: a recogniser far behind
            assertThat(floodCall.callId()).isEqualTo("flood");
            try {
                flood.audio(audio, 320, false);
            } catch (Exception closedByServer) {
                // callscribe closed the connection on the flood
            }
            assertThat(flood.serverClose(5000)).isEqualTo(MediaCloseStatus.INTERNAL_ERROR.code());
            assertThat(flood.closeReason()).contains("audio buffer full");
            // Another call meanwhile is not affected.
            byte[] small = pcm(3200, 8);
            other.mediaStart("5.2", "slin", 320).audio(small, 320, false).hangup();
            MediaWebSocketCall otherCall = calls.poll(5, TimeUnit.SECONDS);
            assertThat(drain(otherCall)).isEqualTo(small);
            assertThat(otherCall.endReason()).isEqualTo("hangup");

            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1000];
            assertThatThrownBy(() -> {
                int n;
                while ((n = floodCall.read(buf, 0, buf.length)) >= 0) {
                    got.write(buf, 0, n);
                }
            }).isInstanceOf(AudioBufferFullException.class)
                    .hasMessageContaining("audio buffer full: more than 2 s of audio waiting for the recogniser");
            assertThat(got.toByteArray()).as("1 s in memory + 1 s on disk, in order").isEqualTo(java.util.Arrays.copyOf(audio, 2 * 16000));
            assertThat(floodCall.endReason()).startsWith("audio buffer full");
            assertThat(log.matching("consumer is 1 s behind; buffering further audio in")).hasSize(1);
            assertThat(log.matching("audio buffer full")).singleElement().asString()
                    .contains("chan_websocket call flood").contains("(--websocket-buffer-seconds + --websocket-max-spill-seconds)")
                    .contains("the 2.0 s received are transcribed");
            assertThat(log.withStackTrace()).isEmpty();
            floodCall.close();
            try (var files = java.nio.file.Files.list(spill)) {
                assertThat(files.toList()).as("the spill file is gone").isEmpty();
            }
        }
    }

    @Test
    void connectionsBeyondTheCallLimitAreClosedWith1013OthersGoOn() throws Exception {
        URI uri = start(new MediaWebSocketServer.Config("127.0.0.1", 0, null, MediaWebSocketCall.Config.defaults(), 2));
        try (CapturedLog log = CapturedLog.of(MediaWebSocketServer.class);
             FakeChanWebSocket a = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=a"), null);
             FakeChanWebSocket b = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=b"), null)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 2);
            for (int i = 0; i < 2; i++) { // refused each time; logged once (at most every 10 s)
                try (FakeChanWebSocket c = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=c"), null)) {
                    assertThat(c.serverClose(5000)).isEqualTo(MediaCloseStatus.TRY_AGAIN_LATER.code());
                    assertThat(c.closeReason()).isEqualTo("callscribe is at its limit of 2 calls (--websocket-max-calls)");
                }
            }
            assertThat(server.activeCalls()).isEqualTo(2);
            a.mediaStart("6.1", "slin", 320).audio(pcm(1600, 1), 320, false).hangup();
            b.mediaStart("6.2", "slin", 320).audio(pcm(1600, 2), 320, false).hangup();
            java.util.Map<String, byte[]> heard = new java.util.HashMap<>();
            for (int i = 0; i < 2; i++) {
                MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
                heard.put(call.callId(), drain(call));
            }
            assertThat(heard).containsOnlyKeys("a", "b");
            assertThat(heard.get("a")).isEqualTo(pcm(1600, 1));
            assertThat(heard.get("b")).isEqualTo(pcm(1600, 2));
            assertThat(log.matching("refused")).singleElement().asString()
                    .contains("2 calls are connected, the limit (--websocket-max-calls");
            // Below the limit again: a new call is taken.
            await().atMost(Duration.ofSeconds(5)).until(() -> server.activeCalls() == 0);
            try (FakeChanWebSocket d = FakeChanWebSocket.connect(URI.create(uri + "/?call_id=d"), null)) {
                d.mediaStart("6.4", "slin", 320).audio(pcm(800, 4), 320, false).hangup();
                MediaWebSocketCall call = calls.poll(5, TimeUnit.SECONDS);
                assertThat(call.callId()).isEqualTo("d");
                assertThat(drain(call)).isEqualTo(pcm(800, 4));
            }
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void aCallLimitBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new MediaWebSocketServer.Config("127.0.0.1", 0, null, MediaWebSocketCall.Config.defaults(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--websocket-max-calls must be at least 1, got 0");
    }

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }
}
