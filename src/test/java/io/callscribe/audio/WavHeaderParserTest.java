package io.callscribe.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WavHeaderParserTest {

    @TempDir
    Path dir;

    @Test
    void mixMonitorHeaderWhileRecordingHasUnknownSizes() throws Exception {
        byte[] h = MixMonitorWriter.header(PcmFormat.mono(8000), 0);
        WavHeader header = WavHeaderParser.tryParse("a.wav", h, h.length);
        assertThat(header.format()).isEqualTo(PcmFormat.mono(8000));
        assertThat(header.dataOffset()).isEqualTo(44);
        assertThat(header.dataSizeOffset()).isEqualTo(40);
        assertThat(header.finalised()).isFalse();
        assertThat(header.dataSize()).isEqualTo(WavHeader.UNKNOWN);
        assertThat(header.dataEnd()).isEqualTo(WavHeader.UNKNOWN);
    }

    @Test
    void finalisedHeaderDeclaresDataEnd() throws Exception {
        byte[] h = MixMonitorWriter.header(PcmFormat.mono(16000), 3200);
        WavHeader header = WavHeaderParser.tryParse("a.wav16", h, h.length);
        assertThat(header.format().sampleRate()).isEqualTo(16000);
        assertThat(header.finalised()).isTrue();
        assertThat(header.dataSize()).isEqualTo(3200);
        assertThat(header.dataEnd()).isEqualTo(44 + 3200);
    }

    @Test
    void streamingWriterSizesOfAllOnesAreUnknown() throws Exception {
        byte[] h = MixMonitorWriter.header(PcmFormat.mono(8000), 0);
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -1).putInt(40, -1);
        WavHeader header = WavHeaderParser.tryParse("s.wav", h, h.length);
        assertThat(header.finalised()).isFalse();
    }

    @Test
    void incompleteHeaderAsksForMoreBytes() throws Exception {
        byte[] h = MixMonitorWriter.header(PcmFormat.mono(8000), 0);
        for (int len = 0; len < 44; len++) {
            assertThat(WavHeaderParser.tryParse("a.wav", h, len)).as("%d bytes", len).isNull();
        }
    }

    @Test
    void walksListAndFactChunksBeforeData() throws Exception {
        byte[] wav = riff(fmt(1, 1, 8000, 16), chunk("LIST", "INFOISFT\u0005\u0000\u0000\u0000sox!\u0000"),
                chunk("fact", "\u0010\u0000\u0000\u0000"), dataChunk(16));
        Path f = dir.resolve("list.wav");
        Files.write(f, wav);
        WavHeader header = WavHeaderParser.read(f);
        assertThat(header.format()).isEqualTo(PcmFormat.mono(8000));
        assertThat(header.dataOffset()).isEqualTo(wav.length - 16);
        assertThat(header.dataEnd()).isEqualTo(wav.length);
    }

    @Test
    void oddSizedChunkIsPadded() throws Exception {
        byte[] wav = riff(fmt(1, 2, 8000, 16), chunk("junk", "abc"), dataChunk(8));
        WavHeader header = WavHeaderParser.tryParse("odd.raw", wav, wav.length);
        assertThat(header.format()).isEqualTo(new PcmFormat(8000, 2));
        assertThat(header.dataOffset()).isEqualTo(wav.length - 8);
    }

    @Test
    void extensiblePcmIsAccepted() throws Exception {
        byte[] wav = riff(extensible(1, 16000, 16, 1), dataChunk(4));
        WavHeader header = WavHeaderParser.tryParse("ext.wav", wav, wav.length);
        assertThat(header.format()).isEqualTo(PcmFormat.mono(16000));
    }

    @Test
    void extensibleFloatIsRejected() {
        byte[] wav = riff(extensible(1, 16000, 32, 3), dataChunk(4));
        assertThatThrownBy(() -> WavHeaderParser.tryParse("ext.wav", wav, wav.length))
                .isInstanceOf(AudioFormatException.class)
                .hasMessageContaining("ext.wav").hasMessageContaining("IEEE float").hasMessageContaining("extensible");
    }

    @Test
    void compressedEncodingsAreRejectedByName() {
        assertRejected(fmt(7, 1, 8000, 8), "x.wav: WAV encoding mu-law (format 7) is not supported; record as wav/wav16/sln");
        assertRejected(fmt(6, 1, 8000, 8), "a-law (format 6)");
        assertRejected(fmt(0x31, 1, 8000, 0), "GSM 6.10 (format 49)");
        assertRejected(fmt(3, 1, 8000, 32), "IEEE float (format 3)");
        assertRejected(fmt(0x99, 1, 8000, 16), "0x0099 (format 153)");
        assertRejected(fmt(1, 1, 8000, 8), "8-bit PCM is not supported");
        assertRejected(fmt(1, 6, 8000, 16), "6 channels");
    }

    @Test
    void garbageIsNotAWav() throws Exception {
        Path f = dir.resolve("notes.wav");
        Files.writeString(f, "hello, this is not audio at all");
        assertThatThrownBy(() -> WavHeaderParser.read(f))
                .isInstanceOf(AudioFormatException.class)
                .hasMessage(f + ": not a WAV file (no RIFF header, starts with 'hell')");
    }

    @Test
    void riffThatIsNotWave() {
        byte[] avi = "RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> WavHeaderParser.tryParse("m.wav", avi, avi.length))
                .hasMessageContaining("m.wav").hasMessageContaining("not WAVE");
    }

    @Test
    void truncatedHeaderOfAFinishedFile() throws Exception {
        Path f = dir.resolve("cut.wav");
        Files.write(f, Arrays.copyOf(MixMonitorWriter.header(PcmFormat.mono(8000), 0), 30));
        assertThatThrownBy(() -> WavHeaderParser.read(f))
                .isInstanceOf(AudioFormatException.class)
                .hasMessageContaining("cut.wav").hasMessageContaining("truncated");
        Path empty = dir.resolve("empty.wav");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> WavHeaderParser.read(empty)).hasMessageContaining("empty.wav").hasMessageContaining("empty");
    }

    @Test
    void dataBeforeFmtIsRejected() {
        byte[] wav = riff(dataChunk(4), fmt(1, 1, 8000, 16));
        assertThatThrownBy(() -> WavHeaderParser.tryParse("d.wav", wav, wav.length)).hasMessageContaining("before the fmt");
    }

    private static void assertRejected(byte[] fmtChunk, String message) {
        byte[] wav = riff(fmtChunk, dataChunk(4));
        assertThatThrownBy(() -> WavHeaderParser.tryParse("x.wav", wav, wav.length))
                .isInstanceOf(AudioFormatException.class).hasMessageContaining(message).hasMessageStartingWith("x.wav: ");
    }

    static byte[] fmt(int tag, int channels, int rate, int bits) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        int align = Math.max(1, channels * bits / 8);
        b.putShort((short) tag).putShort((short) channels).putInt(rate).putInt(rate * align).putShort((short) align)
                .putShort((short) bits);
        return chunk("fmt ", b.array());
    }

    static byte[] extensible(int channels, int rate, int bits, int subFormat) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        int align = channels * bits / 8;
        b.putShort((short) 0xFFFE).putShort((short) channels).putInt(rate).putInt(rate * align).putShort((short) align)
                .putShort((short) bits).putShort((short) 22).putShort((short) bits).putInt(channels == 1 ? 4 : 3)
                .putShort((short) subFormat).put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38,
                        (byte) 0x9B, 0x71});
        return chunk("fmt ", b.array());
    }

    static byte[] dataChunk(int size) {
        return chunk("data", new byte[size]);
    }

    static byte[] chunk(String id, String body) {
        return chunk(id, body.getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] chunk(String id, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length + (body.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(id.getBytes(StandardCharsets.US_ASCII)).putInt(body.length).put(body);
        return b.array();
    }

    static byte[] riff(byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int size = 4;
        for (byte[] c : chunks) {
            size += c.length;
        }
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        head.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(size).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(head.array());
        for (byte[] c : chunks) {
            out.writeBytes(c);
        }
        return out.toByteArray();
    }
}
