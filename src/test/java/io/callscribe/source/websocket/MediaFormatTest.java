package io.callscribe.source.websocket;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MediaFormatTest {

    @Test
    void asteriskNamesAndRates() throws Exception {
        assertThat(MediaFormat.of("slin").pcm().sampleRate()).isEqualTo(8000);
        assertThat(MediaFormat.of("slin16").pcm().sampleRate()).isEqualTo(16000);
        assertThat(MediaFormat.of("slin44").pcm().sampleRate()).isEqualTo(44100);
        assertThat(MediaFormat.of("slin192").pcm().sampleRate()).isEqualTo(192000);
        assertThat(MediaFormat.of("ulaw").pcm().sampleRate()).isEqualTo(8000);
        assertThat(MediaFormat.of("alaw").linear()).isFalse();
    }

    @Test
    void otherCodecsAreRefusedByName() {
        assertThatThrownBy(() -> MediaFormat.of("g722")).isInstanceOf(MediaProtocolException.class)
                .hasMessageContaining("format 'g722' is not one callscribe can transcribe; dial with c(slin16)");
        assertThatThrownBy(() -> MediaFormat.of("opus")).hasMessageContaining("'opus'");
    }

    @Test
    void slinIsCopiedAndMustBeWholeSamples() throws Exception {
        byte[] in = {9, 1, 2, 3, 4, 9};
        assertThat(MediaFormat.SLIN16.toPcm(in, 1, 4)).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> MediaFormat.SLIN16.toPcm(in, 0, 5)).isInstanceOf(MediaProtocolException.class)
                .hasMessageContaining("slin16 audio message of 5 bytes: 16-bit samples need an even length");
    }

    @Test
    void g711DecodesToTheItuValues() throws Exception {
        // mu-law: 0xff and 0x7f are the two zeros, 0x00 / 0x80 the extremes (+-32124)
        assertThat(G711.ulawToLinear(0xff)).isEqualTo((short) 0);
        assertThat(G711.ulawToLinear(0x7f)).isEqualTo((short) 0);
        assertThat(G711.ulawToLinear(0x00)).isEqualTo((short) -32124);
        assertThat(G711.ulawToLinear(0x80)).isEqualTo((short) 32124);
        assertThat(G711.ulawToLinear(0xf0)).isEqualTo((short) 120);
        // A-law: 0xd5 / 0x55 are +-8, 0xaa / 0x2a the extremes (+-32256)
        assertThat(G711.alawToLinear(0xd5)).isEqualTo((short) 8);
        assertThat(G711.alawToLinear(0x55)).isEqualTo((short) -8);
        assertThat(G711.alawToLinear(0xaa)).isEqualTo((short) 32256);
        assertThat(G711.alawToLinear(0x2a)).isEqualTo((short) -32256);
        // monotonic over each half of the mu-law code space
        for (int c = 0x80; c < 0xff; c++) {
            assertThat(G711.ulawToLinear(c)).isGreaterThan(G711.ulawToLinear(c + 1));
        }
        assertThat(MediaFormat.ULAW.toPcm(new byte[] {(byte) 0x80, (byte) 0xff}, 0, 2))
                .containsExactly(0x7c, 0x7d, 0, 0);
        assertThat(MediaFormat.ALAW.toPcm(new byte[] {(byte) 0xd5}, 0, 1)).containsExactly(8, 0);
    }
}
