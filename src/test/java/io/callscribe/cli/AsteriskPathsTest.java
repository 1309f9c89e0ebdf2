package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.engine.sphinx.WordErrorRate;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Today's ways in, end to end on a real Asterisk ({@link PrivateAsterisk}), with the dialplan of docs/asterisk.md
 * (read from the doc; only addresses and the SIP callee replaced): MixMonitor into the spool (one file, and the
 * {@code r()/t()} legs), the {@code AudioSocket()} application and {@code Dial(AudioSocket/.../c(slin16))}.
 * Calls are Local channel pairs playing a speech clip (two flite sentences, the caller says the first, the callee
 * the second). Two {@code callscribe run} services follow every call at once:
 * <ul>
 * <li>{@code sphinx}: the real embedded Sphinx4 engine, each stream starting from the front end's initial state
 *     ({@code callscribe.sphinx4.freshStreams}: a pooled decoder otherwise keeps its live cepstral mean from the
 *     stream before, and the same bytes transcribed twice differed here by up to 3 words in 19). Each transcript
 *     must be within 3 WER points of the same audio fed to it directly as a finished file (the recording Asterisk
 *     wrote, or the clip AudioSocket played).</li>
 * <li>{@code timed}: the labelled engine double ScriptedVoskServer, which keeps up whatever the machine's load, so
 *     that what is timed is callscribe noticing the hang-up: each call must end within 2 s of Asterisk hanging it
 *     up, with all of its audio received. (Sphinx4 on this shared machine lags calls by seconds.)</li>
 * </ul>
 * After each test no channel is left in Asterisk.
 */
@RequiresAsterisk
class AsteriskPathsTest {

    private static final double MAX_WER_DIFFERENCE = 0.03;
    private static final String FRESH_STREAMS = io.callscribe.engine.sphinx.Sphinx4Settings.PROPERTY_PREFIX + "freshStreams";
    /** Errors through Asterisk and fed directly, and reference words, summed over the class's comparisons. */
    private static final java.util.concurrent.atomic.AtomicIntegerArray TOTALS = new java.util.concurrent.atomic.AtomicIntegerArray(3);
    /** Sphinx4 on this clip: 0.4-0.5 whole, up to 0.8 on the second sentence alone; a bound that catches broken audio. */
    private static final double MAX_SANE_WER = 0.9;
    private static final Duration END_AFTER_HANGUP = Duration.ofSeconds(2);
    private static final Duration SPHINX_WAIT = Duration.ofSeconds(150);
    /** Where the clip's second sentence begins. */
    private static final double SPLIT = 4.6;

    @TempDir
    static Path dir;
    static Path spool;
    static Path staging;
    static ScriptedVoskServer vosk;
    static WatchedService sphinx;
    static WatchedService timed;
    static PrivateAsterisk asterisk;
    /** Between Asterisk and the sphinx service's AudioSocket listener: what Asterisk sent is the direct reference. */
    static AudioSocketTap tap;
    static String[] truth;
    static Clip whole8;
    static Clip whole16;
    static Clip caller8;
    static Clip callee8;

