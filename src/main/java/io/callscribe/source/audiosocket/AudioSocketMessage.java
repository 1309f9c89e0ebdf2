package io.callscribe.source.audiosocket;

import java.util.UUID;

/** One AudioSocket message: 1 byte kind, 2 bytes big-endian payload length, payload. */
public sealed interface AudioSocketMessage {

    int KIND_HANGUP = 0x00;
    int KIND_UUID = 0x01;
    int KIND_DTMF = 0x03;
    int KIND_SLIN_8K = 0x10;
    int KIND_ERROR = 0xff;

    /** The wire kind byte of this message. */
    int kind();

    /** The peer hangs up; no payload. */
    record Hangup() implements AudioSocketMessage {
        public int kind() {
            return KIND_HANGUP;
        }
    }

    /** The call id, always the first message Asterisk sends. */
    record Uuid(UUID id) implements AudioSocketMessage {
        public int kind() {
            return KIND_UUID;
        }
    }

    /** A DTMF digit (0-9, *, #, A-D) as one ASCII byte. */
    record Dtmf(char digit) implements AudioSocketMessage {
        public int kind() {
            return KIND_DTMF;
        }
    }

    /** One voice frame of signed 16-bit little-endian mono PCM at {@code sampleRate}. */
    record Audio(int sampleRate, byte[] pcm) implements AudioSocketMessage {
        public Audio {
            AudioSocketCodec.kindForRate(sampleRate); // rejects rates the protocol cannot carry
            if (pcm.length % 2 != 0) {
                throw new IllegalArgumentException("audio payload must be whole 16-bit samples, got " + pcm.length + " bytes");
            }
        }

        public int kind() {
            return AudioSocketCodec.kindForRate(sampleRate);
        }
    }

    /** Asterisk reports an error; {@code code} is the payload byte (0 when the payload was empty). */
    record Error(int code) implements AudioSocketMessage {
        public int kind() {
            return KIND_ERROR;
        }
    }
}
