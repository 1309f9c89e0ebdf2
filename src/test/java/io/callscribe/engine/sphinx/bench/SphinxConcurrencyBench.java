package io.callscribe.engine.sphinx.bench;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.Sphinx4Settings;
import io.callscribe.engine.sphinx.Sphinx4Stream;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * BENCHMARK: concurrent Sphinx4 calls. Uses only the public engine API, so the same file measures older code too.
 * <ul>
 *   <li>{@code heap N WAV}: opens N streams one after the other, feeds each the first 4 s of WAV (16 kHz) so that its
 *       search holds state, keeps them all open, and prints the heap retained (after GC) as each one joins;</li>
 *   <li>{@code realtime N SECONDS WAV}: N streams paced like live calls for SECONDS (WAV looped) at the same time; per
 *       final the delay from its last word's end being fed to its delivery; the wait for the last final after the end
 *       of audio; CPU. Lag grows when the machine cannot keep up: the delays climb and the last final waits.
 *       {@code -Dbench.stagger=true} starts each stream at a different point of the clip.</li>
 *   <li>{@code unpaced N SECONDS WAV [ROUNDS]}: N streams at the same time, each fed SECONDS of WAV (looped) as fast as
 *       its decoder takes it; per round the decoding threads' CPU per second of audio (what the wall clock of a shared
 *       machine cannot blur), the wall time, and whether every stream gave the same words and word times. Round 1
 *       warms the JIT and is printed but left out of the median of the others.</li>
 * </ul>
 */
public final class SphinxConcurrencyBench {

