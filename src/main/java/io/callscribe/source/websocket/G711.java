package io.callscribe.source.websocket;

/** G.711 mu-law and A-law to 16-bit linear PCM (ITU-T G.711), as 256-entry tables. */
final class G711 {

    private static final short[] ULAW = new short[256];
    private static final short[] ALAW = new short[256];

    static {
        for (int i = 0; i < 256; i++) {
            ULAW[i] = ulaw(i);
            ALAW[i] = alaw(i);
        }
    }

    private G711() {
    }

    private static short ulaw(int code) {
        int u = ~code & 0xff;
        int magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
        return (short) ((u & 0x80) != 0 ? -magnitude : magnitude);
    }

    private static short alaw(int code) {
        int a = code ^ 0x55;
        int segment = (a & 0x70) >> 4;
        int magnitude = (a & 0x0f) << 4;
        magnitude = switch (segment) {
            case 0 -> magnitude + 8;
            case 1 -> magnitude + 0x108;
            default -> (magnitude + 0x108) << (segment - 1);
        };
        return (short) ((a & 0x80) != 0 ? magnitude : -magnitude);
    }

    static short ulawToLinear(int code) {
        return ULAW[code & 0xff];
    }

    static short alawToLinear(int code) {
        return ALAW[code & 0xff];
    }

    /** Decodes {@code length} bytes of mu-law (or A-law) into 16-bit little-endian PCM, two bytes per input byte. */
    static byte[] decode(byte[] in, int offset, int length, boolean aLaw) {
        short[] table = aLaw ? ALAW : ULAW;
        byte[] out = new byte[length * 2];
        for (int i = 0; i < length; i++) {
            short s = table[in[offset + i] & 0xff];
            out[2 * i] = (byte) s;
            out[2 * i + 1] = (byte) (s >> 8);
        }
        return out;
    }
}
