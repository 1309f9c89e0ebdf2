package io.callscribe.session;

import io.callscribe.asr.RecognizerPool;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.ScriptedVoskServer.Fault;
import io.callscribe.testing.ReconnectPolicyBuilder;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Reconnect and replay through the real client path (CallSession -> VoskWebSocketRecognizer -> WebSocket)
 * against a scripted Vosk server with injected faults. Words are named after the audio they cover, so a
 * faulty run must give exactly the finals, with the same call-relative times, of a clean run: no gap, no
 * repeated final.
 */
class ReconnectReplayTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int BLOCK = 3200; // one scripted word = one 200 ms chunk
    private static final int BLOCKS = 61;  // 20 finals of 3 words and a 1-word final at eof
    private static final ReconnectPolicy FAST = ReconnectPolicyBuilder.policy().attempts(30)
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).maxTotal(Duration.ofSeconds(20)).build();

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void tearDown() throws Exception {
        background.shutdownNow();
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private ScriptedVoskServer server(int port) throws Exception {
        ScriptedVoskServer s = (port == 0 ? ScriptedVoskServer.start() : ScriptedVoskServer.start(port))
                .bytesPerWord(BLOCK).wordsPerFinal(3).namesFromAudio().replyDelay(Duration.ofMillis(10));
        toClose.add(s);
        return s;
    }

    private VoskWebSocketRecognizer client(URI uri, Duration replyTimeout) {
        VoskWebSocketRecognizer r = new VoskWebSocketRecognizer(uri, Duration.ofSeconds(2), 8, replyTimeout);
        toClose.add(r);
        return r;
    }

    private record Run(CallOutcome outcome, List<TranscriptEvent> events, int reconnects) {
        List<String> finals() {
            return PositionalAudio.finals(events, outcome.callId());
        }

        List<String> errors() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.CallError)
                    .map(e -> ((TranscriptEvent.CallError) e).message()).toList();
        }
    }

    private Run call(String id, io.callscribe.asr.Recognizer recognizer) throws Exception {
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        CallSession session = SingleLegCall.of(id, new BurstySource(RATE_8K, PositionalAudio.blocks(BLOCKS, BLOCK),
                BLOCK, false), recognizer, SessionSettingsBuilder.settings().reconnect(FAST)
                .finishTimeout(Duration.ofSeconds(10)).build(), events::add);
        CallOutcome outcome = session.run();
        return new Run(outcome, events, session.reconnects());
    }

    private List<String> cleanFinals() throws Exception {
        ScriptedVoskServer clean = server(0);
        Run run = call("clean", client(clean.uri(), Duration.ofSeconds(5)));
        assertThat(run.outcome().ok()).isTrue();
        assertThat(run.finals()).hasSize(21).first().isEqualTo("a1 a2 a3 [0.000-0.600]");
        return run.finals();
    }

    @Test
    void serverKilledAndRestartedOnTheSamePortTwiceGivesTheCleanTranscript() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer first = server(0);
        int port = first.port();
        VoskWebSocketRecognizer recognizer = client(first.uri(), Duration.ofSeconds(5));
        Future<Run> running = background.submit(() -> call("killed", recognizer));

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                .until(() -> first.binarySizes().size() >= 15);
        first.close();
        ScriptedVoskServer second = server(port);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                .until(() -> second.binarySizes().size() >= 10);
        second.close();
        ScriptedVoskServer third = server(port);

        Run run = running.get(30, TimeUnit.SECONDS);
        assertThat(run.errors()).isEmpty();
        assertThat(run.reconnects()).isGreaterThanOrEqualTo(2);
        assertThat(run.finals()).isEqualTo(expected);
        assertThat(third.connectionsOpened()).isEqualTo(1);
    }

    @Test
    void close1011DropAndGarbageRepliesAreRecoveredWithoutGapOrRepeat() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer faulty = server(0)
                .faultAt(8, Fault.CLOSE_1011)
                .faultAt(25, Fault.DROP)
                .faultAt(40, Fault.GARBAGE)
                .faultAt(55, Fault.UNEXPECTED_JSON);
        Run run = call("faulty", client(faulty.uri(), Duration.ofSeconds(5)));
        assertThat(run.errors()).isEmpty();
        assertThat(run.reconnects()).isEqualTo(4);
        assertThat(faulty.connectionsOpened()).isEqualTo(5);
        assertThat(run.finals()).isEqualTo(expected);
    }

    @Test
    void aHugeReplyIsRefusedNotBufferedAndTheCallRecovers() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer faulty = server(0).faultAt(20, Fault.HUGE_REPLY);
        try (io.callscribe.testing.CapturedLog log = io.callscribe.testing.CapturedLog.of(
                io.callscribe.asr.vosk.VoskWebSocketStream.class)) {
            Run run = call("huge", client(faulty.uri(), Duration.ofSeconds(5)));
            assertThat(run.errors()).isEmpty();
            assertThat(run.reconnects()).isEqualTo(1);
            assertThat(run.finals()).isEqualTo(expected);
            assertThat(log.matching("sent a reply of more than 1048576 characters")).hasSize(1);
        }
    }

    @Test
    void theReplyLimitIsASettingRepliesUpToItPassAndALongerOneIsRefused() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer faulty = server(0).faultAt(20, Fault.HUGE_REPLY);
        VoskWebSocketRecognizer r = new VoskWebSocketRecognizer(faulty.uri(), Duration.ofSeconds(2), 8,
                Duration.ofSeconds(5), 1024); // the smallest allowed: still more than each of these results
        toClose.add(r);
        try (io.callscribe.testing.CapturedLog log = io.callscribe.testing.CapturedLog.of(
                io.callscribe.asr.vosk.VoskWebSocketStream.class)) {
            Run run = call("limited", r);
            assertThat(run.errors()).isEmpty();
            assertThat(run.reconnects()).isEqualTo(1);
            assertThat(run.finals()).isEqualTo(expected);
            assertThat(log.matching("sent a reply of more than 1024 characters")).hasSize(1);
        }
        assertThatThrownBy(() -> new VoskWebSocketRecognizer(faulty.uri(), Duration.ofSeconds(2), 8, Duration.ofSeconds(5), 1023))
                .hasMessageContaining("must be at least 1 KiB, got 1023 characters");
    }

    @Test
    void stalledServerHitsTheReplyDeadlineAndTheCallMovesOn() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer stalling = server(0);
        VoskWebSocketRecognizer recognizer = client(stalling.uri(), Duration.ofMillis(400));
        stalling.pauseReplies();
        Future<Run> running = background.submit(() -> call("stalled", recognizer));
        await().atMost(Duration.ofSeconds(10)).until(() -> stalling.connectionsOpened() >= 2);
        stalling.resumeReplies();
        Run run = running.get(30, TimeUnit.SECONDS);
        assertThat(run.errors()).isEmpty();
        assertThat(run.reconnects()).isGreaterThanOrEqualTo(1);
        assertThat(run.finals()).isEqualTo(expected);
    }

    @Test
    void callMovesToAnotherServerOfThePoolWhenItsServerDies() throws Exception {
        List<String> expected = cleanFinals();
        ScriptedVoskServer a = server(0);
        ScriptedVoskServer b = server(0);
        RecognizerPool pool = new RecognizerPool(List.of(client(a.uri(), Duration.ofSeconds(5)),
                client(b.uri(), Duration.ofSeconds(5))));
        Future<Run> running = background.submit(() -> call("pooled", pool));
        // The first call goes to the first server (both idle); kill it for good mid-call.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.binarySizes().size() >= 15);
        a.close();
        Run run = running.get(30, TimeUnit.SECONDS);
        assertThat(run.errors()).isEmpty();
        assertThat(run.finals()).isEqualTo(expected);
        assertThat(b.connectionsOpened()).isEqualTo(1);
        assertThat(pool.healthy()).containsExactly(false, true);
        assertThat(pool.openStreams()).containsExactly(0, 0);
    }

    @Test
    void givingUpEndsTheCallWithOneErrorNamingTheCallAndTheServer() throws Exception {
        ScriptedVoskServer doomed = server(0);
        String address = doomed.uri().toString();
        VoskWebSocketRecognizer recognizer = client(doomed.uri(), Duration.ofSeconds(5));
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        ReconnectPolicy three = ReconnectPolicyBuilder.policy().attempts(3)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build();
        CallSession session = SingleLegCall.of("doomed", new BurstySource(RATE_8K, PositionalAudio.blocks(BLOCKS, BLOCK),
                BLOCK, false), recognizer, SessionSettingsBuilder.settings().reconnect(three).build(), events::add);
        Future<CallOutcome> running = background.submit(session::run);
        await().atMost(Duration.ofSeconds(10)).until(() -> doomed.binarySizes().size() >= 10);
        doomed.close();
        CallOutcome outcome = running.get(30, TimeUnit.SECONDS);
        assertThat(outcome.ok()).isFalse();
        List<TranscriptEvent.CallError> errors = events.stream().filter(e -> e instanceof TranscriptEvent.CallError)
                .map(e -> (TranscriptEvent.CallError) e).toList();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.call()).isEqualTo("doomed");
            assertThat(e.message()).contains("gave up", "3 reconnect attempt", address);
        });
        assertThat(outcome.errors()).singleElement().asString().startsWith("doomed: ");
        assertThat(events.get(events.size() - 1)).isInstanceOf(TranscriptEvent.CallEnded.class);
    }

    @Test
    void aServerThatRejectsEveryFreshConnectionTheSameWayFailsTheCallOnceWithoutReconnectingOnAndOn() throws Exception {
        // Like vosk-server refusing a config: close 1011 on the first audio of every connection.
        ScriptedVoskServer vosk = server(0);
        vosk.closeAfterMessages(1, 1011, "sample rate 8000 Hz is not supported");
        Run run = call("rejected", client(vosk.uri(), Duration.ofSeconds(5)));
        assertThat(run.errors()).singleElement().asString()
                .contains("1011", "sample rate 8000 Hz is not supported", "rejected the same way", "not reconnecting");
        // Two, when both closes are seen as such; on a busy machine one attempt may instead see its send fail on the
        // reset connection before the close frame arrives, which costs one more.
        assertThat(vosk.connectionsOpened()).isBetween(2, 3);
        assertThat(run.outcome().ok()).isFalse();
    }
}
