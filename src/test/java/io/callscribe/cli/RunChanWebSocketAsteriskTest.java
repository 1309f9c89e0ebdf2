package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.WordErrorRate;
import io.callscribe.session.CallSession;
import io.callscribe.source.websocket.MediaWebSocketCall;
import io.callscribe.source.websocket.MediaWebSocketConnector;
import io.callscribe.testing.asterisk.DocSnippets;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.WebSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * chan_websocket on a real Asterisk, with the embedded Sphinx4 engine: {@code Dial(WebSocket/callscribe/...)} through
 * websocket_client.conf to {@code callscribe run --websocket} (the snippets of docs/asterisk.md, as written there),
 * and callscribe connecting to Asterisk's {@code /media/<id>} for a {@code Dial(WebSocket/INCOMING/...)} channel.
 * Each transcript must be within 3 WER points of the same clip transcribed straight from the file, each call must end
 * within 2 s of Asterisk hanging up, and no channel may be left.
 */
@RequiresAsterisk
class RunChanWebSocketAsteriskTest {

    private static final Path DOC = Path.of("docs/asterisk.md");
    /**
     * The run's --finish-timeout: how long the recogniser may take for its last final after the audio ended. Sphinx4
     * on this shared 2-core machine, with other helpers' builds running, was seen to need more than 30 s.
     */
    private static final Duration RECOGNISER_FINISH = Duration.ofSeconds(60);
    private static final String TOKEN = "t" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path dir;
    static PrivateAsterisk asterisk;
    static RunCommand.Service service;
    static Path out;
    static TestAudio.Clip clip;
    static double directWer;
    /** The clip through a mu-law channel's coding, fed directly: what the ulaw call is held against. */
    static double directUlawWer;
    static String reference;

