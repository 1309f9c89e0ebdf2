package io.callscribe.testing.asterisk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which parts of the audio a party played are found, sample for sample, in the audio callscribe received from it
 * (the kept audio of each call the party was in, {@code --keep-audio}): at 16 kHz end to end (ARI originate with
 * {@code formats=slin16}) the snoop hands Asterisk's frames on unchanged, so every sample played and heard is there
 * exactly, at some offset. Speech is every 50 ms block of the played clip louder than {@link #SPEECH_LEVEL}; a block
 * is heard when all its loud samples are found in one of the received streams at one offset.
 */
public final class HeardAudio {

    /** Peak level above which a block of the test speech is speech (its silence is at most 2). */
    public static final int SPEECH_LEVEL = 200;
    private static final int BLOCK = 800;   // 50 ms at 16 kHz
    private static final int WINDOW = 16;   // samples hashed to find where a received stretch came from
    private static final int STEP = 200;    // anchors tried every 12.5 ms of the received audio

    private HeardAudio() {
    }

    /** The speech blocks of {@code played} not found in any of {@code received}, as "from-to s" ranges; empty when all are. */
    public static List<String> missing(TestAudio.Clip played, List<TestAudio.Clip> received) {
        short[] p = samples(played);
        return lostBlocks(p, foundInAny(p, played, received), played.rate());
    }

    private static boolean[] foundInAny(short[] p, TestAudio.Clip played, List<TestAudio.Clip> received) {
        Map<Long, Integer> index = index(p);
        boolean[] found = new boolean[p.length];
        for (TestAudio.Clip r : received) {
            boolean[] inThis = found(p, index, played, r);
            for (int s = 0; s < p.length; s++) {
                found[s] |= inThis[s];
            }
        }
        return found;
    }

    /** Seconds of {@code played}'s speech (its 50 ms blocks) not found in any of {@code received}. */
    public static double lostSeconds(TestAudio.Clip played, List<TestAudio.Clip> received) {
        short[] p = samples(played);
        boolean[] found = foundInAny(p, played, received);
        int lost = 0;
        for (int b = 0; b * BLOCK < p.length; b++) {
            if (lostBlock(p, found, b)) {
                lost++;
            }
        }
        return lost * (double) BLOCK / played.rate();
    }

    /**
     * Which stretches of {@code played}'s speech each of {@code received} holds, as "from-to s" ranges of the played
     * clip (gaps under 0.1 s of speech joined): tells a word lost at a hand-over between two calls (one ends before
     * the gap, the next starts after it) from one lost inside Asterisk (both hold the time around it, neither the gap).
     */
    public static List<String> coverage(TestAudio.Clip played, List<TestAudio.Clip> received) {
        short[] p = samples(played);
        Map<Long, Integer> index = index(p);
        List<String> out = new ArrayList<>();
        for (TestAudio.Clip r : received) {
            boolean[] inThis = found(p, index, played, r);
            List<String> spans = new ArrayList<>();
            int from = -1;
            int last = -1;
            for (int s = 0; s <= p.length; s++) {
                boolean hit = s < p.length && inThis[s];
                if (hit) {
                    if (from >= 0 && s - last > played.rate() / 10) {
                        spans.add(span(from, last + 1, played.rate()));
                        from = -1;
                    }
                    if (from < 0) {
                        from = s;
                    }
                    last = s;
                }
            }
            if (from >= 0) {
                spans.add(span(from, last + 1, played.rate()));
            }
            out.add(String.join(", ", spans));
        }
        return out;
    }

    private static String span(int from, int to, int rate) {
        return String.format("%.2f-%.2f s", from / (double) rate, to / (double) rate);
    }

    private static Map<Long, Integer> index(short[] p) {
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i + WINDOW <= p.length; i++) {
            if (loud(p, i)) {
                index.putIfAbsent(hash(p, i), i);
            }
        }
        return index;
    }

    /** The samples of {@code p} found, in stretches of equal samples, in {@code r}. */
    private static boolean[] found(short[] p, Map<Long, Integer> index, TestAudio.Clip played, TestAudio.Clip r) {
        if (r.rate() != played.rate()) {
            throw new IllegalArgumentException("received at " + r.rate() + " Hz, played at " + played.rate() + " Hz");
        }
        boolean[] found = new boolean[p.length];
        short[] k = samples(r);
        for (int j = 0; j + WINDOW <= k.length; j += STEP) {
            if (!loud(k, j)) {
                continue;
            }
            Integer at = index.get(hash(k, j));
            if (at == null) {
                continue;
            }
            // Extend the match both ways for as long as the samples are equal.
            int back = 0;
            while (at - back - 1 >= 0 && j - back - 1 >= 0 && p[at - back - 1] == k[j - back - 1]) {
                back++;
            }
            int fwd = 0;
            while (at + fwd < p.length && j + fwd < k.length && p[at + fwd] == k[j + fwd]) {
                fwd++;
            }
            for (int s = at - back; s < at + fwd; s++) {
                found[s] = true;
            }
            j = Math.max(j, j + fwd - STEP); // the next anchor after this stretch
        }
        return found;
    }

    private static List<String> lostBlocks(short[] p, boolean[] found, int rate) {
        List<String> gaps = new ArrayList<>();
        int gapFrom = -1;
        int blocks = (p.length + BLOCK - 1) / BLOCK;
        for (int b = 0; b <= blocks; b++) {
            boolean lost = b < blocks && lostBlock(p, found, b);
            if (lost && gapFrom < 0) {
                gapFrom = b;
            } else if (!lost && gapFrom >= 0) {
                gaps.add(span(gapFrom * BLOCK, b * BLOCK, rate));
                gapFrom = -1;
            }
        }
        return gaps;
    }

    /** Block {@code b} holds a loud sample not found. */
    private static boolean lostBlock(short[] p, boolean[] found, int b) {
        for (int s = b * BLOCK; s < Math.min(p.length, (b + 1) * BLOCK); s++) {
            if (Math.abs(p[s]) > SPEECH_LEVEL && !found[s]) {
                return true;
            }
        }
        return false;
    }

    /** Seconds of speech (blocks louder than {@link #SPEECH_LEVEL}) in {@code clip}. */
    public static double speechSeconds(TestAudio.Clip clip) {
        short[] p = samples(clip);
        int n = 0;
        for (int b = 0; b * BLOCK < p.length; b++) {
            for (int s = b * BLOCK; s < Math.min(p.length, (b + 1) * BLOCK); s++) {
                if (Math.abs(p[s]) > SPEECH_LEVEL) {
                    n++;
                    break;
                }
            }
        }
        return n * (double) BLOCK / clip.rate();
    }

    private static boolean loud(short[] a, int from) {
        for (int i = from; i < from + WINDOW; i++) {
            if (Math.abs(a[i]) > SPEECH_LEVEL) {
                return true;
            }
        }
        return false;
    }

    private static long hash(short[] a, int from) {
        long h = 1125899906842597L;
        for (int i = from; i < from + WINDOW; i++) {
            h = 31 * h + a[i];
        }
        return h;
    }

    private static short[] samples(TestAudio.Clip c) {
        byte[] b = c.pcm();
        short[] s = new short[b.length / 2];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
        }
        return s;
    }
}
