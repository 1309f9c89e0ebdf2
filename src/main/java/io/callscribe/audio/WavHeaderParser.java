package io.callscribe.audio;


import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Parses RIFF/WAVE headers by walking the chunks up to {@code data} (fmt, LIST, fact, ... in any order),
 * so headers longer than the canonical 44 bytes work. Accepts 16-bit PCM, mono or 2-channel, plain or
 * WAVE_FORMAT_EXTENSIBLE; everything else is rejected with a message naming the file and the encoding.
 */
public final class WavHeaderParser {

    /** Headers larger than this (huge LIST chunks before the audio) are refused rather than buffered. */
    public static final int MAX_HEADER_BYTES = 1 << 20;

    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    private static final String ADVICE = "; record as wav/wav16/sln";

    private WavHeaderParser() {
    }

    /**
     * Parses the header from the first {@code length} bytes of a file.
     *
     * @param name shown in error messages (usually the file name)
     * @return the header, or {@code null} when the bytes end before the data chunk starts (still being written)
     * @throws AudioFormatException when the bytes are not a WAV file callscribe can read
     */
    public static WavHeader tryParse(String name, byte[] bytes, int length) throws AudioFormatException {
        if (length >= 4 && !ascii(bytes, 0, "RIFF")) {
            if (ascii(bytes, 0, "RIFX") || ascii(bytes, 0, "RF64")) {
                throw new AudioFormatException(name + ": " + new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)
                        + " WAV variant is not supported" + ADVICE);
            }
            throw new AudioFormatException(name + ": not a WAV file (no RIFF header" + describeStart(bytes, length) + ")");
        }
        if (length >= 12 && !ascii(bytes, 8, "WAVE")) {
            throw new AudioFormatException(name + ": RIFF file but not WAVE (form type '" + printable(bytes, 8, 4) + "')");
        }
        if (length < 12) {
            return null;
        }
        long riffSize = u32(bytes, 4);
        PcmFormat format = null;
        int pos = 12;
        while (true) {
            if (pos + 8 > length) {
                return checkLimit(name, pos);
            }
            String id = printable(bytes, pos, 4);
            long size = u32(bytes, pos + 4);
            int body = pos + 8;
            if (id.equals("data")) {
                if (format == null) {
                    throw new AudioFormatException(name + ": WAV data chunk comes before the fmt chunk");
                }
                long dataSizeField = u32(bytes, pos + 4);
                long riff = WavHeader.sizeField(riffSize);
                long data = riff == WavHeader.UNKNOWN || dataSizeField == 0xFFFF_FFFFL ? WavHeader.UNKNOWN : dataSizeField;
                return new WavHeader(format, body, pos + 4, riff, data);
            }
            if (id.equals("fmt ")) {
                if (size < 16) {
                    throw new AudioFormatException(name + ": WAV fmt chunk too short (" + size + " bytes)");
                }
                if (body + size > length) {
                    return checkLimit(name, body + size);
                }
                format = parseFormat(name, bytes, body, (int) size);
            }
            long next = body + size + (size & 1); // chunks are padded to even length
            if (next > MAX_HEADER_BYTES) {
                throw new AudioFormatException(name + ": no WAV data chunk within the first " + MAX_HEADER_BYTES
                        + " bytes (chunk '" + id + "' is " + size + " bytes)");
            }
            pos = (int) next;
        }
    }

    /**
     * Reads the header of a file that is expected to be complete.
     *
     * @throws AudioFormatException when the file is not a supported WAV or ends inside its header
     */
    public static WavHeader read(Path file) throws IOException {
        String name = file.toString();
        byte[] buf = new byte[4096];
        int len = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                WavHeader header = tryParse(name, buf, len);
                if (header != null) {
                    return header;
                }
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_HEADER_BYTES + 8));
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0 && len == 0) {
                    throw new AudioFormatException(name + ": not a WAV file (file is empty)");
                }
                if (n < 0) {
                    throw new AudioFormatException(name + ": WAV header is truncated (file ends after " + len
                            + " bytes, before the data chunk)");
                }
                len += n;
            }
        }
    }

    private static WavHeader checkLimit(String name, long needed) throws AudioFormatException {
        if (needed > MAX_HEADER_BYTES) {
            throw new AudioFormatException(name + ": no WAV data chunk within the first " + MAX_HEADER_BYTES + " bytes");
        }
        return null;
    }

    private static PcmFormat parseFormat(String name, byte[] b, int at, int size) throws AudioFormatException {
        int tag = u16(b, at);
        int channels = u16(b, at + 2);
        long rate = u32(b, at + 4);
        int blockAlign = u16(b, at + 12);
        int bits = u16(b, at + 14);
        int encoding = tag;
        if (tag == FORMAT_EXTENSIBLE) {
            if (size < 40) {
                throw new AudioFormatException(name + ": WAV extensible fmt chunk too short (" + size + " bytes)");
            }
            encoding = u16(b, at + 24); // first two bytes of the SubFormat GUID carry the classic tag
        }
        if (encoding != FORMAT_PCM) {
            throw new AudioFormatException(name + ": WAV encoding " + encodingName(encoding) + " (format "
                    + encoding + (tag == FORMAT_EXTENSIBLE ? ", extensible" : "") + ") is not supported" + ADVICE);
        }
        if (bits != 16) {
            throw new AudioFormatException(name + ": WAV " + bits + "-bit PCM is not supported (16-bit only)" + ADVICE);
        }
        if (channels < 1 || channels > 2) {
            throw new AudioFormatException(name + ": WAV with " + channels + " channels is not supported (mono or 2-channel only)");
        }
        if (rate < 1000 || rate > 384_000) {
            throw new AudioFormatException(name + ": WAV sample rate " + rate + " Hz is not supported");
        }
        if (blockAlign != 2 * channels) {
            throw new AudioFormatException(name + ": WAV block align " + blockAlign + " does not match "
                    + channels + " channel(s) of 16-bit PCM");
        }
        return new PcmFormat((int) rate, channels);
    }

    /** Names of the WAVE format tags one meets in telephony recordings. */
    static String encodingName(int tag) {
        return switch (tag) {
            case 0x0002 -> "MS ADPCM";
            case 0x0003 -> "IEEE float";
            case 0x0006 -> "a-law";
            case 0x0007 -> "mu-law";
            case 0x0011 -> "IMA ADPCM";
            case 0x0031 -> "GSM 6.10";
            case 0x0040 -> "G.721 ADPCM";
            case 0x0050 -> "MPEG";
            case 0x0055 -> "MP3";
            case 0x0064 -> "G.726 ADPCM";
            case 0x0065 -> "G.722 ADPCM";
            default -> String.format("0x%04X", tag);
        };
    }

    private static String describeStart(byte[] b, int len) {
        if (len <= 0) {
            return ", file is empty";
        }
        return ", starts with '" + printable(b, 0, Math.min(4, len)) + "'";
    }

    private static boolean ascii(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String printable(byte[] b, int at, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = b[at + i] & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return sb.toString();
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }
}
