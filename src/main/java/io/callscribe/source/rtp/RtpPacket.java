package io.callscribe.source.rtp;

/**
 * One RTP packet (RFC 3550) as far as callscribe needs it: sequence number, timestamp, SSRC, payload type
 * and the payload, with CSRCs, header extension and padding removed. {@link #parse} rejects by name.
 */
public record RtpPacket(int sequence, long timestamp, long ssrc, int payloadType, byte[] payload) {

    public static final int HEADER = 12;

    /** Why a datagram is not an RTP packet callscribe can take. */
    public static final class RtpFormatException extends Exception {
        public RtpFormatException(String message) {
            super(message);
        }
    }

    public static RtpPacket parse(byte[] data, int length) throws RtpFormatException {
        if (length < HEADER) {
            throw new RtpFormatException("datagram of " + length + " bytes is shorter than an RTP header (12)");
        }
        int b0 = data[0] & 0xFF;
        int version = b0 >>> 6;
        if (version != 2) {
            throw new RtpFormatException("RTP version " + version + ", expected 2");
        }
        boolean padding = (b0 & 0x20) != 0;
        boolean extension = (b0 & 0x10) != 0;
        int csrcs = b0 & 0x0F;
        int payloadType = data[1] & 0x7F;
        int sequence = ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        long timestamp = u32(data, 4);
        long ssrc = u32(data, 8);
        int start = HEADER + 4 * csrcs;
        if (start > length) {
            throw new RtpFormatException(csrcs + " CSRCs do not fit in a " + length + "-byte datagram");
        }
        if (extension) {
            if (start + 4 > length) {
                throw new RtpFormatException("header extension flag set but no extension header");
            }
            int words = ((data[start + 2] & 0xFF) << 8) | (data[start + 3] & 0xFF);
            start += 4 + 4 * words;
            if (start > length) {
                throw new RtpFormatException("header extension of " + words + " words runs past the datagram");
            }
        }
        int end = length;
        if (padding) {
            int pad = data[length - 1] & 0xFF;
            if (pad == 0 || end - pad < start) {
                throw new RtpFormatException("padding of " + pad + " bytes does not fit the payload");
            }
            end -= pad;
        }
        byte[] payload = new byte[end - start];
        System.arraycopy(data, start, payload, 0, payload.length);
        return new RtpPacket(sequence, timestamp, ssrc, payloadType, payload);
    }

    /** Writes a minimal header (no CSRC, no extension, no padding) and the payload; for tests and tools. */
    public static byte[] encode(int sequence, long timestamp, long ssrc, int payloadType, byte[] payload) {
        byte[] out = new byte[HEADER + payload.length];
        out[0] = (byte) 0x80;
        out[1] = (byte) (payloadType & 0x7F);
        out[2] = (byte) (sequence >>> 8);
        out[3] = (byte) sequence;
        for (int i = 0; i < 4; i++) {
            out[4 + i] = (byte) (timestamp >>> (24 - 8 * i));
            out[8 + i] = (byte) (ssrc >>> (24 - 8 * i));
        }
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        return out;
    }

    private static long u32(byte[] d, int at) {
        return ((long) (d[at] & 0xFF) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
    }
}
