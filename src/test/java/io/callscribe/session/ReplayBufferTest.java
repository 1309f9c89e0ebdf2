package io.callscribe.session;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

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

    @Test
    void resetMarksReplayWhereTheyWereSentAndGoWithTheAudioBeforeThem() throws Exception {
        try (ReplayBuffer buffer = new ReplayBuffer(500, "call-1")) { // small: chunks spill around the marks
            List<String> log = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] c = chunk(i, 300);
                buffer.append(c, 0, c.length);
                if (i % 2 == 1) {
                    buffer.markReset();
                }
            }
            ReplayBuffer.Sink sink = new ReplayBuffer.Sink() {
                @Override
                public void send(byte[] pcm, int offset, int length) {
                    log.add("audio " + pcm[offset] + "x" + length);
                }

                @Override
                public void reset() {
                    log.add("reset");
                }
            };
            buffer.replay(sink);
            assertThat(log).containsExactly("audio 0x300", "audio 1x300", "reset", "audio 2x300", "audio 3x300", "reset",
                    "audio 4x300", "audio 5x300", "reset");
            assertThat(buffer.size()).isEqualTo(1800);

            log.clear();
            buffer.trimTo(600); // a final ended exactly at the first reset: that utterance is done, its mark too
            buffer.replay(sink);
            assertThat(log).containsExactly("audio 2x300", "audio 3x300", "reset", "audio 4x300", "audio 5x300", "reset");
        }
    }

    @Test
    void appendsTrimsResetsAndSpillsInAnyOrderReplayExactlyWhatWasSentAfterTheLastTrim() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            int limit = seed % 4 == 0 ? 0 : 500 + random.nextInt(40_000); // small limits spill, 0 spills everything
            try (ReplayBuffer buffer = new ReplayBuffer(limit, "call-" + seed)) {
                ByteArrayOutputStream all = new ByteArrayOutputStream(); // every byte sent, at its offset
                List<String> expected = new ArrayList<>(); // the chunks and resets held, as "offset+length" or "reset@offset"
                long start = 0;
                for (int step = 0; step < 400; step++) {
                    int action = random.nextInt(10);
                    if (action < 6) {
                        byte[] c = new byte[1 + random.nextInt(9000)];
                        random.nextBytes(c);
                        expected.add(all.size() + "+" + c.length);
                        buffer.append(c, 0, c.length);
                        all.write(c);
                    } else if (action < 7) {
                        buffer.markReset();
                        expected.add("reset@" + all.size());
                    } else if (action < 9) {
                        start = Math.min(all.size(), start + random.nextInt(20_000));
                        buffer.trimTo(start);
                    } else {
                        assertReplays(buffer, all.toByteArray(), start, expected, "seed " + seed + " step " + step);
                    }
                    assertThat(buffer.size()).isEqualTo(all.size() - start);
                    assertThat(buffer.memoryBytes()).isLessThanOrEqualTo(limit);
                }
                assertReplays(buffer, all.toByteArray(), start, expected, "seed " + seed + " at the end");
            }
        }
    }

    /** What a replay must send: the held chunks as sent (the first cut at start), resets after start. */
    private static void assertReplays(ReplayBuffer buffer, byte[] all, long start, List<String> held, String where)
            throws Exception {
        List<String> want = new ArrayList<>();
        ByteArrayOutputStream wantBytes = new ByteArrayOutputStream();
        for (String h : held) {
            if (h.startsWith("reset@")) {
                if (Long.parseLong(h.substring(6)) > start) {
                    want.add("reset");
                }
                continue;
            }
            long offset = Long.parseLong(h.substring(0, h.indexOf('+')));
            int length = Integer.parseInt(h.substring(h.indexOf('+') + 1));
            if (offset + length <= start) {
                continue;
            }
            int from = (int) Math.max(offset, start);
            want.add("audio " + (offset + length - from));
            wantBytes.write(all, from, (int) (offset + length - from));
        }
        List<String> got = new ArrayList<>();
        ByteArrayOutputStream gotBytes = new ByteArrayOutputStream();
        buffer.replay(new ReplayBuffer.Sink() {
            @Override
            public void send(byte[] pcm, int offset, int length) {
                got.add("audio " + length);
                gotBytes.write(pcm, offset, length);
            }

            @Override
            public void reset() {
                got.add("reset");
            }
        });
        assertThat(got).as(where).isEqualTo(want);
        assertThat(gotBytes.toByteArray()).as(where).isEqualTo(wantBytes.toByteArray());
    }
}