    private static final int CHUNK = 6400; // 200 ms at 16 kHz

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        if (mode.equals("heap")) {
            heap(n, SphinxTuningBench.readWavPcm16k(Path.of(args[2])));
        } else if (mode.equals("unpaced")) {
            unpaced(n, Integer.parseInt(args[2]), SphinxTuningBench.readWavPcm16k(Path.of(args[3])),
                    args.length > 4 ? Integer.parseInt(args[4]) : 4);
        } else {
            realtime(n, Integer.parseInt(args[2]), SphinxTuningBench.readWavPcm16k(Path.of(args[3])));
        }
        System.exit(0);
    }

    private static final RecognitionListener IGNORE = new RecognitionListener() {
        @Override
        public void onResult(RecognitionResult result) {
        }

        @Override
        public void onFailure(RecognizerException failure) {
            System.err.println("failure: " + failure.getMessage());
        }
    };

    static void heap(int n, byte[] pcm) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long base = SphinxTuningBench.usedAfterGc(memory);
        List<Sphinx4Stream> open = new ArrayList<>();
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults())) {
            long previous = base;
            int fed = Math.min(pcm.length, 4 * 32000);
            for (int k = 1; k <= n; k++) {
                Sphinx4Stream s = recognizer.open(StreamOptions.of(16000, "heap-" + k), IGNORE);
                for (int i = 0; i < fed; i += CHUNK) {
                    s.accept(pcm, i, Math.min(CHUNK, fed - i));
                }
                open.add(s);
                Thread.sleep(1500); // let its decoder catch up with what it was fed
                long used = SphinxTuningBench.usedAfterGc(memory);
                System.out.printf(Locale.ROOT, "streams=%d heap=%d MB  this stream +%.1f MB  total above start +%d MB%n",
                        k, used >> 20, (used - previous) / 1048576.0, (used - base) >> 20);
                previous = used;
            }
            for (Sphinx4Stream s : open) {
                s.close();
            }
        }
    }

    static void realtime(int n, int seconds, byte[] clip) throws Exception {
        byte[] pcm = new byte[seconds * 32000];
        for (int i = 0; i < pcm.length; i += clip.length) {
            System.arraycopy(clip, 0, pcm, i, Math.min(clip.length, pcm.length - i));
        }
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            recognizer.preload(1); // models loaded before the clock starts
            List<Double> delays = new CopyOnWriteArrayList<>();
            List<Future<double[]>> runs = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                String label = "rt-" + k;
                byte[] mine = STAGGER ? staggered(clip, k, n, seconds) : pcm;
                runs.add(threads.submit(() -> paced(recognizer, mine, label, delays)));
            }
            double worstFinishWait = 0;
            double cpu = 0;
            for (Future<double[]> f : runs) {
                double[] r = f.get();
                worstFinishWait = Math.max(worstFinishWait, r[0]);
                cpu += r[1];
            }
            List<Double> sorted = new ArrayList<>(delays);
            Collections.sort(sorted);
            System.out.printf(Locale.ROOT, "streams=%d audio=%d s  final delay median %.2f s p95 %.2f s max %.2f s  "
                            + "last final %.2f s after end of audio  CPU %.2f s per stream-second%n", n, seconds,
                    pct(sorted, 0.5), pct(sorted, 0.95), pct(sorted, 1.0), worstFinishWait, cpu / (n * (double) seconds));
        }
    }

    static void unpaced(int n, int seconds, byte[] clip, int rounds) throws Exception {
        byte[] pcm = looped(clip, seconds);
        List<Double> perAudioSecond = new ArrayList<>();
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.defaults());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            recognizer.preload(1);
            for (int round = 1; round <= rounds; round++) {
                long wall = System.nanoTime();
                List<Future<Object[]>> runs = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    String label = "up-" + round + "-" + k;
                    runs.add(threads.submit(() -> fast(recognizer, pcm, label)));
                }
                double cpu = 0;
                java.util.Set<String> transcripts = new java.util.HashSet<>();
                for (Future<Object[]> f : runs) {
                    Object[] r = f.get();
                    cpu += (Double) r[0];
                    transcripts.add((String) r[1]);
                }
                double wallSeconds = (System.nanoTime() - wall) / 1e9;
                double rate = cpu / (n * (double) seconds);
                if (round > 1) {
                    perAudioSecond.add(rate);
                }
                System.out.printf(Locale.ROOT, "round %d streams=%d audio=%d s each  CPU %.4f s per audio second  "
                                + "wall %.1f s  distinct transcripts %d (digest %08x)%n", round, n, seconds, rate,
                        wallSeconds, transcripts.size(), transcripts.iterator().next().hashCode());
            }
        }
        Collections.sort(perAudioSecond);
        System.out.printf(Locale.ROOT, "unpaced streams=%d median CPU %.4f s per audio second (rounds 2-%d: %s)%n", n,
                pct(perAudioSecond, 0.5), rounds, perAudioSecond);
    }

    /** Feeds the whole of {@code pcm} as fast as the stream takes it; returns its decoding CPU and its words. */
    private static Object[] fast(Sphinx4Recognizer recognizer, byte[] pcm, String label) throws Exception {
        StringBuilder words = new StringBuilder();
        RecognitionListener listener = new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                if (result instanceof RecognitionResult.Final f) {
                    for (var w : f.words()) {
                        words.append(w.word()).append('@').append(String.format(Locale.ROOT, "%.2f", w.start()))
                                .append(' ');
                    }
                    words.append("| ");
                }
            }

            @Override
            public void onFailure(RecognizerException failure) {
                System.err.println(label + " failure: " + failure.getMessage());
            }
        };
        Sphinx4Stream s = recognizer.open(StreamOptions.of(16000, label), listener);
        for (int i = 0; i < pcm.length; i += CHUNK) {
            s.accept(pcm, i, Math.min(CHUNK, pcm.length - i));
        }
        s.finish(Duration.ofMinutes(10));
        s.awaitTermination(Duration.ofSeconds(10));
        return new Object[]{s.decodingCpuTime().toNanos() / 1e9, words.toString()};
    }

    /**
     * {@code -Dbench.stagger=true}: stream k of n starts k/n of the way into the clip instead of all streams decoding
     * the same audio in lockstep (live calls do not say the same words at the same moment).
     */
    private static final boolean STAGGER = Boolean.getBoolean("bench.stagger");

    private static byte[] staggered(byte[] clip, int k, int n, int seconds) {
        int offset = (int) ((long) clip.length * k / n) & ~1;
        byte[] rotated = new byte[clip.length];
        System.arraycopy(clip, offset, rotated, 0, clip.length - offset);
        System.arraycopy(clip, 0, rotated, clip.length - offset, offset);
        return looped(rotated, seconds);
    }

    private static byte[] looped(byte[] clip, int seconds) {
        byte[] pcm = new byte[seconds * 32000];
        for (int i = 0; i < pcm.length; i += clip.length) {
            System.arraycopy(clip, 0, pcm, i, Math.min(clip.length, pcm.length - i));
        }
        return pcm;
    }

    private static double[] paced(Sphinx4Recognizer recognizer, byte[] pcm, String label, List<Double> delays)
            throws Exception {
        long[] start = {0};
        RecognitionListener listener = new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                if (result instanceof RecognitionResult.Final f && !f.words().isEmpty()) {
                    delays.add((System.nanoTime() - start[0]) / 1e9 - f.words().get(f.words().size() - 1).end());
                }
            }

            @Override
            public void onFailure(RecognizerException failure) {
                System.err.println(label + " failure: " + failure.getMessage());
            }
        };
        Sphinx4Stream s = recognizer.open(StreamOptions.of(16000, label), listener);
        start[0] = System.nanoTime();
        for (int i = 0; i < pcm.length; i += CHUNK) {
            int len = Math.min(CHUNK, pcm.length - i);
            long wait = start[0] + (long) ((i + len) / 32000.0 * 1e9) - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Duration.ofNanos(wait));
            }
            s.accept(pcm, i, len);
        }
        long endOfAudio = System.nanoTime();
        s.finish(Duration.ofMinutes(10));
        s.awaitTermination(Duration.ofSeconds(10));
        return new double[]{(System.nanoTime() - endOfAudio) / 1e9, s.decodingCpuTime().toNanos() / 1e9};
    }

    private static double pct(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1 < 0 ? 0
                : (int) Math.ceil(p * sorted.size()) - 1));
    }
}
