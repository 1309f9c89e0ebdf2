package io.callscribe.source.audiosocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AudioSocketCodecTest {

    private final AudioSocketCodec codec = new AudioSocketCodec();

    private AudioSocketMessage roundTrip(AudioSocketMessage m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.write(out, m);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        AudioSocketMessage back = codec.read(in);
        assertThat(codec.read(in)).as("clean end after one message").isNull();
        return back;
    }

    @Test
    void uuidIsSixteenBigEndianBytes() throws IOException {
        UUID id = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");
        byte[] wire = AudioSocketCodec.encode(new AudioSocketMessage.Uuid(id));
        assertThat(wire).hasSize(19);
        assertThat(wire[0]).isEqualTo((byte) 0x01);
        assertThat(wire[1]).isEqualTo((byte) 0);
        assertThat(wire[2]).isEqualTo((byte) 16);
        assertThat(wire[3]).isEqualTo((byte) 0x01);
        assertThat(wire[18]).isEqualTo((byte) 0xef);
        assertThat(roundTrip(new AudioSocketMessage.Uuid(id))).isEqualTo(new AudioSocketMessage.Uuid(id));
    }

    @Test
    void hangupDtmfAndErrorRoundTrip() throws IOException {
        assertThat(roundTrip(new AudioSocketMessage.Hangup())).isEqualTo(new AudioSocketMessage.Hangup());
        assertThat(AudioSocketCodec.encode(new AudioSocketMessage.Hangup())).containsExactly(0, 0, 0);
        for (char d : "0123456789*#ABCD".toCharArray()) {
            assertThat(roundTrip(new AudioSocketMessage.Dtmf(d))).isEqualTo(new AudioSocketMessage.Dtmf(d));
        }
        assertThat(roundTrip(new AudioSocketMessage.Error(2))).isEqualTo(new AudioSocketMessage.Error(2));
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000})
    void audioRoundTripsAtEveryRate(int rate) throws IOException {
        byte[] pcm = new byte[rate / 50 * 2 > 30000 ? 30000 : rate / 50 * 2];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (byte) (i * 31);
        }
        AudioSocketMessage back = roundTrip(new AudioSocketMessage.Audio(rate, pcm));
        assertThat(back).isInstanceOf(AudioSocketMessage.Audio.class);
        AudioSocketMessage.Audio a = (AudioSocketMessage.Audio) back;
        assertThat(a.sampleRate()).isEqualTo(rate);
        assertThat(a.pcm()).isEqualTo(pcm);
    }

    @Test
    void kindsOfRates() {
        assertThat(AudioSocketCodec.kindForRate(8000)).isEqualTo(0x10);
        assertThat(AudioSocketCodec.kindForRate(16000)).isEqualTo(0x12);
        assertThat(AudioSocketCodec.kindForRate(192000)).isEqualTo(0x18);
        assertThat(AudioSocketCodec.rateForKind(0x15)).isEqualTo(44100);
        assertThat(AudioSocketCodec.rateForKind(0x19)).isEqualTo(-1);
        assertThatThrownBy(() -> AudioSocketCodec.kindForRate(11025)).hasMessageContaining("11025 Hz");
    }

    @Test
    void sequenceOfMessagesIsReadInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.write(out, new AudioSocketMessage.Uuid(new UUID(1, 2)));
        codec.write(out, new AudioSocketMessage.Audio(8000, new byte[320]));
        codec.write(out, new AudioSocketMessage.Dtmf('7'));
        codec.write(out, new AudioSocketMessage.Hangup());
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertThat(codec.read(in)).isInstanceOf(AudioSocketMessage.Uuid.class);
        assertThat(codec.read(in)).isInstanceOf(AudioSocketMessage.Audio.class);
        assertThat(codec.read(in)).isEqualTo(new AudioSocketMessage.Dtmf('7'));
        assertThat(codec.read(in)).isEqualTo(new AudioSocketMessage.Hangup());
        assertThat(codec.read(in)).isNull();
    }

    private void assertRejected(String problem, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(b)))
                .isInstanceOf(AudioSocketProtocolException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void malformedMessagesAreRejectedWithTheProblemNamed() {
        assertRejected("unknown message kind 0x7e", 0x7e, 0, 0);
        assertRejected("unknown message kind 0x02", 0x02, 0, 0);
        assertRejected("UUID message (0x01) with a 15-byte payload, expected 16", 0x01, 0, 15);
        assertRejected("DTMF message (0x03) with a 2-byte payload, expected 1", 0x03, 0, 2, '1', '2');
        assertRejected("DTMF message (0x03) with byte 0x7a, not a DTMF digit", 0x03, 0, 1, 'z');
        assertRejected("odd length of 3 bytes", 0x10, 0, 3, 1, 2, 3);
        assertRejected("hangup message (0x00) with a 1-byte payload", 0x00, 0, 1, 9);
        assertRejected("more than the 32768-byte limit", 0x10, 0x80, 0x02);
        assertRejected("stream ended inside the header of a message (kind 0x10)", 0x10, 0);
        assertRejected("got 2 of 320 payload bytes", 0x10, 0x01, 0x40, 1, 2);
    }

    @Test
    void payloadCapIsConfigurable() {
        AudioSocketCodec small = new AudioSocketCodec(640);
        byte[] wire = AudioSocketCodec.encode(new AudioSocketMessage.Audio(16000, new byte[642]));
        assertThatThrownBy(() -> small.read(new ByteArrayInputStream(wire)))
                .hasMessageContaining("642-byte payload, more than the 640-byte limit");
        assertThatThrownBy(() -> new AudioSocketCodec(70000)).isInstanceOf(IllegalArgumentException.class);
    }
}
