package io.callscribe.store;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Words of a search and where they occur in a line. Both stores stem English words ("refunds" finds "refund"), so
 * a word of the line matches a search word when they are equal or share a stem by the same rough rules.
 */
final class Highlighter {

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private Highlighter() {
    }

    /** The search words of {@code text}, lower case, at most 16 of them. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find() && words.size() < 16) {
            String w = m.group().toLowerCase(Locale.ROOT);
            if (!words.contains(w)) {
                words.add(w);
            }
        }
        return words;
    }

    /** Character ranges [start, end) of {@code line} whose word matches one of {@code words}. */
    static List<int[]> spans(String line, List<String> words) {
        Set<String> stems = new HashSet<>();
        for (String w : words) {
            stems.add(stem(w));
        }
        List<int[]> spans = new ArrayList<>();
        Matcher m = WORD.matcher(line);
        while (m.find()) {
            String w = m.group().toLowerCase(Locale.ROOT);
            if (stems.contains(stem(w))) {
                spans.add(new int[]{m.start(), m.end()});
            }
        }
        return spans;
    }

    /** How many different words of the line matched: a line with both search words beats one with one twice. */
    static int distinctHits(String line, List<int[]> spans) {
        Set<String> seen = new HashSet<>();
        for (int[] s : spans) {
            seen.add(stem(line.substring(s[0], s[1]).toLowerCase(Locale.ROOT)));
        }
        return seen.size();
    }

    /** How often each search word (by its stem) occurs among {@code spans} of {@code line}. */
    static java.util.Map<String, Integer> stemCounts(String line, List<int[]> spans) {
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        for (int[] s : spans) {
            counts.merge(stem(line.substring(s[0], s[1]).toLowerCase(Locale.ROOT)), 1, Integer::sum);
        }
        return counts;
    }

    /** The number of words in {@code line}. */
    static int wordCount(String line) {
        int n = 0;
        Matcher m = WORD.matcher(line);
        while (m.find()) {
            n++;
        }
        return n;
    }

    static String stem(String w) {
        for (String suffix : new String[]{"ing", "ed", "es", "ly", "s"}) {
            if (w.length() > suffix.length() + 2 && w.endsWith(suffix)) {
                return w.substring(0, w.length() - suffix.length());
            }
        }
        return w;
    }
}
