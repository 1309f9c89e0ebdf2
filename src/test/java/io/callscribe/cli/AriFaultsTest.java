package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.FaultyAriProxy;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.RequiresAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestCalls;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ARI requests that fail or are slow, on a real Asterisk behind the labelled {@link FaultyAriProxy}: four bridged
 * calls at once; the snoop of one call's caller is refused (500), the externalMedia request of another's is held past
 * callscribe's ARI request timeout (5 s: its channel then appears in Asterisk mid-call, after callscribe gave up on
 * it), a third's snoop is slow but in time (2 s). Each fault costs only the party it hit: a clear log line and an error in that call's transcript; the other
 * party of that call, and the fourth call, are transcribed whole; nothing callscribe created stays in Asterisk, not
 * even the channel that came too late. The recogniser is the labelled {@link ScriptedVoskServer} double.
 */
@RequiresAsterisk
class AriFaultsTest {

    /** Longer than the held request's 7 s: its late channel appears while the call goes on. */
    private static final double CALL_SECONDS = 12.0;

    @TempDir
    static Path dir;
    @AutoClose
    static PrivateAsterisk asterisk;
    @AutoClose
    static ScriptedVoskServer vosk;

    @BeforeAll
    static void start() throws Exception {
        asterisk = PrivateAsterisk.builder(dir.resolve("asterisk")).extensions("""
                [ari-tests]
                exten => _[0-9a-zA-Z].,1,Set(CALLERID(num)=${EXTEN}00)
                 same => n,Dial(Local/${EXTEN}@callscribe-callee/n)
                 same => n,Hangup()

                """ + TestCalls.ariPlayContext(dir.resolve("asterisk"))).start();
        vosk = ScriptedVoskServer.start();
    }

    @Test
    void aFailingOrSlowAriRequestCostsOnlyThePartyItHit() throws Exception {
        Path out = dir.resolve("out");
        TestAudio.Clip speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav")).paddedTo(CALL_SECONDS);
        try (FaultyAriProxy proxy = FaultyAriProxy.to(asterisk.httpPort());
             RunCommand.Service service = RunHarness.start("--ari", proxy.uri().toString(), "--ari-user", asterisk.ariUser(),
                     "--ari-password", asterisk.ariPassword(), "--asr", vosk.uri().toString(), "--vad", "off",
                     "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off", "--store", "off",
                     "--out-dir", out.toString())) {
            proxy.fail(snoopOf("Local/refused@ari-tests"), 500, 1)
                    .delay(mediaOf(proxy, "Local/toolate@ari-tests"), Duration.ofSeconds(7), 1)
                    .delay(snoopOf("Local/slow@ari-tests"), Duration.ofSeconds(2), 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> service.ari().connected());
            for (String id : List.of("refused", "toolate", "slow", "fine")) {
                TestCalls.bridgedByAri(asterisk, id, "ari-tests", speech, speech, null);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> asterisk.channels().stream().noneMatch(c -> c.startsWith("Local/")));
            await().atMost(Duration.ofSeconds(10)).until(() -> service.ari().activeParties() == 0 && service.calls().liveCalls().isEmpty());
            // The externalMedia request held past the timeout reached Asterisk mid-call, 7 s after it was sent, and
            // made a channel callscribe no longer wanted: it must be gone as well.
            assertThat(proxy.awaitIdle(Duration.ofSeconds(10))).as("the held requests were forwarded").isTrue();
            assertThat(proxy.answered()).as("the held externalMedia request was carried out by Asterisk")
                    .anyMatch(l -> l.contains("externalMedia") && l.endsWith(" 200 OK")
                            && proxy.held().contains(l.substring(0, l.indexOf(" -> "))));
            asterisk.awaitNoChannels(Duration.ofSeconds(2));
            assertThat(asterisk.cli("bridge show all")).doesNotContain("callscribe-br-");

            Map<String, JsonNode> byCall = transcripts(out);
            assertThat(byCall).containsOnlyKeys("refused", "toolate", "slow", "fine");
            String refused = byCall.get("refused").path("errors").toString();
            assertThat(refused).as("the refused snoop, named in its call's errors").contains("snoop").contains("500");
            assertThat(byCall.get("toolate").path("errors").toString()).as("the externalMedia request past the timeout")
                    .contains("externalMedia").contains("no answer within");
            for (String id : List.of("refused", "toolate")) {
                JsonNode t = byCall.get(id);
                assertThat(RunHarness.words(t, id + "00")).as("%s: the caller, whose snoop failed, was not heard", id).isEmpty();
                assertThat(RunHarness.words(t, id)).as("%s: the callee was heard all the same", id).isNotEmpty();
            }
            for (String id : List.of("slow", "fine")) {
                JsonNode t = byCall.get(id);
                assertThat(t.has("errors")).as("%s: %s", id, t).isFalse();
                assertThat(RunHarness.words(t, id + "00")).as("%s caller", id).isNotEmpty();
                assertThat(RunHarness.words(t, id)).as("%s callee", id).isNotEmpty();
            }
            // The call no fault touched was not held up by the others' requests: its streams began at once.
            assertThat(byCall.get("fine").get("audio_seconds").asDouble()).as("fine: audio of its %s s", CALL_SECONDS)
                    .isGreaterThan(CALL_SECONDS - 1.5);
        }
    }

