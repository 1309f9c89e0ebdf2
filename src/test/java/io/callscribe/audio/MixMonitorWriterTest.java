package io.callscribe.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MixMonitorWriterTest {

    @TempDir
    Path dir;

    @Test
    void growsInWholeBufferStepsAndFinalisesTheHeaderOnClose() throws Exception {
        Path file = dir.resolve("r.wav");
        List<Long> flushes = new ArrayList<>();
        byte[] pcm = new byte[100_000];
        Arrays.fill(pcm, (byte) 3);
        try (MixMonitorWriter w = MixMonitorWriter.wav(file, PcmFormat.mono(8000), (size, t) -> flushes.add(size))) {
            w.write(pcm, 0, 32_000);
            assertThat(Files.size(file)).as("nothing before the first full buffer").isZero();
            w.write(pcm, 32_000, 68_000);
            assertThat(Files.size(file)).isEqualTo(3 * 32768);
            WavHeader open = WavHeaderParser.read(file);
            assertThat(open.finalised()).isFalse();
            assertThat(open.dataOffset()).isEqualTo(44);
        }
        assertThat(flushes).containsExactly(32768L, 65536L, 98304L, 100_044L);
        assertThat(Files.size(file)).isEqualTo(100_044);
        WavHeader closed = WavHeaderParser.read(file);
        assertThat(closed.finalised()).isTrue();
        assertThat(closed.dataSize()).isEqualTo(100_000);
        assertThat(closed.riffSize()).isEqualTo(100_036);
        assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 44, 100_044)).isEqualTo(pcm);
    }

    @Test
    void headerlessModeWritesOnlyAudio() throws Exception {
        Path file = dir.resolve("r.sln16");
        byte[] pcm = new byte[PcmFormat.mono(16000).bytesFor(100)];
        new java.util.Random(1).nextBytes(pcm);
        try (MixMonitorWriter w = MixMonitorRecordings.headerless(file, PcmFormat.mono(16000))) {
            w.writeRealTime(new ByteArrayInputStream(pcm), 100);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(pcm);
    }

    @Test
    void emptyRecordingClosesWithAValidHeader() throws Exception {
        Path file = dir.resolve("e.wav");
        MixMonitorWriter.wav(file, PcmFormat.mono(8000), null).close();
        WavHeader h = WavHeaderParser.read(file);
        assertThat(h.finalised()).isTrue();
        assertThat(h.dataEnd()).isEqualTo(44);
    }
}
