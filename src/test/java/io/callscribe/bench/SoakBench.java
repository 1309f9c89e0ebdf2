package io.callscribe.bench;

import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import io.callscribe.service.CallManager;
import io.callscribe.session.CallSession;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.AudioSource;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.TestRecognizer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Soak benchmark: many short calls through the whole client path (CallManager -> CallSession ->
 * VoskWebSocketRecognizer -> WebSocket -> VoskProtocolServer with the TestRecognizer double, all in this
 * JVM), a few at a time, with transcript files written. Every {@code every} calls it waits for the live
 * calls to end and prints platform threads, open file descriptors and heap after GC: a leak shows up as
 * growth along the series.
 *
 * <p>Arguments: {@code [calls=10000] [concurrent=8] [every=1000]}. Run with bench/soak/run.sh.
 */
public final class SoakBench {

    private static final PcmFormat RATE_8K = PcmFormat.mono(8000);

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int every = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        byte[] audio = new byte[8000]; // 0.5 s at 8 kHz
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (byte) (i * 7);
        }
        Path out = Files.createTempDirectory("callscribe-soak-");
        AtomicLong finals = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong failedCalls = new AtomicLong();
        Semaphore slots = new Semaphore(concurrent);

        System.out.printf("soak: %d calls, %d concurrent, 0.5 s of audio each, sample every %d%n", calls, concurrent, every);
        System.out.println("| calls | platform threads | open fds | heap after GC (MiB) | server connections | finals | errors | elapsed (s) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        sample(0, 0, finals, errors, 0);
        long startNanos = System.nanoTime();

        TestRecognizer engine = new TestRecognizer(3200, 2).untracked(); // keeps no per-stream records
        try (VoskProtocolServer server = VoskProtocolServer.start(engine, VoskServerSettings.fromEnvironment(java.util.Map.of("VOSK_SERVER_PORT", "0"),
                new VoskServerSettings.Tuning(2, 1 << 20, java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(100),
                        java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(60))));
             VoskWebSocketRecognizer recognizer = new VoskWebSocketRecognizer(server.uri());
             TranscriptFileSink files = new TranscriptFileSink(out);
             SinkFanout sinks = new SinkFanout(List.<TranscriptSink>of(files, event -> {
                 if (event instanceof TranscriptEvent.Final) {
                     finals.incrementAndGet();
                 } else if (event instanceof TranscriptEvent.CallError) {
                     errors.incrementAndGet();
                 }
             }))) {
            CallManager manager = new CallManager(recognizer, SessionSettingsBuilder.defaults(), sinks)
                    .onEnded(outcome -> {
                        if (!outcome.ok()) {
                            failedCalls.incrementAndGet();
                        }
                        slots.release();
                    });
            sample(0, server.openConnections(), finals, errors, 0);
            for (int i = 1; i <= calls; i++) {
                slots.acquire();
                String id = "soak-" + i;
                if (manager.start(id, List.of(new CallSession.Leg(null, new ArraySource(audio)))).isEmpty()) {
                    throw new IllegalStateException("call " + id + " refused");
                }
                if (i % every == 0) {
                    slots.acquire(concurrent); // let the live calls end: compare quiet states
                    slots.release(concurrent);
                    sample(i, server.openConnections(), finals, errors, (System.nanoTime() - startNanos) / 1e9);
                }
            }
            manager.shutdown(Duration.ofSeconds(30));
        }
        sample(calls, 0, finals, errors, (System.nanoTime() - startNanos) / 1e9);
        long written;
        try (Stream<Path> s = Files.list(out)) {
            written = s.filter(p -> p.toString().endsWith(".json")).count();
        }
        System.out.printf("after: %d transcripts written, %d finals, %d error events, %d failed calls%n",
                written, finals.get(), errors.get(), failedCalls.get());
        try (Stream<Path> s = Files.walk(out)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void sample(int calls, int connections, AtomicLong finals, AtomicLong errors, double elapsed)
            throws IOException, InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        System.out.printf("| %d | %d | %d | %.1f | %d | %d | %d | %.1f |%n", calls, threads, fds, heap / 1048576.0,
                connections, finals.get(), errors.get(), elapsed);
    }

    /** A finished recording in memory: everything at once, then end of call. */
    private static final class ArraySource implements AudioSource {
        private final byte[] audio;
        private int position;

        ArraySource(byte[] audio) {
            this.audio = audio;
        }

        @Override
        public String description() {
            return "soak audio";
        }

        @Override
        public PcmFormat format() {
            return RATE_8K;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= audio.length) {
                return -1;
            }
            int n = Math.min(length, audio.length - position);
            System.arraycopy(audio, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public boolean realTime() {
            return false;
        }

        @Override
        public void stop() {
            position = audio.length;
        }

        @Override
        public String endReason() {
            return "soak audio done";
        }

        @Override
        public void close() {
        }
    }
}
