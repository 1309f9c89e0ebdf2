package io.callscribe.bench;

import io.callscribe.asr.Recognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.Sphinx4Settings;
import io.callscribe.engine.sphinx.WordErrorRate;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.session.CallOutcome;
import io.callscribe.session.CallSession;
import io.callscribe.session.SessionSettings;
import io.callscribe.source.AudioSource;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.vad.VadMode;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * BENCHMARK: the voice-activity gate on two-speaker calls, gated and ungated side by side in one run on the same
 * engine (embedded Sphinx4, one process, shared models). Each call's two legs (MixMonitor r()/t(): each silent while
 * the other talks) are played in real time into a CallSession; the gated and the ungated session of a call run at the
 * same time. Per session: audio received vs sent to the recogniser, WER of the whole call (finals of both legs in time
 * order against the dialogue), and per final the delay from the end of its last word in the call to its delivery.
 *
 * <p>Usage: {@code VadGateBench IN.wav OUT.wav REFERENCE.txt REPEAT...}; REPEAT 1 = the sample call, 3 = the same
 * call three times over (a longer call). The reference's lines alternate between the two speakers, the first line
 * being the speaker who talks first; besides the whole call's WER, each speaker's finals are scored against that
 * speaker's lines (a final that lands a little earlier or later than the other side's cannot move those).
 * {@code -Dvad.tuning=...} tries another gate tuning, {@code -Dvad.only=gated|ungated} runs one side only and
 * {@code -Dvad.dump=DIR} writes each speaker's finals with their times. {@code -Dvad.fast=true} feeds the audio as fast as the engine takes it (WER only: the delays then mean nothing).
 */
public final class VadGateBench {

    private static final boolean PACED = !Boolean.getBoolean("vad.fast");
    /** {@code -Dvad.only=gated|ungated}: one side only (with vad.fast, to try tunings against a known ungated run). */
    private static final String ONLY = System.getProperty("vad.only");

    public static void main(String[] args) throws Exception {
        byte[] in = pcm(Path.of(args[0]));
        byte[] out = pcm(Path.of(args[1]));
        String reference = Files.readString(Path.of(args[2]));
        try (Sphinx4Recognizer engine = new Sphinx4Recognizer(Sphinx4Settings.defaults())) {
            engine.preload(4);
            System.out.println("| call | gate | received s | sent s | sent/received | WER | WER per speaker | finals | final delay median s | p90 s |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            for (int i = 3; i < args.length; i++) {
                int repeat = Integer.parseInt(args[i]);
                String ref = (reference.trim() + "\n").repeat(repeat);
                try (ExecutorService both = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<Result>> runs = new ArrayList<>();
                    if (!"ungated".equals(ONLY)) {
                        runs.add(both.submit(() -> run("gated", engine, repeat(in, repeat), repeat(out, repeat), VadMode.ON)));
                    }
                    if (!"gated".equals(ONLY)) {
                        runs.add(both.submit(() -> run("ungated", engine, repeat(in, repeat), repeat(out, repeat), VadMode.OFF)));
                    }
                    for (Future<Result> run : runs) {
                        Result r = run.get();
                        dump(r, repeat);
                        List<Double> d = new ArrayList<>(r.delays);
                        Collections.sort(d);
                        System.out.printf(Locale.ROOT, "| %.0f s | %s | %.1f | %.1f | %.1f%% | %.1f%% | %.1f%% | %d | %.2f | %.2f |%n",
                                in.length * repeat / 16000.0, r.mode, r.received, r.sent, 100 * r.sent / r.received,
                                100 * WordErrorRate.of(ref, r.text), 100 * perSpeakerWer(reference, repeat, r), r.finals,
                                pct(d, 0.5), pct(d, 0.9));
                    }
                }
            }
        }
        System.exit(0);
    }

    record Result(String mode, double received, double sent, String text, int finals, List<Double> delays,
                  List<TranscriptEvent.Final> all) {
        /** The speaker's finals in call order, as one text. */
        String textOf(String speaker) {
            return String.join(" ", all.stream().filter(f -> f.speaker().equals(speaker))
                    .sorted(Comparator.comparingDouble(TranscriptEvent.Final::start)).map(TranscriptEvent.Final::text).toList());
        }

        /** The speaker whose first words come first in the call. */
        String firstSpeaker() {
            return all.stream().filter(f -> !f.words().isEmpty())
                    .min(Comparator.comparingDouble(TranscriptEvent.Final::start)).map(TranscriptEvent.Final::speaker)
                    .orElse("caller");
        }
    }

    /** With {@code -Dvad.dump=DIR}: each speaker's finals, one per line with call times, to DIR/REPEAT-MODE-SPEAKER.txt. */
    static void dump(Result r, int repeat) throws java.io.IOException {
        String dir = System.getProperty("vad.dump");
        if (dir == null) {
            return;
        }
        Files.createDirectories(Path.of(dir));
        for (String speaker : List.of("caller", "agent")) {
            List<String> lines = r.all().stream().filter(f -> f.speaker().equals(speaker))
                    .sorted(Comparator.comparingDouble(TranscriptEvent.Final::start))
                    .map(f -> String.format(Locale.ROOT, "%7.2f %7.2f %s", f.start(), f.end(), f.text())).toList();
            Files.write(Path.of(dir, repeat + "-" + r.mode() + "-" + speaker + ".txt"), lines);
        }
    }