    private static final java.util.regex.Pattern SNOOP = java.util.regex.Pattern.compile("^POST /ari/channels/([^/?]+)/snoop");

    /**
     * The snoop requests on the channel whose name starts with {@code namePrefix} (Local channels cannot be given an
     * id when originated, so the channel in the request is looked up in Asterisk, directly, by its id).
     */
    private static java.util.function.Predicate<String> snoopOf(String namePrefix) {
        return line -> {
            java.util.regex.Matcher m = SNOOP.matcher(line);
            return m.find() && channelName(m.group(1)).startsWith(namePrefix);
        };
    }

    private static final java.util.regex.Pattern MEDIA = java.util.regex.Pattern.compile(
            "^POST /ari/channels/externalMedia\\?.*channelId=callscribe-em-([0-9a-f-]+)");

    /**
     * The externalMedia requests for the party whose channel name starts with {@code namePrefix}: callscribe gives a
     * party's snoop and media channel the same UUID, and the snoop request (sent at the same moment, so it may reach the
     * proxy a little later: waited for up to 3 s) names the party's channel.
     */
    private static java.util.function.Predicate<String> mediaOf(FaultyAriProxy proxy, String namePrefix) {
        return line -> {
            java.util.regex.Matcher m = MEDIA.matcher(line);
            if (!m.find()) {
                return false;
            }
            String snoopId = "snoopId=callscribe-sn-" + m.group(1);
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (true) {
                Optional<String> snoop = proxy.requests().stream().filter(l -> l.contains(snoopId)).findFirst();
                if (snoop.isPresent()) {
                    java.util.regex.Matcher s = SNOOP.matcher(snoop.get());
                    return s.find() && channelName(s.group(1)).startsWith(namePrefix);
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        };
    }

    private static String channelName(String id) {
        try {
            java.net.http.HttpResponse<String> r = asterisk.ari("GET", "/channels/" + id);
            return r.statusCode() == 200 ? io.callscribe.event.EventJson.MAPPER.readTree(r.body()).path("name").asText("") : "";
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Each transcript in {@code out}, by the extension its caller dialled. */
    private static Map<String, JsonNode> transcripts(Path out) throws Exception {
        Map<String, JsonNode> byCall = new HashMap<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                JsonNode t = RunHarness.readJson(p);
                byCall.put(t.get("parties").get(0).get("dialed_exten").asText(), t);
            }
        }
        return byCall;
    }
}