    @BeforeAll
    static void start() throws Exception {
        truth = Files.readString(Path.of("src/test/resources/speech/two-utterances.txt")).strip().split("\n");
        whole16 = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav")).slice(0, 8.6);
        whole8 = whole16.at(8000);
        caller8 = whole8.slice(0, SPLIT);
        callee8 = whole8.slice(SPLIT, whole8.seconds()).delayedBy(SPLIT);

        Path ast = dir.resolve("ast");
        spool = Files.createDirectories(ast.resolve("spool/monitor"));
        staging = Files.createDirectories(dir.resolve("staging"));
        vosk = ScriptedVoskServer.start();
        String[] common = {"--spool", spool.toString(), "--audiosocket", "127.0.0.1:0", "--http", "127.0.0.1:0"};
        System.setProperty(FRESH_STREAMS, "true"); // read once, when the service creates its engine
        try {
            sphinx = WatchedService.start(dir, "sphinx", concat(common, "--engine", "sphinx4", "--idle-timeout", "5"));
        } finally {
            System.clearProperty(FRESH_STREAMS);
        }
        timed = WatchedService.start(dir, "timed", concat(common, "--asr", vosk.uri().toString(), "--vad", "off"));

        
        StringBuilder dialplan = new StringBuilder();
        for (String name : List.of("mixmonitor-single", "mixmonitor-legs")) {
            // One recording, followed by both services; MixMonitor's hang-up command goes to the timed one.
            dialplan.append(context("doc-" + name, DocSnippets.asterisk(name), timed));
        }
        tap = new AudioSocketTap(sphinx.audioSocketPort());
        for (String name : List.of("audiosocket-app", "audiosocket-dial")) {
            dialplan.append(context("doc-" + name, DocSnippets.asterisk(name), sphinx)
                    .replace("127.0.0.1:" + sphinx.audioSocketPort(), "127.0.0.1:" + tap.port()));
            dialplan.append(context("doc-" + name + "-timed", DocSnippets.asterisk(name), timed));
        }
        asterisk = PrivateAsterisk.builder(ast).extensions(dialplan.toString()).start();

        // Load the two decoders the legs need, before the first call.
        feedDirectly(Map.of("ref-load1.wav", whole8, "ref-load2.wav16", whole16));
        sphinx.awaitTranscript("ref-load1", SPHINX_WAIT);
        sphinx.awaitTranscript("ref-load2", SPHINX_WAIT);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** A context holding the doc's snippet with this run's addresses, and the harness's callee for the SIP one. */
    private static String context(String name, String snippet, WatchedService target) {
        String local = snippet.replace("127.0.0.1:9092", "127.0.0.1:" + target.audioSocketPort())
                .replace("127.0.0.1:8080", "127.0.0.1:" + target.httpPort())
                .replace("Dial(PJSIP/${EXTEN})", "Dial(Local/${EXTEN}@callscribe-callee/n)");
        return "[" + name + "]\n" + local + "\n";
    }

    /** Moves finished WAV files into the spool: a finished recording is transcribed at once, not live. */
    private static void feedDirectly(Map<String, Clip> files) throws Exception {
        for (Map.Entry<String, Clip> r : files.entrySet()) {
            Path staged = staging.resolve(r.getKey());
            r.getValue().writeWav(staged);
            Files.move(staged, spool.resolve(r.getKey()), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Copies what Asterisk recorded into the spool under a new name, to be transcribed as a finished file. */
    private static void feedCopy(String recording, String asName) throws Exception {
        Path staged = staging.resolve(asName);
        Files.copy(spool.resolve(recording), staged);
        Files.move(staged, spool.resolve(asName), StandardCopyOption.ATOMIC_MOVE);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (asterisk != null) {
                asterisk.close();
            }
        } finally {
            for (AutoCloseable c : new AutoCloseable[]{sphinx, timed, vosk, tap}) {
                if (c != null) {
                    c.close();
                }
            }
        }
        if (TOTALS.get(2) > 0) { // after the cleanup: a failure here must not leave Asterisk running
            double live = (double) TOTALS.get(0) / TOTALS.get(2);
            double fed = (double) TOTALS.get(1) / TOTALS.get(2);
            System.out.printf("WER over %d words: %.3f through Asterisk, %.3f fed directly%n", TOTALS.get(2), live, fed);
            assertThat(Math.abs(live - fed)).as("WER over %d words: %.3f through Asterisk, %.3f fed directly",
                    TOTALS.get(2), live, fed).isLessThanOrEqualTo(MAX_WER_DIFFERENCE + 1e-9);
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
    void mixMonitorOneFile() throws Exception {
        List<String> known = timed.startedCalls();
        TestCalls.BridgedCall placed = TestCalls.bridged(asterisk, "2001", "doc-mixmonitor-single", caller8, callee8);
        String id = timed.awaitNewCall(known, Duration.ofSeconds(10));
        Instant hungUp = WatchedService.awaitHangup(asterisk, "Local/2001@", Duration.ofSeconds(30));
        timed.assertEndedWithin(id, hungUp, END_AFTER_HANGUP);
        assertThat(spool.resolve(id + ".wav")).exists();
        assertAllAudio(timed.awaitTranscript(id, Duration.ofSeconds(5)), placed.seconds(), spool.resolve(id + ".wav"));

        JsonNode live = sphinx.awaitTranscript(id, SPHINX_WAIT);
        String ref = "ref-" + id;
        feedCopy(id + ".wav", ref + ".wav");
        assertSimilar(live, null, sphinx.awaitTranscript(ref, SPHINX_WAIT), truth[0] + " " + truth[1]);
    }

    @Test
    void mixMonitorLegsAreOneCallWithTwoSpeakers() throws Exception {
        List<String> known = timed.startedCalls();
        TestCalls.BridgedCall placed = TestCalls.bridged(asterisk, "2002", "doc-mixmonitor-legs", caller8, callee8);
        String id = timed.awaitNewCall(known, Duration.ofSeconds(10));
        Instant hungUp = WatchedService.awaitHangup(asterisk, "Local/2002@", Duration.ofSeconds(30));
        timed.assertEndedWithin(id, hungUp, END_AFTER_HANGUP);
        for (String f : List.of(id + ".wav", id + "-in.wav", id + "-out.wav")) {
            assertThat(spool.resolve(f)).exists();
        }
        assertThat(timed.startedCalls()).as("the mix and the legs are one call").containsOnlyOnce(id)
                .noneMatch(c -> c.startsWith(id) && !c.equals(id));
        JsonNode t = timed.awaitTranscript(id, Duration.ofSeconds(5));
        assertAllAudio(t, placed.seconds(), spool.resolve(id + "-in.wav"), spool.resolve(id + "-out.wav"));
        assertThat(RunHarness.words(t, "caller")).isNotEmpty();
        assertThat(RunHarness.words(t, "agent")).isNotEmpty();

        JsonNode live = sphinx.awaitTranscript(id, SPHINX_WAIT);
        String ref = "ref-" + id;
        feedCopy(id + "-in.wav", ref + "-in.wav");
        feedCopy(id + "-out.wav", ref + "-out.wav");
        JsonNode direct = sphinx.awaitTranscript(ref, SPHINX_WAIT);
        assertSimilar(live, "caller", direct, truth[0]);
        assertSimilar(live, "agent", direct, truth[1]);
    }

    @Test
    void audioSocketApplication() throws Exception {
        audioSocketCall("100", "doc-audiosocket-app", whole8);
    }

    @Test
    void audioSocketChannelAt16kHz() throws Exception {
        audioSocketCall("101", "doc-audiosocket-dial", whole16);
    }

    /**
     * The same clip into the snippet twice at once: one call to each service. The direct reference is what Asterisk
     * sent (through {@link #tap}), not the clip: AudioSocket's first frame comes some tens of ms before or after
     * Playback's start, and Sphinx4 (its speech classifier, callscribe's noise floor) is sensitive to such a shift.
     */
    private void audioSocketCall(String exten, String context, Clip clip) throws Exception {
        int tapped = tap.connections();
        List<String> knownTimed = timed.startedCalls();
        List<String> knownSphinx = sphinx.startedCalls();
        Path file = TestAudio.place(asterisk, exten + "-caller", clip);
        asterisk.originateApplication("Local/" + exten + "@" + context + "-timed/n", "Playback", file.toString());
        asterisk.originateApplication("Local/" + exten + "@" + context + "/n", "Playback", file.toString());
        String timedId = timed.awaitNewCall(knownTimed, Duration.ofSeconds(10));
        String sphinxId = sphinx.awaitNewCall(knownSphinx, Duration.ofSeconds(10));
        assertThat(timedId).as("the call id is a UUID").matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        Instant hungUp = WatchedService.awaitHangup(asterisk, "@" + context + "-timed-", Duration.ofSeconds(30));
        timed.assertEndedWithin(timedId, hungUp, END_AFTER_HANGUP);
        JsonNode t = timed.awaitTranscript(timedId, Duration.ofSeconds(5));
        assertThat(t.get("audio_seconds").asDouble()).as("audio received").isCloseTo(clip.seconds(),
                org.assertj.core.data.Offset.offset(0.1));
        JsonNode live = sphinx.awaitTranscript(sphinxId, SPHINX_WAIT);
        assertThat(tap.connections()).isEqualTo(tapped + 1);
        String ref = "ref-" + exten;
        String name = clip.rate() == 8000 ? ref + ".wav" : ref + ".wav16";
        feedDirectly(Map.of(name, new Clip(tap.audioOf(tapped), clip.rate())));
        assertSimilar(live, null, sphinx.awaitTranscript(ref, SPHINX_WAIT), truth[0] + " " + truth[1]);
    }

    /**
     * callscribe read every sample Asterisk wrote (the longest of the recordings), and the recording holds the call: about
     * what the caller played (MixMonitor starts before the answer; on a busy machine Asterisk's audiohook may drop a few
     * frames: 8.86 s of a 9.1 s call was seen at load 15).
     */
    private static void assertAllAudio(JsonNode transcript, double callSeconds, Path... recordings) throws IOException {
        double written = 0;
        for (Path r : recordings) {
            written = Math.max(written, TestAudio.read(r).seconds());
        }
        double read = transcript.get("audio_seconds").asDouble();
        assertThat(read).as("audio received, against the %.3f s Asterisk wrote", written)
                .isCloseTo(written, org.assertj.core.data.Offset.offset(0.01));
        assertThat(written).as("recorded, of a %.1f s call", callSeconds).isBetween(callSeconds - 1.0, callSeconds + 1.5);
    }

    private static void assertSimilar(JsonNode live, String speaker, JsonNode direct, String truthText) {
        String got = String.join(" ", RunHarness.words(live, speaker));
        String fed = String.join(" ", RunHarness.words(direct, speaker));
        int errorsGot = WordErrorRate.errors(truthText, got);
        int errorsFed = WordErrorRate.errors(truthText, fed);
        int words = WordErrorRate.normalise(truthText).size();
        TOTALS.addAndGet(0, errorsGot);
        TOTALS.addAndGet(1, errorsFed);
        TOTALS.addAndGet(2, words);
        String what = String.format("speaker %s: %d errors in %d words through Asterisk (\"%s\"), %d fed directly (\"%s\")",
                speaker, errorsGot, words, got, errorsFed, fed);
        System.out.println(what);
        assertThat(Math.abs(errorsGot - errorsFed) / (double) words).as(what)
                .isLessThanOrEqualTo(MAX_WER_DIFFERENCE + 1e-9);
        assertThat((double) errorsFed / words).as(what).isLessThanOrEqualTo(MAX_SANE_WER);
    }
}
