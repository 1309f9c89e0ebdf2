package io.callscribe.session;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.source.AudioSource;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.vad.VadMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.callscribe.testing.SessionSettingsBuilder.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --keep-audio} ({@link KeptAudio}): each live leg's audio, exactly as its source delivered it (before the
 * voice-activity gate), in a WAV per leg, renamed into place when the leg ends; and every way keeping it can go wrong
 * costs the call nothing but an error event, leaving no partial file behind. The recogniser is a TEST DOUBLE
 * ({@link ByteCountingRecognizer}: a word per 3200 bytes it is sent).
 */
class KeptAudioTest {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);
    private static final int BLOCK = 3200;

    private record Run(CallOutcome outcome, List<TranscriptEvent> events, ByteCountingRecognizer recognizer) {
        List<String> errors() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.CallError)
                    .map(e -> ((TranscriptEvent.CallError) e).message()).toList();
        }

        List<String> words() {
            return events.stream().filter(e -> e instanceof TranscriptEvent.Final).map(e -> ((TranscriptEvent.Final) e).text())
                    .toList();
        }
    }

    private static Run run(String id, List<CallSession.Leg> legs, SessionSettings settings) throws Exception {
        ByteCountingRecognizer recognizer = new ByteCountingRecognizer(BLOCK, OptionalInt.empty());
        List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
        CallOutcome outcome = new CallSession(id, legs, recognizer, settings, events::add).run();
        return new Run(outcome, events, recognizer);
    }

    private static Run single(String id, AudioSource source, SessionSettings settings) throws Exception {
        return run(id, List.of(new CallSession.Leg(null, source)), settings);
    }

    /** The audio of a finished WAV, checking that its header says it is finished. */
    private static byte[] wavData(Path wav) throws Exception {
        byte[] file = Files.readAllBytes(wav);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(4)).as("RIFF size").isEqualTo(file.length - 8);
        assertThat(b.getInt(40)).as("data size").isEqualTo(file.length - 44);
        assertThat(b.getInt(24)).as("sample rate").isEqualTo(8000);
        return Arrays.copyOfRange(file, 44, file.length);
    }

    private static List<String> filesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachLegKeepsExactlyWhatItsSourceDeliveredBeforeTheGateUnderItsSpeakersName(@TempDir Path dir) throws Exception {
        byte[] caller = GatedCallTest.speechAndSilence();
        byte[] agent = PositionalAudio.blocks(40, BLOCK);
        Path keep = dir.resolve("kept");
        Run run = run("1733.12", List.of(new CallSession.Leg("Alice Caller", new BurstySource(RATE_8K, caller, 1000, true)),
                        new CallSession.Leg("agent", new BurstySource(RATE_8K, agent, 640, true))),
                settings().vad(VadMode.ON).keptAudio(KeptAudio.keepIn(keep, 3600)).build());

        assertThat(run.errors()).isEmpty();
        assertThat(filesIn(keep)).containsExactly("1733.12.audio.Alice_Caller.wav", "1733.12.audio.agent.wav");
        assertThat(wavData(keep.resolve("1733.12.audio.Alice_Caller.wav"))).isEqualTo(caller);
        assertThat(wavData(keep.resolve("1733.12.audio.agent.wav"))).isEqualTo(agent);
        long sentToRecogniser = run.recognizer().streams.stream().mapToLong(s -> s.received.size()).sum();
        assertThat(sentToRecogniser).as("the gate dropped silence; the kept audio has it")
                .isLessThan(caller.length + agent.length);
    }

    @Test
    void keptAudioTranscribesLikeTheCallWhenFedAgain(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(25, BLOCK);
        Run live = single("live", new BurstySource(RATE_8K, audio, 640, true),
                settings().keptAudio(KeptAudio.keepIn(dir, 3600)).build());
        Path wav = dir.resolve("live.audio.wav");
        Run again = single("again", RecordingTailer.open(wav, 0, 1, TailOptions.defaults()),
                settings().keptAudio(KeptAudio.keepIn(dir, 3600)).build());
        assertThat(again.words()).isEqualTo(live.words()).hasSize(25);
        assertThat(filesIn(dir)).as("a recording keeps its audio itself: nothing more is written")
                .containsExactly("live.audio.wav");
    }

    @Test
    void offWritesNothing(@TempDir Path dir) throws Exception {
        Run run = single("off", new BurstySource(RATE_8K, PositionalAudio.blocks(5, BLOCK), 640, true),
                SessionSettingsBuilder.defaults());
        assertThat(SessionSettingsBuilder.defaults().keptAudio().off()).isTrue();
        assertThat(KeptAudio.parse("off", 60).off()).isTrue();
        assertThat(KeptAudio.parse(" OFF ", 60)).isEqualTo(KeptAudio.OFF);
        assertThat(run.words()).hasSize(5);
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void aDirectoryThatCannotBeMadeIsOneClearErrorAndTheCallGoesOn(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        byte[] audio = PositionalAudio.blocks(10, BLOCK);
        Run run = single("nodir", new BurstySource(RATE_8K, audio, 640, true),
                settings().keptAudio(KeptAudio.keepIn(file.resolve("kept"), 3600)).build());
        assertThat(run.errors()).singleElement().asString()
                .contains("cannot be kept in " + file.resolve("kept"), "--keep-audio", "Not a directory", "transcribed, not kept");
        assertThat(run.words()).as("the call is transcribed all the same").hasSize(10);
        assertThat(run.outcome().audioSeconds()).isEqualTo(RATE_8K.secondsOf(audio.length));
        assertThat(filesIn(dir)).containsExactly("not-a-dir");
    }

    @Test
    void aDirectoryRemovedMidCallIsOneErrorAtItsEndAndNothingIsLeft(@TempDir Path dir) throws Exception {
        Path keep = dir.resolve("kept");
        byte[] audio = PositionalAudio.blocks(10, BLOCK);
        HeldSource source = new HeldSource(new BurstySource(RATE_8K, audio, 640, true), audio.length / 2);
        Thread remover = Thread.ofVirtual().start(() -> {
            try {
                source.halfRead.await();
                assertThat(filesIn(keep)).as("written while the call goes on").containsExactly("mid.audio.partial.wav");
                Files.delete(keep.resolve("mid.audio.partial.wav"));
                Files.delete(keep);
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                source.release.countDown();
            }
        });
        Run run = single("mid", source, settings().keptAudio(KeptAudio.keepIn(keep, 3600)).build());
        remover.join();
        assertThat(run.errors()).singleElement().asString()
                .contains("finishing " + keep.resolve("mid.audio.wav") + " failed", "nothing is left of it");
        assertThat(run.words()).hasSize(10);
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void theLimitEndsTheWavThereWithOneErrorAndTheRestIsTranscribed(@TempDir Path dir) throws Exception {
        byte[] audio = PositionalAudio.blocks(15, BLOCK); // 6 s
        Run run = single("long", new BurstySource(RATE_8K, audio, 640, true),
                settings().keptAudio(KeptAudio.keepIn(dir, 2)).build());
        assertThat(run.errors()).singleElement().asString()
                .contains("--keep-audio-max-seconds 2 s at 2.00 s", dir.resolve("long.audio.wav") + " ends there");
        assertThat(wavData(dir.resolve("long.audio.wav"))).isEqualTo(Arrays.copyOf(audio, 2 * 16000));
        assertThat(run.words()).hasSize(15);
        assertThat(filesIn(dir)).containsExactly("long.audio.wav");
    }

    @Test
    void aNameInUseIsNeverOverwrittenAndDeleteRemovesOnlyThatCallsAudio(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c1.audio.wav"), "earlier");
        Files.writeString(dir.resolve("c1.2.audio.wav"), "another call");
        KeptAudio keep = KeptAudio.keepIn(dir, 3600);
        byte[] audio = PositionalAudio.blocks(3, BLOCK);
        single("c1", new BurstySource(RATE_8K, audio, 640, true), settings().keptAudio(keep).build());
        assertThat(Files.readString(dir.resolve("c1.audio.wav"))).isEqualTo("earlier");
        assertThat(wavData(dir.resolve("c1.audio-2.wav"))).isEqualTo(audio);

        Files.writeString(dir.resolve("c1.audio.agent.wav"), "a leg");
        Files.writeString(dir.resolve("c1.audio.agent.partial.wav"), "a leg cut by a crash");
        keep.delete("c1");
        assertThat(filesIn(dir)).containsExactly("c1.2.audio.wav");
    }

    @Test
    void badSettingsAreRefusedNamingTheProblem(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> KeptAudio.parse(file.toString(), 60)).hasMessage("--keep-audio: " + file
                + " exists and is not a directory");
        assertThatThrownBy(() -> KeptAudio.parse(dir.toString(), 0))
                .hasMessage("--keep-audio-max-seconds: 0 s is not within 1..86400 s");
        assertThatThrownBy(() -> KeptAudio.parse("a\0b", 60)).hasMessageStartingWith("--keep-audio: 'a\0b' is neither");
        assertThat(KeptAudio.parse(dir.toString(), 60)).isEqualTo(KeptAudio.keepIn(dir, 60));
    }

    /** TEST DOUBLE: passes a source through, stopping after {@code holdAt} bytes until released. */
    private static final class HeldSource implements AudioSource {
        final CountDownLatch halfRead = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AudioSource source;
        private final long holdAt;
        private long read;

        HeldSource(AudioSource source, long holdAt) {
            this.source = source;
            this.holdAt = holdAt;
        }

        @Override
        public String description() {
            return "held test source";
        }

        @Override
        public PcmFormat format() throws java.io.IOException, InterruptedException {
            return source.format();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws java.io.IOException, InterruptedException {
            if (read >= holdAt && halfRead.getCount() > 0) {
                halfRead.countDown();
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            }
            int n = source.read(buffer, offset, (int) Math.min(length, read < holdAt ? holdAt - read : length));
            read += Math.max(0, n);
            return n;
        }

        @Override
        public boolean realTime() {
            return true;
        }

        @Override
        public void stop() {
            source.stop();
        }

        @Override
        public void close() throws java.io.IOException {
            source.close();
        }
    }
}
