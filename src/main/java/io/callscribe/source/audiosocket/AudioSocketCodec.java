package io.callscribe.source.audiosocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Reads and writes single AudioSocket messages. Strict: anything that does not fit the protocol is an
 * {@link AudioSocketProtocolException} naming the problem, so a confused peer is cut off early.
 */
public final class AudioSocketCodec {

    /** The wire length field is 16 bits. */
    public static final int PROTOCOL_MAX_PAYLOAD = 0xffff;

    /** 80 ms at 192 kHz, 2 s at 8 kHz: far above the 20 ms frames Asterisk sends, small enough to cap memory per read. */
    public static final int DEFAULT_MAX_PAYLOAD = 32 * 1024;

    private static final int[] RATES = {8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000};

    private final int maxPayload;

    public AudioSocketCodec() {
        this(DEFAULT_MAX_PAYLOAD);
    }

    public AudioSocketCodec(int maxPayload) {
        if (maxPayload < 16 || maxPayload > PROTOCOL_MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxPayload must be 16.." + PROTOCOL_MAX_PAYLOAD + ", got " + maxPayload);
        }
        this.maxPayload = maxPayload;
    }

    public int maxPayload() {
        return maxPayload;
    }

    /** The slin kind byte (0x10..0x18) for a sample rate. */
    public static int kindForRate(int sampleRate) {
        for (int i = 0; i < RATES.length; i++) {
            if (RATES[i] == sampleRate) {
                return AudioSocketMessage.KIND_SLIN_8K + i;
            }
        }
        throw new IllegalArgumentException("AudioSocket has no slin kind for " + sampleRate + " Hz");
    }

    /** The sample rate of a slin kind byte, or -1 when the kind is not audio. */
    public static int rateForKind(int kind) {
        int i = kind - AudioSocketMessage.KIND_SLIN_8K;
        return i >= 0 && i < RATES.length ? RATES[i] : -1;
    }

    /**
     * Reads one message. Returns null when the stream ends cleanly between messages.
     *
     * @throws AudioSocketProtocolException on a malformed message or an end of stream inside one
     */
    public AudioSocketMessage read(InputStream in) throws IOException {
        int kind = in.read();
        if (kind < 0) {
            return null;
        }
        int hi = in.read();
        int lo = hi < 0 ? -1 : in.read();
        if (lo < 0) {
            throw new AudioSocketProtocolException("stream ended inside the header of a message (kind " + hex(kind) + ")");
        }
        int length = (hi << 8) | lo;
        checkHeader(kind, length);
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new AudioSocketProtocolException("stream ended inside a message (kind " + hex(kind) + "): got "
                    + payload.length + " of " + length + " payload bytes");
        }
        return decode(kind, payload);
    }

    private void checkHeader(int kind, int length) throws AudioSocketProtocolException {
        if (length > maxPayload) {
            throw new AudioSocketProtocolException("message kind " + hex(kind) + " declares a " + length
                    + "-byte payload, more than the " + maxPayload + "-byte limit");
        }
        switch (kind) {
            case AudioSocketMessage.KIND_HANGUP -> {
                if (length != 0) {
                    throw new AudioSocketProtocolException("hangup message (0x00) with a " + length + "-byte payload, expected none");
                }
            }
            case AudioSocketMessage.KIND_UUID -> {
                if (length != 16) {
                    throw new AudioSocketProtocolException("UUID message (0x01) with a " + length + "-byte payload, expected 16");
                }
            }
            case AudioSocketMessage.KIND_DTMF -> {
                if (length != 1) {
                    throw new AudioSocketProtocolException("DTMF message (0x03) with a " + length + "-byte payload, expected 1");
                }
            }
            case AudioSocketMessage.KIND_ERROR -> {
                if (length > 1) {
                    throw new AudioSocketProtocolException("error message (0xff) with a " + length + "-byte payload, expected at most 1");
                }
            }
            default -> {
                if (rateForKind(kind) < 0) {
                    throw new AudioSocketProtocolException("unknown message kind " + hex(kind) + " (length " + length + ")");
                }
                if (length % 2 != 0) {
                    throw new AudioSocketProtocolException("audio message (kind " + hex(kind) + ") with an odd length of "
                            + length + " bytes; 16-bit samples need an even length");
                }
            }
        }
    }

    private static AudioSocketMessage decode(int kind, byte[] payload) throws AudioSocketProtocolException {
        return switch (kind) {
            case AudioSocketMessage.KIND_HANGUP -> new AudioSocketMessage.Hangup();
            case AudioSocketMessage.KIND_UUID -> {
                ByteBuffer b = ByteBuffer.wrap(payload);
                yield new AudioSocketMessage.Uuid(new UUID(b.getLong(), b.getLong()));
            }
            case AudioSocketMessage.KIND_DTMF -> {
                char digit = (char) (payload[0] & 0xff);
                if ("0123456789*#ABCDabcd".indexOf(digit) < 0) {
                    throw new AudioSocketProtocolException("DTMF message (0x03) with byte " + hex(payload[0] & 0xff)
                            + ", not a DTMF digit");
                }
                yield new AudioSocketMessage.Dtmf(Character.toUpperCase(digit));
            }
            case AudioSocketMessage.KIND_ERROR -> new AudioSocketMessage.Error(payload.length == 0 ? 0 : payload[0] & 0xff);
            default -> new AudioSocketMessage.Audio(rateForKind(kind), payload);
        };
    }

    /** Writes one message and flushes. */
    public void write(OutputStream out, AudioSocketMessage message) throws IOException {
        out.write(encode(message));
        out.flush();
    }

    /** The full wire form of one message. */
    public static byte[] encode(AudioSocketMessage message) {
        byte[] payload = switch (message) {
            case AudioSocketMessage.Hangup h -> new byte[0];
            case AudioSocketMessage.Uuid u -> ByteBuffer.allocate(16)
                    .putLong(u.id().getMostSignificantBits()).putLong(u.id().getLeastSignificantBits()).array();
            case AudioSocketMessage.Dtmf d -> new byte[] {(byte) d.digit()};
            case AudioSocketMessage.Audio a -> a.pcm();
            case AudioSocketMessage.Error e -> new byte[] {(byte) e.code()};
        };
        if (payload.length > PROTOCOL_MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the 65535-byte AudioSocket limit");
        }
        byte[] frame = new byte[3 + payload.length];
        frame[0] = (byte) message.kind();
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 3, payload.length);
        return frame;
    }

    static String hex(int b) {
        return String.format("0x%02x", b);
    }
}
