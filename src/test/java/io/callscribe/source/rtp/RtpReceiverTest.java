package io.callscribe.source.rtp;

import io.callscribe.source.AudioBufferFullException;
import io.callscribe.source.BufferLimits;
import io.callscribe.testing.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The receiver on a real UDP socket: reordered, duplicated, lost and foreign datagrams; "faulty run equals clean run". */
class RtpReceiverTest {

    private static byte[] payload(int n) {
        byte[] be = new byte[640];
        for (int i = 0; i < 320; i++) {
            int v = n * 1000 + i;
            be[2 * i] = (byte) (v >> 8);
            be[2 * i + 1] = (byte) v;
        }
        return be;
    }

    private static byte[] littleEndian(int n) {
        byte[] be = payload(n);
        byte[] le = new byte[be.length];
        for (int i = 0; i < be.length; i += 2) {
            le[i] = be[i + 1];
            le[i + 1] = be[i];
        }
        return le;
    }

    private static byte[] readAll(RtpReceiver r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = r.read(buf, 0, buf.length)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static void send(DatagramSocket s, RtpReceiver r, int seq) throws Exception {
        byte[] wire = RtpPacket.encode(seq, 320L * seq, 7, 118, payload(seq));
        s.send(new DatagramPacket(wire, wire.length, InetAddress.getLoopbackAddress(), r.port()));
    }

    @Test
    void faultyDeliveryGivesTheCleanAudioWithLossesAsSilence() throws Exception {
        int[] order = {0, 2, 1, 1, 3, 5, 4, 7, 8}; // swapped, duplicated, 6 lost
        try (DatagramSocket asterisk = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             RtpReceiver r = RtpReceiver.open("127.0.0.1", "test")) {
            r.expectFrom((InetSocketAddress) asterisk.getLocalSocketAddress());
            for (int seq : order) {
                send(asterisk, r, seq);
                Thread.sleep(5);
            }
            send(stranger, r, 6); // the lost packet, from someone else: dropped
            Thread.sleep(150);   // beyond the 60 ms hold
            r.stop();
            byte[] got = readAll(r);
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            for (int n = 0; n <= 8; n++) {
                want.writeBytes(n == 6 ? new byte[640] : littleEndian(n));
            }
            assertThat(got).isEqualTo(want.toByteArray());
            assertThat(r.endReason()).isEqualTo("stopped");
            assertThat(r.receivedSeconds()).isEqualTo(9 * 0.02, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void audioBeyondTheBufferLimitsEndsTheStreamWithAnErrorAfterTheAudioBeforeIt(@TempDir Path spill) throws Exception {
        try (CapturedLog log = CapturedLog.of(RtpReceiver.class);
             DatagramSocket asterisk = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             RtpReceiver r = RtpReceiver.open("127.0.0.1", "flood", new BufferLimits("--ari", 1, 1, spill))) {
            AtomicReference<String> endedWith = new AtomicReference<>();
            r.whenEnded(() -> endedWith.set(r.endReason()));
            int port = r.port();
            for (int seq = 0; seq <= 150; seq++) { // 3 s of 20 ms packets, nobody reading: 1 s in memory + 1 s on disk
                byte[] wire = RtpPacket.encode(seq, 320L * seq, 7, 118, payload(seq)); // to the port: the receiver closes it
                asterisk.send(new DatagramPacket(wire, wire.length, InetAddress.getLoopbackAddress(), port));
                Thread.sleep(1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> endedWith.get() != null);
            assertThat(endedWith.get()).startsWith("audio buffer full: more than 2 s of audio waiting for the recogniser");
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            assertThatThrownBy(() -> {
                int n;
                while ((n = r.read(buf, 0, buf.length)) >= 0) {
                    got.write(buf, 0, n);
                }
            }).isInstanceOf(AudioBufferFullException.class).hasMessageContaining("rtp flood on 127.0.0.1:" + port)
                    .hasMessageContaining("audio buffer full");
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            for (int n = 0; n < 100; n++) {
                want.writeBytes(littleEndian(n));
            }
            assertThat(got.toByteArray()).as("the first 2 s, in order").isEqualTo(want.toByteArray());
            assertThat(log.matching("audio buffer full")).singleElement().asString()
                    .contains("(--ari-buffer-seconds + --ari-max-spill-seconds)").contains("the 2.0 s received are transcribed");
            assertThat(log.withStackTrace()).isEmpty();
            assertThat(r.port()).as("the receiver stopped: its socket is closed").isEqualTo(-1);
            assertThat(r.receivedSeconds()).isEqualTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        }
    }
}
