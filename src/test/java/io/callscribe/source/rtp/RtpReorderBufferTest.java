package io.callscribe.source.rtp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The RTP reorder buffer on crafted streams: each packet carries 20 ms (320 samples) whose every sample is the
 * packet's number, so the output shows which packet (or a silence fill, 0) ended up where.
 */
class RtpReorderBufferTest {

    private static final long MS = 1_000_000L;
    private static final int SAMPLES = 320;

    /** Packet {@code n}'s payload: big-endian samples all equal to {@code n + 1}. */
    private static RtpPacket packet(int seq, int n) {
        byte[] be = new byte[SAMPLES * 2];
        for (int i = 0; i < SAMPLES; i++) {
            be[2 * i] = (byte) ((n + 1) >> 8);
            be[2 * i + 1] = (byte) (n + 1);
        }
        return new RtpPacket(seq & 0xFFFF, 320L * n, 0x1234, 118, be);
    }

    /** Which packet each 20 ms of output came from: its number, or -1 for silence. */
    private static List<Integer> packets(List<byte[]> pcm) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        pcm.forEach(all::writeBytes);
        byte[] b = all.toByteArray();
        assertThat(b.length % (SAMPLES * 2)).isZero();
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < b.length; p += SAMPLES * 2) {
            int v = (b[p] & 0xFF) | (b[p + 1] << 8); // little-endian out
            for (int i = 0; i < SAMPLES; i++) {
                assertThat((b[p + 2 * i] & 0xFF) | (b[p + 2 * i + 1] << 8)).isEqualTo(v);
            }
            out.add(v - 1);
        }
        return out;
    }

    @Test
    void inOrderPacketsPlayAtOnceAsLittleEndian() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            List<byte[]> now = r.offer(packet(1000 + n, n), n * 20 * MS);
            assertThat(packets(now)).containsExactly(n);
            out.addAll(now);
        }
        assertThat(packets(out)).containsExactly(0, 1, 2, 3, 4);
        assertThat(r.lostPackets() + r.duplicates() + r.late()).isZero();
    }

    @Test
    void swappedPacketsComeOutInSequenceOrder() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(10, 0), 0));
        assertThat(r.offer(packet(12, 2), 20 * MS)).isEmpty(); // 11 is missing: held
        out.addAll(r.offer(packet(11, 1), 25 * MS));
        out.addAll(r.offer(packet(13, 3), 40 * MS));
        assertThat(packets(out)).containsExactly(0, 1, 2, 3);
        assertThat(r.lostPackets()).isZero();
    }

    @Test
    void aLostPacketBecomesSilenceOnceTheHoldBoundIsReached() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(10, 0), 0));
        assertThat(r.offer(packet(12, 2), 40 * MS)).isEmpty();
        assertThat(r.offer(packet(13, 3), 60 * MS)).isEmpty();
        assertThat(r.poll(99 * MS)).as("held less than 60 ms").isEmpty();
        out.addAll(r.poll(100 * MS)); // packet 12 has waited 60 ms
        assertThat(packets(out)).containsExactly(0, -1, 2, 3);
        assertThat(r.lostPackets()).isEqualTo(1);
        // 11 arriving now is too late: its place was filled.
        assertThat(r.offer(packet(11, 1), 110 * MS)).isEmpty();
        assertThat(r.late()).isEqualTo(1);
    }

    @Test
    void noPacketIsHeldLongerThan60MsEvenWhileOthersKeepArriving() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        r.offer(packet(0, 0), 0);
        List<byte[]> out = new ArrayList<>();
        long releasedAt = -1;
        for (int n = 2; n < 10; n++) { // 1 never comes
            List<byte[]> now = r.offer(packet(n, n), n * 20 * MS);
            if (!now.isEmpty() && releasedAt < 0) {
                releasedAt = n * 20 * MS;
            }
            out.addAll(now);
        }
        assertThat(releasedAt).as("packet 2 arrived at 40 ms and left at").isEqualTo(100 * MS);
        assertThat(packets(out)).containsExactly(-1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void duplicatesArePlayedOnce() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(5, 0), 0));
        out.addAll(r.offer(packet(5, 0), 1 * MS));       // already played
        out.addAll(r.offer(packet(7, 2), 40 * MS));
        out.addAll(r.offer(packet(7, 2), 41 * MS));      // duplicate while held
        out.addAll(r.offer(packet(6, 1), 42 * MS));
        assertThat(packets(out)).containsExactly(0, 1, 2);
        assertThat(r.duplicates() + r.late()).isEqualTo(2);
    }

    @Test
    void sequenceNumbersWrapAround() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>();
        out.addAll(r.offer(packet(65534, 0), 0));
        out.addAll(r.offer(packet(0, 2), 20 * MS));
        out.addAll(r.offer(packet(65535, 1), 25 * MS));
        out.addAll(r.offer(packet(1, 3), 40 * MS));
        assertThat(packets(out)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void theFirstPacketPlaysAtOnceAndAnEarlierOneIsLate() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(101, 1), 0));
        out.addAll(r.offer(packet(100, 0), 5 * MS));
        out.addAll(r.offer(packet(102, 2), 20 * MS));
        assertThat(packets(out)).containsExactly(1, 2);
        assertThat(r.late()).isEqualTo(1);
    }

    @Test
    void drainFillsGapsAndPlaysEverythingHeld() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(0, 0), 0));
        r.offer(packet(3, 3), 10 * MS);
        r.offer(packet(2, 2), 20 * MS);
        out.addAll(r.drain());
        assertThat(packets(out)).containsExactly(0, -1, 2, 3);
    }

    @Test
    void aHugeSequenceJumpIsANewStartNotMinutesOfSilence() {
        RtpReorderBuffer r = RtpReorderBuffer.defaults();
        List<byte[]> out = new ArrayList<>(r.offer(packet(0, 0), 0));
        out.addAll(r.offer(packet(5000, 1), 20 * MS));
        out.addAll(r.poll(100 * MS));
        assertThat(packets(out)).containsExactly(0, 1);
    }

    @Test
    void theCodecReadsHeadersAndRejectsByName() throws Exception {
        byte[] payload = {1, 2, 3, 4};
        byte[] wire = RtpPacket.encode(65000, 123456789L, 0xCAFEBABEL, 118, payload);
        RtpPacket p = RtpPacket.parse(wire, wire.length);
        assertThat(p.sequence()).isEqualTo(65000);
        assertThat(p.timestamp()).isEqualTo(123456789L);
        assertThat(p.ssrc()).isEqualTo(0xCAFEBABEL);
        assertThat(p.payloadType()).isEqualTo(118);
        assertThat(p.payload()).containsExactly(payload);

        assertThatThrownBy(() -> RtpPacket.parse(wire, 8)).hasMessageContaining("shorter than an RTP header");
        byte[] v1 = wire.clone();
        v1[0] = 0x40;
        assertThatThrownBy(() -> RtpPacket.parse(v1, v1.length)).hasMessageContaining("RTP version 1");
        byte[] csrc = wire.clone();
        csrc[0] = (byte) 0x8F; // 15 CSRCs in a 16-byte datagram
        assertThatThrownBy(() -> RtpPacket.parse(csrc, csrc.length)).hasMessageContaining("CSRCs do not fit");
        byte[] pad = wire.clone();
        pad[0] = (byte) 0xA0;
        pad[pad.length - 1] = 9;
        assertThatThrownBy(() -> RtpPacket.parse(pad, pad.length)).hasMessageContaining("padding of 9 bytes");
    }
}
