package io.callscribe.asr;

import io.callscribe.event.Word;
import java.util.List;

/** What a recogniser stream reports: a changing partial hypothesis, or a final utterance. */
public sealed interface RecognitionResult {

    /** The current hypothesis of the utterance in progress; replaced by the next partial or final. */
    record Partial(String text) implements RecognitionResult {
    }

    /**
     * An utterance the recogniser has closed (endpoint, reset or end of stream). {@code start} and
     * {@code end} are seconds of stream audio; they are NaN when the engine gave no word timings.
     * {@code alternatives} is empty unless alternatives were requested.
     */
    record Final(String text, double start, double end, List<Word> words, List<Alternative> alternatives)
            implements RecognitionResult {
        public Final {
            words = List.copyOf(words);
            alternatives = List.copyOf(alternatives);
        }

        public static Final of(String text, List<Word> words) {
            double start = words.isEmpty() ? Double.NaN : words.get(0).start();
            double end = words.isEmpty() ? Double.NaN : words.get(words.size() - 1).end();
            return new Final(text, start, end, words, List.of());
        }

        public boolean isEmpty() {
            return text.isBlank();
        }
    }

    /** One n-best alternative of a final result. */
    record Alternative(String text, double confidence, List<Word> words) {
        public Alternative {
            words = List.copyOf(words);
        }
    }
}
