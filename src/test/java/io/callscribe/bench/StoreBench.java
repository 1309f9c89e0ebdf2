package io.callscribe.bench;

import io.callscribe.event.Word;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.store.CallPage;
import io.callscribe.store.CallQuery;
import io.callscribe.store.StoreWrite;
import io.callscribe.store.Stores;
import io.callscribe.store.TranscriptStore;
import io.callscribe.testing.CallQueryBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * BENCHMARK: a transcript store filled with N synthetic calls, then searched.
 * <p>
 * Calls are of realistic length (20-30 finals of 6-18 words each, two speakers: about 3 minutes of conversation);
 * their words come from a 20,000-word vocabulary of made-up words drawn with Zipf's law (s = 1), as words of real
 * speech are. They are written through the store's own write path ({@code TranscriptStore.write}) in batches of
 * 10 calls, the size of batch the StoreSink's writer forms under load. Then each query class runs Q times with
 * random words of that class and the API's page size (limit 50, with the matching line found):
 * common words (ranks 20-200), mid (1,000-5,000), rare (10,000-20,000), two mid words, a date range
 * (one day, no words), a caller number.
 * <pre>
 * java -cp ... io.callscribe.bench.StoreBench STORE CALLS QUERIES
 *   STORE = sqlite:/tmp/x.db | postgresql://user@host:port/db
 * </pre>
 */
public final class StoreBench {

    private static final int VOCABULARY = 20_000;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    public static void main(String[] args) throws Exception {
        String spec = args[0];
        int calls = Integer.parseInt(args[1]);
        int queries = Integer.parseInt(args[2]);
        // bench.phase: both (default) | fill (store CALLS calls, measure insert and size only) | query (search a store
        // filled before by this bench with CALLS calls, nothing written): lets one fill be searched by two versions
        String phase = System.getProperty("bench.phase", "both");
        String[] vocabulary = vocabulary(new Random(7));
        double[] cdf = zipf(VOCABULARY, 1.0);
        Random random = new Random(42);
        long finals = 0;
        long words = 0;
        long queryNanos = 0;
        try (TranscriptStore store = Stores.open(spec, null, Stores.defaultInstance())) {
            if (phase.equals("query")) {
                System.out.printf(Locale.ROOT, "store=%s calls=%d size_mib=%.1f (searched as filled before)%n", store.describe(),
                        calls, size(spec) / 1048576.0);
                queries(store, vocabulary, cdf, random, calls, queries);
                return;
            }
            long t0 = System.nanoTime();
            List<StoreWrite> batch = new ArrayList<>();
            for (int c = 0; c < calls; c++) {
                String id = "bench-" + c;
                // about 500 calls a day over the run: 100,000 calls span 200 days
                Instant started = T0.plusSeconds((long) c * 172 + random.nextInt(60));
                batch.add(new StoreWrite.CallStart(id, started, "audiosocket",
                        Map.of("caller", "+4930" + (1_000_000 + random.nextInt(50_000)), "callee", "20" + random.nextInt(100))));
                int lines = 20 + random.nextInt(11);
                double at = 0;
                for (int i = 0; i < lines; i++) {
                    int n = 6 + random.nextInt(13);
                    StringBuilder text = new StringBuilder();
                    List<Word> ws = new ArrayList<>(n);
                    double start = at;
                    for (int w = 0; w < n; w++) {
                        String word = vocabulary[sample(cdf, random)];
                        if (w > 0) {
                            text.append(' ');
                        }
                        text.append(word);
                        ws.add(new Word(word, at, at + 0.3, 0.8 + random.nextDouble() * 0.2));
                        at += 0.35;
                    }
                    at += 0.8;
                    batch.add(new StoreWrite.FinalLine(id, i, new TranscriptEvent.Final(id, started.plusSeconds((long) at),
                            i % 2 == 0 ? "caller" : "agent", text.toString(), start, at - 0.8, ws)));
                    finals++;
                    words += n;
                }
                batch.add(new StoreWrite.CallEnd(id, started.plusSeconds((long) at + 2), at, "hangup", "vosk",
                        List.of("caller", "agent")));
                if ((c + 1) % 10 == 0 || c == calls - 1) {
                    store.write(batch);
                    batch.clear();
                }
                if ((c + 1) % 10_000 == 0) {
                    System.err.printf(Locale.ROOT, "  %d calls stored, %.0f calls/s%n", c + 1,
                            (c + 1) / ((System.nanoTime() - t0) / 1e9));
                }
                int stored = c + 1;
                if (stored == calls || (stored < calls && (stored == 10_000 || stored == 50_000))) {
                    if (phase.equals("fill") && stored < calls) {
                        continue;
                    }
                    double insertSeconds = (System.nanoTime() - t0 - queryNanos) / 1e9;
                    System.out.printf(Locale.ROOT, "store=%s calls=%d finals=%d words=%d insert_s=%.1f calls_per_s=%.0f "
                                    + "finals_per_s=%.0f size_mib=%.1f%n", store.describe(), stored, finals, words, insertSeconds,
                            stored / insertSeconds, finals / insertSeconds, size(spec) / 1048576.0);
                    if (phase.equals("fill")) {
                        continue;
                    }
                    long q0 = System.nanoTime();
                    queries(store, vocabulary, cdf, random, stored, queries);
                    queryNanos += System.nanoTime() - q0;
                }
            }
        }
    }

