package io.callscribe.engine.sphinx;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Word error rate: word-level Levenshtein distance over the reference length, lowercase, punctuation removed. */
public final class WordErrorRate {

    private WordErrorRate() {
    }

    public static List<String> normalise(String text) {
        String cleaned = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]+", " ").trim();
        return cleaned.isEmpty() ? List.of() : Arrays.asList(cleaned.split("\\s+"));
    }

    /** Substitutions + deletions + insertions needed to turn the hypothesis into the reference. */
    public static int errors(String reference, String hypothesis) {
        List<String> ref = normalise(reference);
        List<String> hyp = normalise(hypothesis);
        int[] previous = new int[hyp.size() + 1];
        int[] current = new int[hyp.size() + 1];
        for (int j = 0; j <= hyp.size(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= ref.size(); i++) {
            current[0] = i;
            for (int j = 1; j <= hyp.size(); j++) {
                int substitute = previous[j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[hyp.size()];
    }

    /** Errors divided by the number of reference words (can exceed 1 with many insertions). */
    public static double of(String reference, String hypothesis) {
        int words = normalise(reference).size();
        if (words == 0) {
            throw new IllegalArgumentException("reference text has no words");
        }
        return (double) errors(reference, hypothesis) / words;
    }
}
