package io.callscribe.engine.sphinx.bench;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.Sphinx4Settings;
import io.callscribe.engine.sphinx.Sphinx4Stream;
import io.callscribe.engine.sphinx.WordErrorRate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tuning harness for the Sphinx4 engine (not a test): decodes a 16 kHz WAV through the streaming API in 200 ms chunks
 * under several named settings and prints one markdown row per setting: CPU real-time factor of the decoding thread
 * (median of the runs), wall real-time factor, WER against the reference text (one per run), finals, model load time. With
 * {@code -Dbench.realtime=true} the audio is paced like a live call and each row also gives the delay from the end of a
 * final's last word being fed to the final's delivery (median / p95): what a user of the live view waits.
 * See bench/sphinx/README.md for how to run it.
 *
 * <p>Arguments: WAV REFERENCE.txt RUNS CONFIG... where CONFIG is a name from {@link #CONFIGS} or "all".
 */
public final class SphinxTuningBench {

    /** Global property overrides per named config, applied on top of the engine defaults. */
    static final Map<String, String[]> CONFIGS = new LinkedHashMap<>();

    static {
        // Engine defaults: abs 5000, rel 1e-50, word beam 50 (rel 1e-30), languageWeight 10, wip 0.1, noise floor 100.
        CONFIGS.put("engine-default", new String[] {});
        // The defaults chosen on espeak-ng speech (until 2026-11): narrower beams.
        CONFIGS.put("abs3000-rel1e-45-w20", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20"});
        CONFIGS.put("sphinx-default", new String[] {"absoluteBeamWidth=20000", "relativeBeamWidth=1e-60",
                "absoluteWordBeamWidth=200", "relativeWordBeamWidth=1e-40", "languageWeight=8"});
        CONFIGS.put("abs1000", new String[] {"absoluteBeamWidth=1000", "relativeBeamWidth=1e-60",
                "absoluteWordBeamWidth=200", "relativeWordBeamWidth=1e-40"});
        CONFIGS.put("abs5000-rel1e-50-w50", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=50"});
        CONFIGS.put("abs4000-rel1e-50-w30", new String[] {"absoluteBeamWidth=4000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=30"});
        CONFIGS.put("abs5000-rel1e-55-w50", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-55",
                "absoluteWordBeamWidth=50"});
        CONFIGS.put("abs5000-rel1e-50-w50-lw8", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=50", "languageWeight=8"});
        CONFIGS.put("abs5000-rel1e-50-w50-lw9", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=50", "languageWeight=9"});
        CONFIGS.put("abs5000-rel1e-50-w50-noise0", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=50", "noiseFloor=0"});
        CONFIGS.put("abs8000-rel1e-55-w50", new String[] {"absoluteBeamWidth=8000", "relativeBeamWidth=1e-55",
                "absoluteWordBeamWidth=50"});
        CONFIGS.put("abs10000-rel1e-60-w100", new String[] {"absoluteBeamWidth=10000", "relativeBeamWidth=1e-60",
                "absoluteWordBeamWidth=100"});
        CONFIGS.put("abs2000-rel1e-40-w20", new String[] {"absoluteBeamWidth=2000", "relativeBeamWidth=1e-40",
                "absoluteWordBeamWidth=20"});
        CONFIGS.put("abs2000-rel1e-35-w10", new String[] {"absoluteBeamWidth=2000", "relativeBeamWidth=1e-35",
                "absoluteWordBeamWidth=10", "relativeWordBeamWidth=1e-25"});
        CONFIGS.put("abs1500-rel1e-30-w10", new String[] {"absoluteBeamWidth=1500", "relativeBeamWidth=1e-30",
                "absoluteWordBeamWidth=10", "relativeWordBeamWidth=1e-20"});
        CONFIGS.put("nolookahead", new String[] {"local:decoder->searchManager=wordPruningSearchManager"});
        CONFIGS.put("noise0", new String[] {"noiseFloor=0"});
        CONFIGS.put("lw8", new String[] {"languageWeight=8"});
        CONFIGS.put("lw11", new String[] {"languageWeight=11"});
        CONFIGS.put("lw12", new String[] {"languageWeight=12"});
        CONFIGS.put("wip0.5", new String[] {"wordInsertionProbability=0.5"});
        CONFIGS.put("wip0.7", new String[] {"wordInsertionProbability=0.7"});
        CONFIGS.put("rel1e-50", new String[] {"relativeBeamWidth=1e-50"});
        CONFIGS.put("rel1e-40", new String[] {"relativeBeamWidth=1e-40"});
        CONFIGS.put("w30", new String[] {"absoluteWordBeamWidth=30"});
        CONFIGS.put("grow2", new String[] {"local:wordPruningLookaheadSearchManager->growSkipInterval=2"});
        CONFIGS.put("grow4", new String[] {"local:wordPruningLookaheadSearchManager->growSkipInterval=4"});
        // acousticLookaheadWeight feeds the search manager's acousticLookaheadFrames (Sphinx4 default 1.7).
        CONFIGS.put("aclook0", new String[] {"acousticLookaheadWeight=0"});
        CONFIGS.put("aclook1", new String[] {"acousticLookaheadWeight=1.0"});
        CONFIGS.put("aclook2.5", new String[] {"acousticLookaheadWeight=2.5"});
        CONFIGS.put("phbeam1e-8", new String[] {"phoneticBeam=1e-8", "phoneticLookaheadWindow=7"});
        // Endpointer (Sphinx4 defaults: startSpeech 200 ms, endSilence 200 ms, speechLeader 50 ms).
        CONFIGS.put("endsil100", new String[] {"local:speechMarker->endSilence=100"});
        CONFIGS.put("endsil150", new String[] {"local:speechMarker->endSilence=150"});
        CONFIGS.put("endsil300", new String[] {"local:speechMarker->endSilence=300"});
        CONFIGS.put("leader20", new String[] {"local:speechMarker->speechLeader=20"});
        CONFIGS.put("endsil150-leader20", new String[] {"local:speechMarker->endSilence=150",
                "local:speechMarker->speechLeader=20"});
        CONFIGS.put("block20", new String[] {"local:decoder->featureBlockSize=20"});
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("memory")) {
            measureMemory();
            return;
        }
        if (args.length < 4) {
            System.err.println("usage: SphinxTuningBench WAV REFERENCE.txt RUNS CONFIG...|all ; configs: " + CONFIGS.keySet());
            System.exit(2);
        }
        byte[] pcm = readWavPcm16k(Path.of(args[0]));
        String reference = Files.readString(Path.of(args[1]));
        int runs = Integer.parseInt(args[2]);
        List<String> names = args[3].equals("all") ? new ArrayList<>(CONFIGS.keySet())
                : Arrays.asList(args).subList(3, args.length);
        double audioSeconds = pcm.length / 32000.0;
        boolean realtime = Boolean.getBoolean("bench.realtime");
        System.out.printf(Locale.ROOT, "audio %.1f s, %d reference words, %d run(s) per config%n", audioSeconds,
                WordErrorRate.normalise(reference).size(), runs);
        System.out.println("| config | RTF cpu (median) | RTF wall | WER | finals | load s |"
                + (realtime ? " final latency median / p95 s |" : ""));
        System.out.println("|---|---|---|---|---|---|" + (realtime ? "---|" : ""));
        for (String name : names) {
            String[] overrides = CONFIGS.get(name);
            if (overrides == null) {
                throw new IllegalArgumentException("unknown config " + name + "; known: " + CONFIGS.keySet());
            }
            Sphinx4Settings settings = apply(Sphinx4Settings.fromSystemProperties(), overrides);
            try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(settings)) {
                long loadStart = System.nanoTime();
                recognizer.preload(1);
                double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                double[] cpu = new double[runs];
                double wall = 0;
                Outcome outcome = null;
                List<String> wers = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    outcome = decode(recognizer, pcm, realtime);
                    wall = (System.nanoTime() - t0) / 1e9 / audioSeconds;
                    cpu[r] = outcome.cpu.toNanos() / 1e9 / audioSeconds;
                    wers.add(String.format(Locale.ROOT, "%.1f%%", WordErrorRate.of(reference, outcome.text) * 100));
                }
                Arrays.sort(cpu);
                String latency = realtime ? String.format(Locale.ROOT, " %.2f / %.2f |",
                        percentile(outcome.latencies, 0.5), percentile(outcome.latencies, 0.95)) : "";
                // One WER per run: run 1 is a freshly loaded decoder, later runs reuse it (as the pool does for later
                // calls) and start from the previous stream's adapted front-end state (live CMN), so they can differ.
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %s | %d | %.1f |%s%n", name, cpu[runs / 2], wall,
                        String.join(" / ", wers), outcome.finals, loadSeconds, latency);
                if (Boolean.getBoolean("bench.showText")) {
                    System.out.println("    hyp: " + outcome.text);
                }
            }
        }
    }

    /** Heap retained per loaded decoder (used heap after GC, before and after loading each of two decoders). */
    static void measureMemory() throws Exception {
        java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        try (Sphinx4Recognizer recognizer = new Sphinx4Recognizer(Sphinx4Settings.fromSystemProperties())) {
            long before = usedAfterGc(memory);
            for (int n = 1; n <= 2; n++) {
                long t0 = System.nanoTime();
                recognizer.preload(n);
                long loadMillis = (System.nanoTime() - t0) / 1_000_000;
                long used = usedAfterGc(memory);
                System.out.printf(Locale.ROOT, "decoders=%d load=%d ms heap retained=%d MB (+%d MB total)%n", n, loadMillis,
                        used >> 20, (used - before) >> 20);
            }
        }
    }

    static long usedAfterGc(java.lang.management.MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** latencies: per final, seconds from its last word's end being fed to the final's delivery (paced runs only). */
    record Outcome(String text, int finals, Duration cpu, List<Double> latencies) {
    }

    /**
     * Feeds the PCM in 200 ms chunks, as fast as the decoder takes them or, if {@code realtime}, paced like a live call:
     * the chunk covering [k*0.2 s, (k+1)*0.2 s) is fed at start + (k+1)*0.2 s, when a live source would have it.
     */
    static Outcome decode(Sphinx4Recognizer recognizer, byte[] pcm, boolean realtime)
            throws RecognizerException, InterruptedException {
        StringBuilder text = new StringBuilder();
        int[] finals = {0};
        List<Double> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] start = {0};
        RecognitionListener listener = new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                if (result instanceof RecognitionResult.Final f && !f.isEmpty()) {
                    long now = System.nanoTime();
                    text.append(f.text()).append(' ');
                    finals[0]++;
                    if (realtime && !f.words().isEmpty()) {
                        double lastWordEnd = f.words().get(f.words().size() - 1).end();
                        latencies.add((now - start[0]) / 1e9 - lastWordEnd);
                    }
                }
            }

            @Override
            public void onFailure(RecognizerException failure) {
                System.err.println("failure: " + failure.getMessage());
            }
        };
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "bench"), listener);
        int chunk = 6400; // 200 ms at 16 kHz
        start[0] = System.nanoTime();
        for (int i = 0; i < pcm.length; i += chunk) {
            int n = Math.min(chunk, pcm.length - i);
            if (realtime) {
                long due = start[0] + (long) ((i + n) / 32000.0 * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            stream.accept(pcm, i, n);
        }
        stream.finish(Duration.ofMinutes(10));
        stream.awaitTermination(Duration.ofSeconds(10));
        return new Outcome(text.toString().trim(), finals[0], stream.decodingCpuTime(), latencies);
    }

    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static Sphinx4Settings apply(Sphinx4Settings settings, String[] overrides) {
        for (String o : overrides) {
            if (o.startsWith("noiseFloor=")) {
                settings = settings.withNoiseFloor(Integer.parseInt(o.substring("noiseFloor=".length())));
                continue;
            }
            boolean local = o.startsWith("local:");
            String kv = local ? o.substring("local:".length()) : o;
            int eq = kv.lastIndexOf('=');
            settings = local ? settings.withLocal(kv.substring(0, eq), kv.substring(eq + 1))
                    : settings.withGlobal(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return settings;
    }

    /** The data chunk of a 16 kHz 16-bit mono PCM WAV. */
    public static byte[] readWavPcm16k(Path wav) throws IOException {
        byte[] all = Files.readAllBytes(wav);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (all.length < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
            throw new IOException(wav + ": not a RIFF/WAVE file");
        }
        int pos = 12;
        int rate = 0;
        while (pos + 8 <= all.length) {
            int id = b.getInt(pos);
            int size = b.getInt(pos + 4);
            if (id == 0x20746d66) { // "fmt "
                int format = b.getShort(pos + 8);
                int channels = b.getShort(pos + 10);
                rate = b.getInt(pos + 12);
                int bits = b.getShort(pos + 22);
                if (format != 1 || channels != 1 || bits != 16 || rate != 16000) {
                    throw new IOException(wav + ": need 16 kHz 16-bit mono PCM, got format " + format + ", " + channels
                            + " channel(s), " + bits + " bits, " + rate + " Hz");
                }
            } else if (id == 0x61746164) { // "data"
                if (rate == 0) {
                    throw new IOException(wav + ": data chunk before fmt chunk");
                }
                int n = Math.min(size, all.length - pos - 8) & ~1;
                return Arrays.copyOfRange(all, pos + 8, pos + 8 + n);
            }
            pos += 8 + size + (size & 1);
        }
        throw new IOException(wav + ": no data chunk");
    }
}
