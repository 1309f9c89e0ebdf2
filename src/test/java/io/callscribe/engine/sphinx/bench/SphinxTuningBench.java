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
 * (median of the runs), wall real-time factor, WER against the reference text, finals, model load time.
 * See bench/sphinx/README.md for how to run it.
 *
 * <p>Arguments: WAV REFERENCE.txt RUNS CONFIG... where CONFIG is a name from {@link #CONFIGS} or "all".
 */
public final class SphinxTuningBench {

    /** Global property overrides per named config, applied on top of the engine defaults. */
    static final Map<String, String[]> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("engine-default", new String[] {});
        CONFIGS.put("sphinx-default", new String[] {"absoluteBeamWidth=20000", "relativeBeamWidth=1e-60",
                "absoluteWordBeamWidth=200", "relativeWordBeamWidth=1e-40"});
        CONFIGS.put("abs1000", new String[] {"absoluteBeamWidth=1000", "relativeBeamWidth=1e-60",
                "absoluteWordBeamWidth=200", "relativeWordBeamWidth=1e-40"});
        CONFIGS.put("abs5000-rel1e-50-w50", new String[] {"absoluteBeamWidth=5000", "relativeBeamWidth=1e-50",
                "absoluteWordBeamWidth=50"});
        CONFIGS.put("abs3000-rel1e-45-w20", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20"});
        CONFIGS.put("abs2000-rel1e-40-w20", new String[] {"absoluteBeamWidth=2000", "relativeBeamWidth=1e-40",
                "absoluteWordBeamWidth=20"});
        CONFIGS.put("abs2000-rel1e-35-w10", new String[] {"absoluteBeamWidth=2000", "relativeBeamWidth=1e-35",
                "absoluteWordBeamWidth=10", "relativeWordBeamWidth=1e-25"});
        CONFIGS.put("abs1500-rel1e-30-w10", new String[] {"absoluteBeamWidth=1500", "relativeBeamWidth=1e-30",
                "absoluteWordBeamWidth=10", "relativeWordBeamWidth=1e-20"});
        CONFIGS.put("abs3000-rel1e-45-w20-nolookahead", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20", "local:decoder->searchManager=wordPruningSearchManager"});
        CONFIGS.put("abs3000-rel1e-45-w20-lw10", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20", "languageWeight=10"});
        CONFIGS.put("abs3000-rel1e-45-w20-wip0.5", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20", "wordInsertionProbability=0.5"});
        CONFIGS.put("abs3000-rel1e-45-w20-grow2", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20", "local:wordPruningLookaheadSearchManager->growSkipInterval=2"});
        CONFIGS.put("abs3000-rel1e-45-w20-phbeam1e-8", new String[] {"absoluteBeamWidth=3000", "relativeBeamWidth=1e-45",
                "absoluteWordBeamWidth=20", "phoneticBeam=1e-8", "phoneticLookaheadWindow=7"});
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
        System.out.printf(Locale.ROOT, "audio %.1f s, %d reference words, %d run(s) per config%n", audioSeconds,
                WordErrorRate.normalise(reference).size(), runs);
        System.out.println("| config | RTF cpu (median) | RTF wall | WER | finals | load s |");
        System.out.println("|---|---|---|---|---|---|");
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
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    outcome = decode(recognizer, pcm);
                    wall = (System.nanoTime() - t0) / 1e9 / audioSeconds;
                    cpu[r] = outcome.cpu.toNanos() / 1e9 / audioSeconds;
                }
                Arrays.sort(cpu);
                double wer = WordErrorRate.of(reference, outcome.text);
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.1f%% | %d | %.1f |%n", name, cpu[runs / 2], wall,
                        wer * 100, outcome.finals, loadSeconds);
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

    record Outcome(String text, int finals, Duration cpu) {
    }

    static Outcome decode(Sphinx4Recognizer recognizer, byte[] pcm) throws RecognizerException, InterruptedException {
        StringBuilder text = new StringBuilder();
        int[] finals = {0};
        RecognitionListener listener = new RecognitionListener() {
            @Override
            public void onResult(RecognitionResult result) {
                if (result instanceof RecognitionResult.Final f && !f.isEmpty()) {
                    text.append(f.text()).append(' ');
                    finals[0]++;
                }
            }

            @Override
            public void onFailure(RecognizerException failure) {
                System.err.println("failure: " + failure.getMessage());
            }
        };
        Sphinx4Stream stream = recognizer.open(StreamOptions.of(16000, "bench"), listener);
        int chunk = 6400; // 200 ms at 16 kHz
        for (int i = 0; i < pcm.length; i += chunk) {
            stream.accept(pcm, i, Math.min(chunk, pcm.length - i));
        }
        stream.finish(Duration.ofMinutes(10));
        stream.awaitTermination(Duration.ofSeconds(10));
        return new Outcome(text.toString().trim(), finals[0], stream.decodingCpuTime());
    }

    static Sphinx4Settings apply(Sphinx4Settings settings, String[] overrides) {
        for (String o : overrides) {
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
