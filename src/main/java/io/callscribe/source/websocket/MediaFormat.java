package io.callscribe.source.websocket;

import io.callscribe.audio.PcmFormat;

import java.util.Arrays;

/**
 * The audio formats callscribe takes over chan_websocket, by Asterisk format name (MEDIA_START's {@code format}):
 * signed linear {@code slin} (8 kHz), {@code slin12} ... {@code slin192} (host byte order: little-endian on the
 * x86 and ARM machines Asterisk runs on), and G.711 {@code ulaw} / {@code alaw} (8 kHz, decoded here). Anything
 * else (g722, opus, gsm, ...) is refused by name.
 */
public enum MediaFormat {
    SLIN("slin", 8000),
    SLIN12("slin12", 12000),
    SLIN16("slin16", 16000),
    SLIN24("slin24", 24000),
    SLIN32("slin32", 32000),
    SLIN44("slin44", 44100),
    SLIN48("slin48", 48000),
    SLIN96("slin96", 96000),
    SLIN192("slin192", 192000),
    ULAW("ulaw", 8000),
    ALAW("alaw", 8000);

    private final String asteriskName;
    private final int sampleRate;

    MediaFormat(String asteriskName, int sampleRate) {
        this.asteriskName = asteriskName;
        this.sampleRate = sampleRate;
    }

    /** The name Asterisk uses, in MEDIA_START and in the {@code c()} dial option. */
    public String asteriskName() {
        return asteriskName;
    }

    /** The PCM callscribe hands on: 16-bit mono at the format's rate. */
    public PcmFormat pcm() {
        return PcmFormat.mono(sampleRate);
    }

    /** Whether the wire carries 16-bit samples (slin*) rather than one byte per sample (G.711). */
    boolean linear() {
        return this != ULAW && this != ALAW;
    }

    /** The format Asterisk names {@code name}. */
    public static MediaFormat of(String name) throws MediaProtocolException {
        for (MediaFormat f : values()) {
            if (f.asteriskName.equals(name)) {
                return f;
            }
        }
        throw new MediaProtocolException("MEDIA_START format '" + MediaControlCodec.excerpt(name)
                + "' is not one callscribe can transcribe; dial with c(slin16) (or one of "
                + String.join(", ", Arrays.stream(values()).map(MediaFormat::asteriskName).toList()) + ")");
    }

    /**
     * One binary message as 16-bit little-endian PCM (a copy).
     *
     * @throws MediaProtocolException when a slin message is not whole 16-bit samples
     */
    public byte[] toPcm(byte[] data, int offset, int length) throws MediaProtocolException {
        return switch (this) {
            case ULAW -> G711.decode(data, offset, length, false);
            case ALAW -> G711.decode(data, offset, length, true);
            default -> {
                if (length % 2 != 0) {
                    throw new MediaProtocolException(asteriskName + " audio message of " + length
                            + " bytes: 16-bit samples need an even length");
                }
                yield Arrays.copyOfRange(data, offset, offset + length);
            }
        };
    }
}