    @BeforeAll
    static void start() throws Exception {
        reference = Files.readString(Path.of("src/test/resources/speech/two-utterances.txt"));
        // The first sentence, at the 8 kHz of a phone line: what the far end plays into the call.
        clip = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav")).slice(0, 4.6).at(8000);
        reference = reference.lines().findFirst().orElseThrow();
        out = dir.resolve("out");

        // callscribe run exactly as the doc says, on a free port instead of 9093.
        List<String> args = new ArrayList<>(DocSnippets.command(DOC, "websocket-run"));
        args.replaceAll(a -> a.replace("127.0.0.1:9093", "127.0.0.1:0").replace("secret-token", TOKEN));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        args.addAll(List.of("--engine", "sphinx4", "--audiosocket", "off", "--spool", spool.toString(), "--http", "off",
                "--finish-timeout", String.valueOf(RECOGNISER_FINISH.toSeconds()), "--out-dir", out.toString()));
        assertThat(args.get(0)).isEqualTo("run");
        service = RunHarness.start(args.subList(1, args.size()).toArray(String[]::new));
        // Load the models before the first call, or that call's transcription starts seconds late.
        ((Sphinx4Recognizer) service.recognizer).preload(1);
        // The same clip fed directly: a finished recording dropped into the spool, same service, same engine.
        Path direct = dir.resolve("direct.wav");
        clip.writeWav(direct);
        Files.move(direct, spool.resolve("direct.wav"), StandardCopyOption.ATOMIC_MOVE);
        await().atMost(RECOGNISER_FINISH.plusSeconds(10)).until(() -> Files.exists(out.resolve("direct.json")));
        JsonNode directTranscript = RunHarness.readJson(out.resolve("direct.json"));
        directWer = WordErrorRate.of(reference, String.join(" ", RunHarness.words(directTranscript, null)));
        assertThat(directWer).as("the file fed directly must be transcribed: %s", directTranscript).isLessThan(0.5);
        Path directUlaw = dir.resolve("direct-ulaw.wav");
        clip.throughUlaw().writeWav(directUlaw);
        Files.move(directUlaw, spool.resolve("direct-ulaw.wav"), StandardCopyOption.ATOMIC_MOVE);
        await().atMost(RECOGNISER_FINISH.plusSeconds(10)).until(() -> Files.exists(out.resolve("direct-ulaw.json")));
        directUlawWer = WordErrorRate.of(reference,
                String.join(" ", RunHarness.words(RunHarness.readJson(out.resolve("direct-ulaw.json")), null)));
        String client = DocSnippets.block(DOC, "websocket_client.conf")
                .replace("127.0.0.1:9093", "127.0.0.1:" + service.websocketPort()).replace("secret-token", TOKEN);
        String dialplan = DocSnippets.block(DOC, "websocket-dialplan") + """

                [ws-ulaw]
                exten => _[0-9a-zA-Z].,1,Dial(WebSocket/callscribe/c(ulaw)d(in)v(call_id=${EXTEN}))
                 same => n,Hangup()

                [ws-incoming]
                exten => _[0-9a-zA-Z].,1,Dial(WebSocket/INCOMING/c(slin16)d(in))
                 same => n,Hangup()
                """;
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).file("websocket_client.conf", client)
                .extensions(dialplan).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (asterisk != null) {
            asterisk.close();
        }
    }

    @Test
    void dialplanDialToCallscribeIsTranscribedLikeTheFileAndEndsWithTheHangup() throws Exception {
        TestCalls.single(asterisk, "wsdial1", "transcribe-websocket", clip);
        await().atMost(Duration.ofSeconds(10)).until(() -> !service.calls().liveCalls().isEmpty());
        CallSession session = service.calls().liveCalls().iterator().next();
        String callId = session.callId();
        assertThat(asterisk.channels()).anyMatch(c -> c.startsWith("WebSocket/callscribe/"));

        asterisk.awaitNoChannels(Duration.ofSeconds((long) clip.seconds() + 10));
        long hungUp = System.nanoTime();
        // The leg's audio ends with the hang-up (Asterisk closes the WebSocket) ...
        await().atMost(Duration.ofSeconds(2)).until(() -> service.websocket.activeCalls() == 0);
        long legEnded = System.nanoTime();
        // ... and the call as soon as the recogniser has given the final of what it got: on this shared, loaded
        // machine Sphinx4 runs behind real time, so that part is bounded by the finish timeout, not by 2 s.
        assertThat(service.calls().awaitEnd(callId, RECOGNISER_FINISH)).isTrue();
        System.out.printf("chan_websocket dial: leg ended %.0f ms, call %.0f ms after Asterisk's channels were gone%n",
                (legEnded - hungUp) / 1e6, (System.nanoTime() - hungUp) / 1e6);

        JsonNode transcript = RunHarness.readJson(out.resolve(callId + ".json"));
        assertThat(transcript.get("end_reason").asText()).isEqualTo("hangup");
        String text = String.join(" ", RunHarness.words(transcript, "caller"));
        double wer = WordErrorRate.of(reference, text);
        System.out.printf("chan_websocket dial: WER %.3f ('%s'), file fed directly %.3f%n", wer, text, directWer);
        assertThat(Math.abs(wer - directWer)).as("WER %.3f vs %.3f for '%s'", wer, directWer, text).isLessThanOrEqualTo(0.03);
        assertThat(transcript.get("audio_seconds").asDouble()).isBetween(clip.seconds() - 0.3, clip.seconds() + 0.3);
    }

    @Test
    void callscribeConnectsToAsteriskMediaUrlForAnIncomingWebSocketChannel() throws Exception {
        try (MediaWebSocketConnector connector = new MediaWebSocketConnector(MediaWebSocketCall.Config.defaults())) {
            TestCalls.single(asterisk, "wsin1", "ws-incoming", clip);
            String connectionId = await().atMost(Duration.ofSeconds(10)).until(RunChanWebSocketAsteriskTest::incomingConnectionId,
                    id -> id != null);
            MediaWebSocketCall leg = connector.connect(asterisk.ariBaseUri(), connectionId, asterisk.ariUser(),
                    asterisk.ariPassword(), Duration.ofSeconds(5));
            assertThat(leg.mediaStart().format()).isEqualTo("slin16");
            assertThat(leg.mediaStart().optimalFrameSize()).isEqualTo(640);
            assertThat(leg.mediaStart().connectionId()).isEqualTo(connectionId);
            assertThat(service.calls().start("wsin1", List.of(new CallSession.Leg("caller", leg)))).isPresent();

            asterisk.awaitNoChannels(Duration.ofSeconds((long) clip.seconds() + 10));
            long hungUp = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).until(leg::ended);
            long legEnded = System.nanoTime();
            assertThat(leg.endReason()).isEqualTo("hangup");
            assertThat(service.calls().awaitEnd("wsin1", RECOGNISER_FINISH)).isTrue();
            System.out.printf("chan_websocket /media: leg ended %.0f ms, call %.0f ms after Asterisk's channels were gone%n",
                    (legEnded - hungUp) / 1e6, (System.nanoTime() - hungUp) / 1e6);
            JsonNode transcript = RunHarness.readJson(out.resolve("wsin1.json"));
            assertThat(transcript.get("end_reason").asText()).isEqualTo("hangup");
            String text = String.join(" ", RunHarness.words(transcript, "caller"));
            double wer = WordErrorRate.of(reference, text);
            System.out.printf("chan_websocket /media: WER %.3f ('%s'), file fed directly %.3f%n", wer, text, directWer);
            assertThat(Math.abs(wer - directWer)).as("WER %.3f vs %.3f for '%s'", wer, directWer, text).isLessThanOrEqualTo(0.03);
        }
    }

    @Test
    void ulawChannelIsDecodedAndTranscribedLikeTheFile() throws Exception {
        TestCalls.single(asterisk, "wsulaw1", "ws-ulaw", clip);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.calls().isLive("wsulaw1"));
        asterisk.awaitNoChannels(Duration.ofSeconds((long) clip.seconds() + 10));
        await().atMost(Duration.ofSeconds(2)).until(() -> service.websocket.activeCalls() == 0);
        assertThat(service.calls().awaitEnd("wsulaw1", RECOGNISER_FINISH)).isTrue();
        JsonNode transcript = RunHarness.readJson(out.resolve("wsulaw1.json"));
        assertThat(transcript.get("end_reason").asText()).isEqualTo("hangup");
        String text = String.join(" ", RunHarness.words(transcript, null));
        double wer = WordErrorRate.of(reference, text);
        // Held against the same mu-law coded audio fed directly: the coding itself moves the words of a clip this short.
        System.out.printf("chan_websocket ulaw: WER %.3f ('%s'), mu-law coded file fed directly %.3f, clean file %.3f%n",
                wer, text, directUlawWer, directWer);
        assertThat(Math.abs(wer - directUlawWer)).as("WER %.3f vs %.3f for '%s'", wer, directUlawWer, text)
                .isLessThanOrEqualTo(0.03);
        assertThat(transcript.get("audio_seconds").asDouble()).isBetween(clip.seconds() - 0.3, clip.seconds() + 0.3);
    }

    /**
     * ARI externalMedia with {@code connection_type=client}: Asterisk dials the websocket_client.conf connection of the
     * doc, {@code transport_data} carries the dial options (call id, speaker); audio played into its bridge is
     * transcribed; deleting the channel ends the call.
     */
    @Test
    void ariExternalMediaAsClientOfCallscribe() throws Exception {
        String app = "cstest";
        WebSocket events = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + asterisk.httpPort()
                + "/ari/events?app=" + app + "&api_key=" + asterisk.ariUser() + ":" + asterisk.ariPassword()),
                new WebSocket.Listener() { }).get(5, TimeUnit.SECONDS);
        try {
            String bridge = ari("POST", "/bridges?type=mixing").get("id").asText();
            String channel = ari("POST", "/channels/externalMedia?app=" + app + "&external_host=callscribe&transport=websocket"
                    + "&encapsulation=none&connection_type=client&format=slin16&transport_data="
                    + URLEncoder.encode("d(in)v(call_id=emc1,speaker=agent)", StandardCharsets.UTF_8)).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> service.calls().isLive("emc1"));
            CallSession session = service.calls().liveCalls().stream().filter(c -> c.callId().equals("emc1")).findFirst().orElseThrow();
            ari("POST", "/bridges/" + bridge + "/addChannel?channel=" + channel);
            Path sound = TestAudio.place(asterisk, "emc1-caller", clip.paddedTo(clip.seconds() + 0.5));
            ari("POST", "/bridges/" + bridge + "/play?media=" + URLEncoder.encode("sound:" + sound, StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds((long) clip.seconds() + 10)).until(() -> session.audioSeconds() >= clip.seconds() + 0.4);

            ari("DELETE", "/channels/" + channel);
            long hungUp = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).until(() -> service.websocket.activeCalls() == 0);
            long legEnded = System.nanoTime();
            ari("DELETE", "/bridges/" + bridge);
            assertThat(service.calls().awaitEnd("emc1", RECOGNISER_FINISH)).isTrue();
            System.out.printf("chan_websocket externalMedia client: leg ended %.0f ms, call %.0f ms after the DELETE%n",
                    (legEnded - hungUp) / 1e6, (System.nanoTime() - hungUp) / 1e6);
            asterisk.awaitNoChannels(Duration.ofSeconds(5));
            JsonNode transcript = RunHarness.readJson(out.resolve("emc1.json"));
            assertThat(transcript.get("end_reason").asText()).isEqualTo("hangup");
            String text = String.join(" ", RunHarness.words(transcript, "agent"));
            double wer = WordErrorRate.of(reference, text);
            System.out.printf("chan_websocket externalMedia client: WER %.3f ('%s'), file fed directly %.3f%n", wer, text, directWer);
            assertThat(Math.abs(wer - directWer)).as("WER %.3f vs %.3f for '%s'", wer, directWer, text).isLessThanOrEqualTo(0.03);
        } finally {
            events.abort();
        }
    }

    /**
     * ARI externalMedia with {@code connection_type=server} (what ARI mode's websocket transport does): the reply's
     * MEDIA_WEBSOCKET_CONNECTION_ID is what {@link MediaWebSocketConnector#connect} takes.
     */
    @Test
    void ariExternalMediaAsServerForTheConnector() throws Exception {
        String app = "cstest2";
        WebSocket events = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + asterisk.httpPort()
                + "/ari/events?app=" + app + "&api_key=" + asterisk.ariUser() + ":" + asterisk.ariPassword()),
                new WebSocket.Listener() { }).get(5, TimeUnit.SECONDS);
        try (MediaWebSocketConnector connector = new MediaWebSocketConnector(MediaWebSocketCall.Config.defaults())) {
            String bridge = ari("POST", "/bridges?type=mixing").get("id").asText();
            JsonNode reply = ari("POST", "/channels/externalMedia?app=" + app + "&transport=websocket"
                    + "&encapsulation=none&connection_type=server&format=slin16&direction=in");
            String channel = reply.get("id").asText();
            String connectionId = reply.path("channelvars").path("MEDIA_WEBSOCKET_CONNECTION_ID").asText();
            assertThat(reply.path("channelvars").path("MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE").asText()).isEqualTo("640");
            MediaWebSocketCall leg = connector.connect(asterisk.httpBaseUri(), connectionId, asterisk.ariUser(),
                    asterisk.ariPassword(), Duration.ofSeconds(5));
            assertThat(leg.mediaStart().channelId()).isEqualTo(channel);
            CallSession session = service.calls().start("ems1", List.of(new CallSession.Leg("agent", leg))).orElseThrow();
            ari("POST", "/bridges/" + bridge + "/addChannel?channel=" + channel);
            Path sound = TestAudio.place(asterisk, "ems1-caller", clip.paddedTo(clip.seconds() + 0.5));
            ari("POST", "/bridges/" + bridge + "/play?media=" + URLEncoder.encode("sound:" + sound, StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds((long) clip.seconds() + 10)).until(() -> session.audioSeconds() >= clip.seconds() + 0.4);

            ari("DELETE", "/channels/" + channel);
            await().atMost(Duration.ofSeconds(2)).until(leg::ended);
            assertThat(leg.endReason()).isEqualTo("hangup");
            ari("DELETE", "/bridges/" + bridge);
            assertThat(service.calls().awaitEnd("ems1", RECOGNISER_FINISH)).isTrue();
            asterisk.awaitNoChannels(Duration.ofSeconds(5));
            String text = String.join(" ", RunHarness.words(RunHarness.readJson(out.resolve("ems1.json")), "agent"));
            double wer = WordErrorRate.of(reference, text);
            System.out.printf("chan_websocket externalMedia server: WER %.3f ('%s'), file fed directly %.3f%n", wer, text, directWer);
            assertThat(Math.abs(wer - directWer)).as("WER %.3f vs %.3f for '%s'", wer, directWer, text).isLessThanOrEqualTo(0.03);
        } finally {
            events.abort();
        }
    }

    @Test
    void connectingToAnUnknownConnectionIdIsRefusedByName() {
        try (MediaWebSocketConnector connector = new MediaWebSocketConnector(MediaWebSocketCall.Config.defaults())) {
            assertThatThrownBy(() -> connector.connect(asterisk.ariBaseUri(), "no-such-connection", null, null,
                    Duration.ofSeconds(5))).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("/media/no-such-connection")
                    .hasMessageContaining("HTTP 404 (Asterisk has no channel waiting with this connection id)");
        }
    }

    /** MEDIA_WEBSOCKET_CONNECTION_ID of the waiting {@code WebSocket/INCOMING} channel, through ARI; null while none. */
    static String incomingConnectionId() throws Exception {
        for (JsonNode ch : ari("/channels")) {
            if (ch.get("name").asText().startsWith("WebSocket/INCOMING/")) {
                return ari("/channels/" + ch.get("id").asText() + "/variable?variable=MEDIA_WEBSOCKET_CONNECTION_ID")
                        .get("value").asText();
            }
        }
        return null;
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static JsonNode ari(String path) throws Exception {
        return ari("GET", path);
    }

    static JsonNode ari(String method, String path) throws Exception {
        String auth = Base64.getEncoder().encodeToString(
                (asterisk.ariUser() + ":" + asterisk.ariPassword()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(asterisk.ariBaseUri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 204);
        return r.body().isBlank() ? null : io.callscribe.event.EventJson.MAPPER.readTree(r.body());
    }
}
