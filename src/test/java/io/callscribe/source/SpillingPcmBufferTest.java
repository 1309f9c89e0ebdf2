package io.callscribe.source;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpillingPcmBufferTest {

    @TempDir
    Path dir;

    private static byte[] chunk(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 13 + i);
        }
        return b;
    }

    @Test
    void keepsOrderAcrossMemorySpillAndCatchUpCycles() throws Exception {
        List<Long> spills = new ArrayList<>();
        SpillingPcmBuffer buf = new SpillingPcmBuffer(1000, dir, "t-", (f, mem) -> spills.add(mem));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] r = new byte[333]; // odd on purpose: reads must still return whole samples
        int seed = 0;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 12; i++) { // 12 x 320 bytes: beyond the 1000-byte memory limit
                byte[] c = chunk(seed++, 320);
                expected.write(c);
                buf.write(c);
            }
            for (int i = 0; i < 4; i++) { // partial catch-up, then more writes go to the spill file
                int n = buf.read(r, 0, r.length);
                assertThat(n % 2).isZero();
                got.write(r, 0, n);
            }
        }
        buf.end();
        int n;
        while ((n = buf.read(r, 0, r.length)) >= 0) {
            got.write(r, 0, n);
        }
        assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(spills).as("spilling is reported once").containsExactly(960L);
        assertThat(buf.backlog()).isZero();
        buf.close();
    }

    @Test
    void failureIsThrownAfterTheBufferedAudio() throws Exception {
        SpillingPcmBuffer buf = new SpillingPcmBuffer(1000, dir, "t-", (f, mem) -> {
        });
        buf.write(chunk(1, 4));
        buf.fail(new IOException("bad frame"));
        byte[] r = new byte[10];
        assertThat(buf.read(r, 0, 10)).isEqualTo(4);
        assertThatThrownBy(() -> buf.read(r, 0, 10)).isInstanceOf(IOException.class).hasMessage("bad frame");
    }

    @Test
    void aChunkReaderIsWokenOncePerChunkNotPerFrameAndEndReleasesItWithTheRest() throws Exception {
        SpillingPcmBuffer buf = new SpillingPcmBuffer(1 << 20, dir, "t-", (f, mem) -> { });
        java.util.concurrent.CompletableFuture<Integer> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return buf.readAtLeast(new byte[3200], 0, 3200, 3200);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        for (int i = 0; i < 9; i++) {
            buf.write(chunk(i, 320));
            Thread.sleep(5);
            assertThat(first).as("woken before its chunk was complete").isNotDone();
        }
        buf.write(chunk(9, 320));
        assertThat(first.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(3200);

        buf.write(chunk(10, 640));
        buf.end(); // hangup with less than a chunk buffered: the reader gets it, then the end
        byte[] rest = new byte[3200];
        assertThat(buf.readAtLeast(rest, 0, 3200, 3200)).isEqualTo(640);
        assertThat(buf.readAtLeast(rest, 0, 3200, 3200)).isEqualTo(-1);
    }

    @Test
    void audioBeyondTheCapacityIsRefusedWholeAndWhatCameBeforeStaysInOrder() throws Exception {
        SpillingPcmBuffer buf = new SpillingPcmBuffer(640, 1600, dir, "t-", (f, mem) -> { });
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 5; i++) { // 5 x 320 = 1600 bytes: memory (640) and spill (960), exactly the capacity
            byte[] c = chunk(i, 320);
            expected.write(c);
            assertThat(buf.write(c)).isTrue();
        }
        assertThat(buf.write(chunk(5, 2))).as("one sample beyond the capacity").isFalse();
        assertThat(buf.totalWritten()).isEqualTo(1600);
        assertThat(buf.backlog()).isEqualTo(1600);
        byte[] r = new byte[500];
        int n = buf.read(r, 0, r.length); // the reader catches up a little: there is room again
        assertThat(buf.write(chunk(6, 320))).isTrue();
        expected.write(chunk(6, 320));
        buf.end();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.write(r, 0, n);
        while ((n = buf.read(r, 0, r.length)) >= 0) {
            got.write(r, 0, n);
        }
        assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
        assertThatThrownBy(() -> new SpillingPcmBuffer(1000, 999, dir, "t-", (f, mem) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity 999 is below its memory limit 1000");
        buf.close();
    }

    @Test
    void bufferLimitsNameTheirSettingsWhenWrong() {
        assertThatThrownBy(() -> BufferLimits.of("--websocket", 0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--websocket-buffer-seconds must be at least 1, got 0");
        assertThatThrownBy(() -> BufferLimits.of("--ari", 60, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--ari-max-spill-seconds must be 0 or more, got -1");
        BufferLimits l = BufferLimits.of("--ari", 2, 3);
        assertThat(l.totalSeconds()).isEqualTo(5);
        assertThat(l.capacityBytes(io.callscribe.audio.PcmFormat.mono(16000))).isEqualTo(5 * 32000);
        assertThat(l.settings()).isEqualTo("--ari-buffer-seconds + --ari-max-spill-seconds");
    }
}
