package io.callscribe.session;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayBufferTest {

    private static byte[] chunk(int index, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) index);
        return b;
    }

    private record Replayed(byte[] bytes, List<Integer> sizes) {
    }

    private static Replayed replay(ReplayBuffer buffer) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        buffer.replay((pcm, offset, length) -> {
            out.write(pcm, offset, length);
            sizes.add(length);
        });
        return new Replayed(out.toByteArray(), sizes);
    }

    @Test
    void audioBeyondTheMemoryLimitSpillsToDiskAndReplaysCompleteInItsOriginalChunks() throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        try (ReplayBuffer buffer = new ReplayBuffer(1000, "call-1")) {
            for (int i = 0; i < 10; i++) {
                byte[] c = chunk(i, 300);
                buffer.append(c, 0, c.length);
                sent.write(c);
            }
            assertThat(buffer.spilled()).isTrue();
            assertThat(buffer.size()).isEqualTo(3000);
            Replayed r = replay(buffer);
            assertThat(r.bytes()).isEqualTo(sent.toByteArray());
            assertThat(r.sizes()).containsOnly(300).hasSize(10);
        }
    }

    @Test
    void trimmingToAFinalsEndReplaysOnlyWhatFollowsIt() throws Exception {
        try (ReplayBuffer buffer = new ReplayBuffer(1000, "call-1")) {
            for (int i = 0; i < 10; i++) {
                byte[] c = chunk(i, 300);
                buffer.append(c, 0, c.length);
            }
            buffer.trimTo(1350); // a final ended in the middle of chunk 4
            assertThat(buffer.start()).isEqualTo(1350);
            Replayed r = replay(buffer);
            assertThat(r.bytes()).hasSize(1650);
            assertThat(r.bytes()[0]).isEqualTo((byte) 4);
            assertThat(r.sizes().get(0)).isEqualTo(150);

            buffer.trimTo(5000); // clamped to what was sent
            assertThat(buffer.size()).isZero();
            assertThat(buffer.spilled()).isFalse();
            byte[] next = chunk(42, 300);
            buffer.append(next, 0, next.length);
            assertThat(replay(buffer).bytes()).isEqualTo(next);
        }
    }
}