    /** Word errors of both speakers (each against its own lines) over the reference's words; the dialogue repeated. */
    static double perSpeakerWer(String dialogue, int repeat, Result r) {
        List<String> lines = dialogue.lines().filter(l -> !l.isBlank()).toList();
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();
        for (int k = 0; k < repeat; k++) {
            for (int i = 0; i < lines.size(); i++) {
                (i % 2 == 0 ? first : second).append(lines.get(i)).append('\n');
            }
        }
        String a = r.firstSpeaker();
        String b = a.equals("caller") ? "agent" : "caller";
        int words1 = WordErrorRate.normalise(first.toString()).size();
        int words2 = WordErrorRate.normalise(second.toString()).size();
        return (WordErrorRate.of(first.toString(), r.textOf(a)) * words1
                + WordErrorRate.of(second.toString(), r.textOf(b)) * words2) / (words1 + words2);
    }

    /**
     * The session settings for {@code vad}; with {@code -Dvad.tuning=ONSET,LEAD_IN,HANGOVER,MARGIN_DB,MIN_DB,RESET}
     * (milliseconds, dB, true/false) the gated run uses that tuning instead of {@code --vad on}'s, to try others.
     */
    static SessionSettings settings(VadMode vad) {
        String tuning = System.getProperty("vad.tuning");
        if (tuning == null || vad == VadMode.OFF) {
            return SessionSettingsBuilder.settings().vad(vad).build();
        }
        String[] f = tuning.split(",");
        return SessionSettingsBuilder.settings().vadTuning(new io.callscribe.vad.VadTuning(Integer.parseInt(f[0]),
                Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                Boolean.parseBoolean(f[5]))).build();
    }

    static Result run(String mode, Recognizer engine, byte[] in, byte[] out, VadMode vad) throws Exception {
        List<TranscriptEvent.Final> finals = new CopyOnWriteArrayList<>();
        List<Double> delays = new CopyOnWriteArrayList<>();
        long[] start = {0};
        double[] meter = new double[2];
        PcmFormat format = PcmFormat.mono(8000);
        CallSession session = new CallSession(mode, List.of(
                new CallSession.Leg("caller", new PacedSource(format, in, PACED)),
                new CallSession.Leg("agent", new PacedSource(format, out, PACED))),
                engine, settings(vad), e -> {
                    if (e instanceof TranscriptEvent.Final f) {
                        finals.add(f);
                        delays.add((System.nanoTime() - start[0]) / 1e9 - f.end());
                    }
                }).onGatedAudio((r, s) -> {
                    synchronized (meter) {
                        meter[0] += r;
                        meter[1] += s;
                    }
                });
        start[0] = System.nanoTime();
        CallOutcome outcome = session.run();
        if (!outcome.ok()) {
            System.err.println(mode + ": " + outcome.errors());
        }
        String text = String.join(" ", finals.stream().sorted(Comparator.comparingDouble(TranscriptEvent.Final::start))
                .map(TranscriptEvent.Final::text).toList());
        return new Result(mode, meter[0], meter[1], text, finals.size(), delays, List.copyOf(finals));
    }

    static byte[] pcm(Path wav) throws Exception {
        try (AudioInputStream s = AudioSystem.getAudioInputStream(wav.toFile())) {
            if (s.getFormat().getSampleRate() != 8000 || s.getFormat().getChannels() != 1) {
                throw new IllegalArgumentException(wav + ": expected 8 kHz mono");
            }
            return s.readAllBytes();
        }
    }

    static byte[] repeat(byte[] pcm, int times) {
        byte[] all = new byte[pcm.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(pcm, 0, all, i * pcm.length, pcm.length);
        }
        return all;
    }

    static double pct(List<Double> sorted, double p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.max(0, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** A leg played like a live call: 20 ms frames at the wall-clock pace. */
    static final class PacedSource implements AudioSource {
        private final PcmFormat format;
        private final byte[] pcm;
        private long startNanos = -1;
        private int position;
        private volatile boolean stopped;

        private final boolean paced;

        PacedSource(PcmFormat format, byte[] pcm, boolean paced) {
            this.format = format;
            this.pcm = pcm;
            this.paced = paced;
        }

        @Override
        public String description() {
            return "paced pcm";
        }

        @Override
        public PcmFormat format() {
            return format;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws InterruptedException {
            if (position >= pcm.length || stopped) {
                return -1;
            }
            if (startNanos < 0) {
                startNanos = System.nanoTime();
            }
            int frame = format.bytesFor(20);
            long due = startNanos + (long) ((position + frame) / (2.0 * format.sampleRate()) * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0 && paced) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int n = Math.min(Math.min(frame, length), pcm.length - position);
            System.arraycopy(pcm, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public boolean realTime() {
            return paced;
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public void close() {
        }
    }
}
