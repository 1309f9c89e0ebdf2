package io.callscribe.audio;

/**
 * What callscribe needs from a RIFF/WAVE header: where the samples start and how they are encoded.
 *
 * @param format           16-bit PCM layout of the data chunk
 * @param dataOffset       file offset of the first audio byte
 * @param dataSizeOffset   file offset of the data chunk's 4-byte size field (re-read while a recording grows)
 * @param riffSize         declared RIFF size, or {@link #UNKNOWN} while the writer has not filled it in
 * @param dataSize         declared data size, or {@link #UNKNOWN} while the writer has not filled it in
 */
public record WavHeader(PcmFormat format, long dataOffset, long dataSizeOffset, long riffSize, long dataSize) {

    /** A size field that is 0 or 0xFFFFFFFF: Asterisk leaves 0 until close, streaming writers use 0xFFFFFFFF. */
    public static final long UNKNOWN = -1;

    /** Offset of the RIFF size field. */
    public static final int RIFF_SIZE_OFFSET = 4;

    /** The header Asterisk MixMonitor and most simple writers produce: RIFF, fmt (16 bytes), data. */
    public static final int CANONICAL_SIZE = 44;

    /**
     * True once the writer has written the real sizes (MixMonitor does so when the recording closes).
     * A closed empty recording has RIFF size 36 and data size 0, so the RIFF size decides.
     */
    public boolean finalised() {
        return riffSize != UNKNOWN;
    }

    /**
     * File offset just past the last audio byte, or {@link #UNKNOWN} while not finalised.
     * Falls back to the RIFF end when only the RIFF size is written yet (Asterisk writes it first).
     */
    public long dataEnd() {
        if (!finalised()) {
            return UNKNOWN;
        }
        if (dataSize != UNKNOWN && (dataSize > 0 || riffSize + 8 <= dataOffset)) {
            return dataOffset + dataSize;
        }
        return Math.max(dataOffset, riffSize + 8);
    }

    /** The declared data size as a 32-bit field value, mapped to {@link #UNKNOWN} for 0 and 0xFFFFFFFF. */
    public static long sizeField(long unsigned32) {
        return unsigned32 == 0 || unsigned32 == 0xFFFF_FFFFL ? UNKNOWN : unsigned32;
    }

    /** A copy with sizes re-read from the file (the header layout itself never changes). */
    public WavHeader withSizes(long riffSizeField, long dataSizeField) {
        long riff = sizeField(riffSizeField);
        long data = riff == UNKNOWN ? UNKNOWN : (dataSizeField == 0xFFFF_FFFFL ? UNKNOWN : dataSizeField);
        return new WavHeader(format, dataOffset, dataSizeOffset, riff, data);
    }
}