    private static void queries(TranscriptStore store, String[] vocabulary, double[] cdf, Random random, int calls, int queries) {
        {

            Map<String, java.util.function.Supplier<CallQuery>> classes = new LinkedHashMap<>();
            classes.put("common", () -> CallQueryBuilder.text(vocabulary[20 + random.nextInt(180)]).build());
            classes.put("mid", () -> CallQueryBuilder.text(vocabulary[1000 + random.nextInt(4000)]).build());
            classes.put("rare", () -> CallQueryBuilder.text(vocabulary[10_000 + random.nextInt(10_000)]).build());
            classes.put("two_mid", () -> CallQueryBuilder.text(vocabulary[1000 + random.nextInt(4000)] + " "
                    + vocabulary[1000 + random.nextInt(4000)]).build());
            // three words as a user types part of a sentence: drawn like the words of a line (mostly frequent words)
            classes.put("phrase", () -> CallQueryBuilder.text(vocabulary[sample(cdf, random)] + " " + vocabulary[sample(cdf, random)]
                    + " " + vocabulary[sample(cdf, random)]).build());
            classes.put("day", () -> {
                Instant from = T0.plus(Duration.ofDays(random.nextInt(Math.max(1, calls / 500))));
                return new CallQuery(null, from, from.plus(Duration.ofDays(1)), null, null, 50, null);
            });
            classes.put("number", () -> new CallQuery(null, null, null, "+4930" + (1_000_000 + random.nextInt(50_000)),
                    null, 50, null));
            // a callee (an agent's extension: about 1% of the calls) and a mid word
            classes.put("mid_callee", () -> new CallQuery(vocabulary[1000 + random.nextInt(4000)], null, null,
                    "20" + random.nextInt(100), null, 50, null));
            classes.put("common_day", () -> {
                Instant from = T0.plus(Duration.ofDays(random.nextInt(Math.max(1, calls / 500))));
                return new CallQuery(vocabulary[20 + random.nextInt(180)], from, from.plus(Duration.ofDays(1)), null, null, 50, null);
            });
            classes.put("source", () -> new CallQuery(null, null, null, null, "audiosocket", 50, null));
            for (int warm = 0; warm < 50; warm++) { // JIT and caches, like a service that has been up a while
                for (var q : classes.values()) {
                    store.search(q.get());
                }
            }
            long[] all = new long[queries * classes.size()];
            int k = 0;
            for (var e : classes.entrySet()) {
                long[] times = new long[queries];
                long hits = 0;
                for (int i = 0; i < queries; i++) {
                    CallQuery q = e.getValue().get();
                    long s = System.nanoTime();
                    CallPage page = store.search(q);
                    times[i] = System.nanoTime() - s;
                    hits += page.calls().size();
                    all[k++] = times[i];
                }
                System.out.printf(Locale.ROOT, "query=%s n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f mean_rows=%.1f%n",
                        e.getKey(), queries, pct(times, 50), pct(times, 99), pct(times, 100), hits / (double) queries);
            }
            for (String deep : new String[]{"deep_common", "deep_all"}) {
                int n = Math.max(1, queries / 4);
                long[] times = new long[n];
                long hits = 0;
                for (int i = 0; i < n; i++) {
                    CallQuery q = deep.equals("deep_common") ? CallQueryBuilder.text(vocabulary[20 + random.nextInt(180)]).build() : CallQueryBuilder.all().build();
                    String cursor = null;
                    for (int p = 0; p < 9; p++) {
                        cursor = store.search(CallQueryBuilder.from(q).cursor(cursor).build()).nextCursor();
                    }
                    long s = System.nanoTime();
                    CallPage page = store.search(CallQueryBuilder.from(q).cursor(cursor).build());
                    times[i] = System.nanoTime() - s;
                    hits += page.calls().size();
                }
                all = Arrays.copyOf(all, all.length + n);
                System.arraycopy(times, 0, all, all.length - n, n);
                System.out.printf(Locale.ROOT, "query=%s(page 10) n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f mean_rows=%.1f%n",
                        deep, n, pct(times, 50), pct(times, 99), pct(times, 100), hits / (double) n);
            }
            System.out.printf(Locale.ROOT, "query=all n=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f%n", all.length,
                    pct(all, 50), pct(all, 99), pct(all, 100));
        }
    }

    private static long size(String spec) throws Exception {
        if (spec.startsWith("sqlite:")) {
            Path f = Path.of(spec.substring(7));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            long size = Files.size(f);
            Path wal = Path.of(f + "-wal");
            return size + (Files.exists(wal) ? Files.size(wal) : 0);
        }
        String url = spec.startsWith("jdbc:") ? spec : "jdbc:" + spec.replaceFirst("^postgres(ql)?://([^@/]+)@", "postgresql://")
                + (spec.contains("@") ? (spec.contains("?") ? "&" : "?") + "user=" + spec.replaceFirst("^postgres(ql)?://", "").split("@")[0] : "");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int i = p >= 100 ? s.length - 1 : (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, i)] / 1e6;
    }

    /** Made-up pronounceable words, distinct. */
    private static String[] vocabulary(Random r) {
        String[] onsets = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl", "gr", "sh"};
        String[] vowels = {"a", "e", "i", "o", "u", "ai", "ou", "ee"};
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        while (seen.size() < VOCABULARY) {
            int syllables = 1 + r.nextInt(3);
            StringBuilder w = new StringBuilder();
            for (int s = 0; s < syllables; s++) {
                w.append(onsets[r.nextInt(onsets.length)]).append(vowels[r.nextInt(vowels.length)]);
            }
            if (r.nextBoolean()) {
                w.append("nrstlk".charAt(r.nextInt(6)));
            }
            seen.add(w.toString());
        }
        return seen.toArray(String[]::new);
    }

    private static double[] zipf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    private static int sample(double[] cdf, Random r) {
        int i = Arrays.binarySearch(cdf, r.nextDouble());
        return i >= 0 ? i : Math.min(cdf.length - 1, -i - 1);
    }
}
