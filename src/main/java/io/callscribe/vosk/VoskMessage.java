package io.callscribe.vosk;

import io.callscribe.asr.StreamOptions;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a Vosk client sends: an optional config first, then audio, with reset and eof. The server's
 * replies are {@link io.callscribe.asr.RecognitionResult}s (a partial, or a final with words and
 * alternatives), the same records every engine reports, so no copy between two result types is needed.
 * {@link VoskCodec} turns both directions into wire text and back.
 */
public sealed interface VoskMessage {

    /** {@code {"config": {...}}}; fields the client left out are empty and keep the server's defaults. */
    record Config(OptionalInt sampleRate, Optional<Boolean> words, OptionalInt maxAlternatives,
                  Optional<List<String>> phraseList) implements VoskMessage {
        public Config {
            phraseList = phraseList.map(List::copyOf);
        }

        /** Everything a stream asks for (phrases only when there are some). */
        public static Config of(StreamOptions options) {
            return new Config(OptionalInt.of(options.sampleRate()), Optional.of(options.words()),
                    options.maxAlternatives() > 0 ? OptionalInt.of(options.maxAlternatives()) : OptionalInt.empty(),
                    options.phraseList().isEmpty() ? Optional.empty() : Optional.of(options.phraseList()));
        }
    }

    /** A binary message: mono 16-bit little-endian PCM at the configured rate, whole samples. */
    record Audio(byte[] pcm) implements VoskMessage {
    }

    /** {@code {"eof" : 1}}: end of stream; the reply is the last final, then the server closes. */
    record Eof() implements VoskMessage {
    }

    /** {@code {"reset" : 1}}: end of the current utterance; the reply is its final, the connection stays. */
    record Reset() implements VoskMessage {
    }
}
