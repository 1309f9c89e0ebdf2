package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.MixMonitorRecordings;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class RecordingTailerTest {

    private static final PcmFormat NB = PcmFormat.mono(8000);
    private static final TailOptions FAST = new TailOptions(Duration.ofMillis(5), TailOptions.DEFAULT_IDLE, false);

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** Distinct, ordered samples: a lost, duplicated or reordered byte shows up as a mismatch. */
    static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i += 2) {
            int v = (i / 2) * 7 + seed;
            b[i] = (byte) v;
            b[i + 1] = (byte) (v >> 8);
        }
        return b;
    }

    record Outcome(byte[] audio, List<Integer> readSizes, String endReason) { }

    static Outcome drain(AudioSource source, int bufferBytes) throws IOException, InterruptedException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        byte[] buf = new byte[bufferBytes];
        int n;
        while ((n = source.read(buf, 0, buf.length)) >= 0) {
            sizes.add(n);
            all.write(buf, 0, n);
        }
        return new Outcome(all.toByteArray(), sizes, source.endReason());
    }

    @ParameterizedTest(name = "watch={0}")
    @ValueSource(booleans = {false, true})
    void followsAGrowingMixMonitorWavUntilItIsClosed(boolean watch) throws Exception {
        Path file = dir.resolve("call.wav");
        byte[] pcm = pattern(NB.bytesPerSecond() * 6 + 320, 1); // 6 s: three 32 KiB flushes and a tail
        MixMonitorWriter writer = MixMonitorWriter.wav(file, NB, null);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, new TailOptions(FAST.pollInterval(), FAST.idleTimeout(), watch))) {
            Future<Outcome> reader = threads.submit(() -> drain(tailer, 1000));
            writer.writeRealTime(pcm, 30);
            assertThat(reader.isDone()).as("still recording: no end before close").isFalse();
            writer.close();
            await().atMost(Duration.ofSeconds(5)).until(reader::isDone);
            Outcome out = reader.get();
            assertThat(out.audio()).isEqualTo(pcm);
            assertThat(out.endReason()).isEqualTo("recording closed");
            assertThat(tailer.format()).isEqualTo(NB);
            assertThat(tailer.header().finalised()).isTrue();
        }
    }

    @Test
    void finishedRecordingIsReadStraightThrough() throws Exception {
        Path file = dir.resolve("done.wav16");
        PcmFormat wb = PcmFormat.mono(16000);
        byte[] pcm = pattern(wb.bytesPerSecond() * 3, 5);
        try (MixMonitorWriter w = MixMonitorWriter.wav(file, wb, null)) {
            w.write(pcm);
        }
        // An idle timeout longer than the test timeout: the end must come from the header, not from waiting.
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST.withIdleTimeout(Duration.ofMinutes(5)))) {
            assertThat(tailer.format()).isEqualTo(wb);
            Outcome out = drain(tailer, 4096);
            assertThat(out.audio()).isEqualTo(pcm);
            assertThat(out.endReason()).isEqualTo("recording closed");
        }
    }

    @Test
    void trailingChunkAfterDataIsNotAudio() throws Exception {
        Path file = dir.resolve("tagged.wav");
        byte[] pcm = pattern(1600, 2);
        try (MixMonitorWriter w = MixMonitorWriter.wav(file, NB, null)) {
            w.write(pcm);
        }
        Files.write(file, "LIST\4\0\0\0INFO".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), StandardOpenOption.APPEND);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            assertThat(drain(tailer, 512).audio()).isEqualTo(pcm);
        }
    }

    @Test
    void endsAfterIdleTimeoutWithEverythingFlushed() throws Exception {
        Path file = dir.resolve("stuck.sln");
        byte[] pcm = pattern(MixMonitorWriter.ASTERISK_BUFFER_BYTES * 2 + 100, 3);
        MixMonitorWriter writer = MixMonitorRecordings.headerless(file, NB);
        writer.write(pcm); // two flushes reach the file, 100 bytes stay in the writer's buffer (never closed)
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1,
                FAST.withIdleTimeout(Duration.ofMillis(300)))) {
            Outcome out = drain(tailer, 3000);
            assertThat(out.audio()).isEqualTo(java.util.Arrays.copyOf(pcm, MixMonitorWriter.ASTERISK_BUFFER_BYTES * 2));
            assertThat(out.endReason()).isEqualTo("no growth for 300 ms");
        } finally {
            writer.close();
        }
    }

    @Test
    void stopReturnsWhatIsInTheFileThenEnds() throws Exception {
        Path file = dir.resolve("stop.wav");
        byte[] pcm = pattern(MixMonitorWriter.ASTERISK_BUFFER_BYTES * 3, 4);
        MixMonitorWriter writer = MixMonitorWriter.wav(file, NB, null);
        writer.write(pcm); // three buffers written: 44 header bytes are still buffered after them
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            byte[] first = new byte[320];
            assertThat(tailer.read(first, 0, first.length)).isEqualTo(320);
            tailer.stop();
            Outcome rest = drain(tailer, 7000);
            long inFile = Files.size(file) - 44;
            assertThat(320 + rest.audio().length).isEqualTo(inFile);
            assertThat(rest.endReason()).isEqualTo("stopped");
            assertThat(tailer.read(first, 0, first.length)).isEqualTo(-1);
        } finally {
            writer.close();
        }
    }

    @Test
    void stopWakesABlockedReader() throws Exception {
        Path file = dir.resolve("quiet.wav");
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            Future<Outcome> reader = threads.submit(() -> drain(tailer, 320));
            Thread.sleep(50);
            assertThat(reader.isDone()).isFalse();
            tailer.stop();
            await().atMost(Duration.ofSeconds(5)).until(reader::isDone);
            assertThat(reader.get().endReason()).isEqualTo("stopped");
            assertThatThrownBy(tailer::format).isInstanceOf(AudioFormatException.class)
                    .hasMessageContaining("quiet.wav").hasMessageContaining("stopped");
        }
    }

    @Test
    void waitsForAFileThatAppearsLate() throws Exception {
        Path file = dir.resolve("late.wav");
        byte[] pcm = pattern(NB.bytesPerSecond() * 5, 6);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            Future<PcmFormat> format = threads.submit(tailer::format);
            Future<Outcome> reader = threads.submit(() -> {
                format.get();
                return drain(tailer, 2048);
            });
            Thread.sleep(100);
            assertThat(format.isDone()).isFalse();
            try (MixMonitorWriter writer = MixMonitorWriter.wav(file, NB, null)) {
                Thread.sleep(50); // the file exists with 0 bytes for a while, as with MixMonitor
                assertThat(format.isDone()).isFalse();
                writer.writeRealTime(pcm, 50);
            }
            assertThat(reader.get(10, TimeUnit.SECONDS).audio()).isEqualTo(pcm);
            assertThat(format.get()).isEqualTo(NB);
        }
    }

    @Test
    void missingFileEndsAfterIdleTimeout() throws Exception {
        try (RecordingTailer tailer = RecordingTailer.open(dir.resolve("never.wav"), 0, 1,
                FAST.withIdleTimeout(Duration.ofMillis(100)))) {
            assertThat(tailer.read(new byte[64], 0, 64)).isEqualTo(-1);
            assertThat(tailer.endReason()).isEqualTo("no recording file after 100 ms");
            assertThatThrownBy(tailer::format).hasMessageContaining("never.wav").hasMessageContaining("no recording file");
        }
    }

    @Test
    void truncatedWhileFollowedFailsAfterTheAudioBeforeIt() throws Exception {
        Path file = dir.resolve("cut.sln");
        byte[] pcm = pattern(MixMonitorWriter.ASTERISK_BUFFER_BYTES, 7);
        MixMonitorWriter writer = MixMonitorRecordings.headerless(file, NB);
        writer.write(pcm);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (got.size() < pcm.length) {
                got.write(buf, 0, tailer.read(buf, 0, buf.length));
            }
            assertThat(got.toByteArray()).isEqualTo(pcm);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(1000);
            }
            assertThatThrownBy(() -> tailer.read(buf, 0, buf.length)).isInstanceOf(AudioFormatException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("shrank from 32768 to 1000 bytes");
        } finally {
            writer.close();
        }
    }

    @Test
    void replacedWhileFollowedFailsAfterTheOldFilesAudio() throws Exception {
        Path file = dir.resolve("swap.wav");
        byte[] pcm = pattern(MixMonitorWriter.ASTERISK_BUFFER_BYTES * 2, 8);
        MixMonitorWriter writer = MixMonitorWriter.wav(file, NB, null);
        writer.write(pcm);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            byte[] buf = new byte[1000];
            assertThat(tailer.read(buf, 0, buf.length)).isEqualTo(1000); // file is open now
            Path other = dir.resolve("other.wav");
            try (MixMonitorWriter w2 = MixMonitorWriter.wav(other, NB, null)) {
                w2.write(pattern(4000, 9));
            }
            Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
            long rest = 0;
            IOException failure = null;
            try {
                int n;
                while ((n = tailer.read(buf, 0, buf.length)) > 0) {
                    rest += n;
                }
            } catch (IOException e) {
                failure = e;
            }
            assertThat(1000 + rest).as("all audio of the followed file first").isEqualTo(2L * MixMonitorWriter.ASTERISK_BUFFER_BYTES - 44);
            assertThat(failure).isInstanceOf(AudioFormatException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("replaced");
        } finally {
            writer.close();
        }
    }

    @ParameterizedTest(name = "channels={0}")
    @ValueSource(ints = {1, 2})
    void oddSizedFileGrowthNeverYieldsHalfAFrame(int channels) throws Exception {
        PcmFormat format = new PcmFormat(8000, channels);
        Path file = dir.resolve("odd" + channels + ".wav");
        byte[] pcm = pattern(format.bytesPerSecond() * 2, 10);
        MixMonitorWriter writer = MixMonitorRecordings.create(file, format, true, 333); // flushes of 333 bytes
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            Future<Outcome> reader = threads.submit(() -> drain(tailer, 101 * format.frameBytes() + 1));
            writer.writeRealTime(pcm, 40);
            writer.close();
            Outcome out = reader.get(10, TimeUnit.SECONDS);
            assertThat(out.readSizes()).allSatisfy(n -> assertThat(n % format.frameBytes()).isZero());
            assertThat(out.audio()).isEqualTo(pcm);
            assertThat(tailer.format()).isEqualTo(format);
        }
    }

    @Test
    void severalRecordingsAtOnce() throws Exception {
        int calls = 4;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int c = 0; c < calls; c++) {
            Path file = dir.resolve("multi" + c + (c % 2 == 0 ? ".wav" : ".sln16"));
            PcmFormat format = c % 2 == 0 ? NB : PcmFormat.mono(16000);
            byte[] pcm = pattern(format.bytesPerSecond() * 3 + 640, c);
            RecordingTailer tailer = RecordingTailer.open(file, 0, 1,
                    FAST.withIdleTimeout(c % 2 == 0 ? TailOptions.DEFAULT_IDLE : Duration.ofMillis(400)));
            Future<Outcome> reader = threads.submit(() -> drain(tailer, 3200));
            all.add(CompletableFuture.runAsync(() -> {
                try (tailer; MixMonitorWriter w = format == NB ? MixMonitorWriter.wav(file, format, null)
                        : MixMonitorRecordings.headerless(file, format)) {
                    w.writeRealTime(pcm, 40);
                    w.close();
                    Outcome out = reader.get(10, TimeUnit.SECONDS);
                    assertThat(out.audio()).isEqualTo(pcm);
                    assertThat(out.endReason()).isEqualTo(format == NB ? "recording closed" : "no growth for 400 ms");
                } catch (Exception e) {
                    throw new AssertionError(file + ": " + e, e);
                }
            }, threads));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    }

    @Test
    void notAWavFails() throws Exception {
        Path file = dir.resolve("junk.wav");
        Files.writeString(file, "<html>not audio</html>");
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST)) {
            assertThatThrownBy(tailer::format).isInstanceOf(AudioFormatException.class)
                    .hasMessage(file + ": not a WAV file (no RIFF header, starts with '<htm')");
        }
    }

    @Test
    void emptyFileEndsWithAClearReason() throws Exception {
        Path file = dir.resolve("empty.wav");
        Files.write(file, new byte[0]);
        try (RecordingTailer tailer = RecordingTailer.open(file, 0, 1, FAST.withIdleTimeout(Duration.ofMillis(100)))) {
            assertThatThrownBy(tailer::format).isInstanceOf(AudioFormatException.class)
                    .hasMessageContaining("empty.wav").hasMessageContaining("file stayed empty for 100 ms");
        }
    }
}
