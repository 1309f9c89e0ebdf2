package io.callscribe.bench;

import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.net.JettyWebSocketHost;
import io.callscribe.service.CallManager;
import io.callscribe.session.CallSession;
import io.callscribe.session.SessionSettings;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.audiosocket.AudioSocketCodec;
import io.callscribe.source.audiosocket.AudioSocketMessage;
import io.callscribe.source.audiosocket.AudioSocketServer;
import io.callscribe.testing.AudioSocketConfigBuilder;
import io.callscribe.testing.FakeAsterisk;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.web.CallRegistry;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WebSocketListener;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * BENCHMARK: N concurrent AudioSocket calls in real time through the real service path
 * (AudioSocketServer -> CallManager/CallSession -> VoskWebSocketRecognizer) against {@link LoadVoskServer},
 * a load double of a Vosk server. The measured JVM runs only the service; the load double and the N callers run
 * in a second JVM ({@code load} mode, started by the first) so that their cost is not counted as the service's
 * CPU and heap (on one machine they still compete for the same 2 cores, as Asterisk and a Vosk server would).
 * Every frame carries the {@link System#nanoTime()} of its send in its first 8 bytes (CLOCK_MONOTONIC: one clock
 * for both processes on Linux); the load server reads them back from each chunk it receives, so the service
 * needs no measurement hook.
 *
 * <pre>
 * java -Xmx1g -cp ... io.callscribe.bench.AudioSocketConcurrencyBench service N RAMP_S MEASURE_S [WARM_S]
 * </pre>
 * prints one result line (key=value) per run. The measured window starts WARM_S (default 2) seconds after the ramp:
 * the JIT compiler is still busy in the first 20-30 s of a run (up to a quarter of a core at 1000 calls), which a
 * service that runs for days is not.
 */
public final class AudioSocketConcurrencyBench {

    private static final int FRAME = 320; // 20 ms at 8 kHz
    private static final int FRAMES_PER_CHUNK = 10; // the session's 200 ms chunks
    private static final int FRAME_MS = 20; // one AudioSocket frame

    public static void main(String[] args) throws Exception {
        int warm = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        if (args[0].equals("load")) {
            load(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), warm);
        } else {
            service(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), warm);
        }
    }

    // ------------------------------------------------------------------ service side (this JVM is measured)

    static void service(int n, int rampSeconds, int measureSeconds, int warmSeconds) throws Exception {
        Path out = Files.createTempDirectory("callscribe-bench-");
        Process load = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss256k", "-Dbench.finalEvery=" + LoadVoskServer.FINAL_EVERY, "-cp", System.getProperty("java.class.path"), AudioSocketConcurrencyBench.class.getName(),
                "load", String.valueOf(n), String.valueOf(rampSeconds), String.valueOf(measureSeconds), String.valueOf(warmSeconds))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var loadOut = new java.io.BufferedReader(new java.io.InputStreamReader(load.getInputStream()));
        var loadIn = new java.io.PrintWriter(load.getOutputStream(), true);
        String voskLine = loadOut.readLine();
        {
            VoskWebSocketRecognizer recognizer = new VoskWebSocketRecognizer(java.net.URI.create(voskLine.replace("vosk=", "")));
            CallRegistry registry = new CallRegistry();
            List<TranscriptSink> sinkList = new ArrayList<>(List.of(new TranscriptFileSink(out), registry, new EndCounter()));
            // -Dbench.store=sqlite|sqlite:FILE|postgresql://...: the transcript store as in `callscribe run` (default off)
            io.callscribe.store.TranscriptStore store = io.callscribe.store.Stores.open(
                    System.getProperty("bench.store", "off"), out.resolve("calls.db"), io.callscribe.store.Stores.defaultInstance());
            io.callscribe.sink.StoreSink storeSink = store == null ? null
                    : new io.callscribe.sink.StoreSink(store, id -> "load", io.callscribe.sink.StoreSink.DEFAULT_QUEUE, null);
            if (storeSink != null) {
                sinkList.add(storeSink);
            }
            TranscriptSink sinks = new SinkFanout(sinkList);
            SessionSettings settings = SessionSettingsBuilder.defaults();
            CallManager calls = new CallManager(recognizer, settings, sinks);
            AudioSocketServer server = AudioSocketServer.start(AudioSocketConfigBuilder.spillingInto(Path.of(System.getProperty("java.io.tmpdir"))).maxCalls(Math.max(n, 1)).build(), // capacity, not the limit
                    call -> calls.start(call.id().toString(), List.of(new CallSession.Leg(null, call)))
                            .ifPresentOrElse(s -> { }, call::stop));
            loadIn.println(server.port());

            Thread.sleep(TimeUnit.SECONDS.toMillis(rampSeconds + warmSeconds)); // every call connected and streaming
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            var threads = ManagementFactory.getThreadMXBean();
            java.util.Map<Long, Long> threadCpu0 = threadCpu(threads);
            long[] self0 = ProcCpu.self();
            long[] box0 = ProcCpu.box();
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            int peakThreads = 0;
            long peakHeapUsed = 0;
            long liveAtMid = 0;
            long heapAfterGc = 0;
            for (int s = 0; s < measureSeconds; s++) {
                Thread.sleep(1000);
                peakThreads = Math.max(peakThreads, threads.getThreadCount());
                peakHeapUsed = Math.max(peakHeapUsed, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                if (s == measureSeconds / 2) {
                    liveAtMid = calls.liveCalls().size();
                }
            }
            long cpu = os.getProcessCpuTime() - cpu0;
            String split = ProcCpu.describe(self0, ProcCpu.self(), box0, ProcCpu.box());
            String busiest = busiestThreads(threads, threadCpu0, System.nanoTime() - wall0);
            long wall = System.nanoTime() - wall0;
            System.gc(); // heap that the live calls really hold (they are all still live here)
            heapAfterGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

            String result = loadOut.readLine(); // the load process's counts and delays, after its callers hung up
            load.waitFor();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((EndCounter.ended.sum() < n || !calls.liveCalls().isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (storeSink != null) {
                storeSink.flush(Duration.ofSeconds(30));
            }
            System.out.printf(Locale.ROOT, "n=%d store=%s%s live_mid=%d ended=%d cpu_cores=%.2f %s heap_after_gc_mib=%.0f "
                            + "heap_peak_mib=%.0f threads_peak=%d %s busiest_threads=%s%n",
                    n, store == null ? "off" : store.describe(), storeSink == null ? ""
                            : " store_pending=" + storeSink.pending() + " store_dropped=" + storeSink.dropped(), liveAtMid, EndCounter.ended.sum(), (double) cpu / wall, split, heapAfterGc / 1048576.0,
                    peakHeapUsed / 1048576.0, peakThreads, result, busiest);
            server.stop();
            calls.shutdown(Duration.ofSeconds(10));
            sinks.close();
            if (store != null) {
                store.close();
            }
            recognizer.close();
        }
        System.exit(0);
    }

    private static java.util.Map<Long, Long> threadCpu(java.lang.management.ThreadMXBean threads) {
        java.util.Map<Long, Long> cpu = new java.util.HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            cpu.put(id, threads.getThreadCpuTime(id));
        }
        return cpu;
    }

    /** The platform threads (carriers, selectors, pools) that used most CPU in the window, as share of one core. */
    private static String busiestThreads(java.lang.management.ThreadMXBean threads, java.util.Map<Long, Long> before, long wall) {
        List<String> top = new ArrayList<>();
        java.util.Map<String, Double> byName = new java.util.HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long now = threads.getThreadCpuTime(id);
            var info = threads.getThreadInfo(id);
            if (now < 0 || info == null) {
                continue;
            }
            String name = info.getThreadName().replaceAll("[-_ ]?\\d+$", "").replaceAll("\\d+", "#");
            byName.merge(name, (now - before.getOrDefault(id, 0L)) / (double) wall, Double::sum);
        }
        byName.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed()).limit(5)
                .forEach(e -> top.add(e.getKey().replace(' ', '_') + ":" + String.format(Locale.ROOT, "%.2f", e.getValue())));
        // The transcript files' writer thread, named even when it is not among the busiest (BENCHMARKS.md section 9).
        return String.join(",", top) + String.format(Locale.ROOT, " transcript_progress_cores=%.4f",
                byName.getOrDefault("transcript-progress", 0.0));
    }

    /** Counts ended calls, to know when every call's final result is in. */
    private static final class EndCounter implements TranscriptSink {
        static final LongAdder ended = new LongAdder();

        @Override
        public void accept(TranscriptEvent event) {
            if (event instanceof TranscriptEvent.CallEnded) {
                ended.increment();
            }
        }
    }

    /**
     * LOAD DOUBLE of a Vosk server: answers each binary message with a tiny partial (every 5th with a tiny final, or
     * every {@code -Dbench.finalEvery=N}th: the audio each call holds for replay until a final covers it),
     * eof with a final and a close; recognises nothing. Reads the send stamps of the first and last frame of each
     * chunk and records, while measuring, receive time minus last frame's send (the pipeline's delay) and last
     * minus first (the wait for a 200 ms chunk to fill).
     */
    static final class LoadVoskServer implements AutoCloseable {
        static final int FINAL_EVERY = Integer.getInteger("bench.finalEvery", 5);
        final JettyWebSocketHost host;
        final LongAdder bytes = new LongAdder();
        final LongAdder eofs = new LongAdder();
        final Histogram pipeline = new Histogram();
        final Histogram chunkWait = new Histogram();
        volatile boolean measuring;

        LoadVoskServer() throws Exception {
            host = JettyWebSocketHost.start("127.0.0.1", 0, 1 << 20, Duration.ofMinutes(5), (req, res) -> new Conn(), "load-vosk");
        }

        private final class Conn implements WebSocketListener {
            private Session session;
            private int messages;

            @Override
            public void onWebSocketConnect(Session s) {
                session = s;
            }

            @Override
            public void onWebSocketBinary(byte[] payload, int offset, int length) {
                long now = System.nanoTime();
                bytes.add(length);
                if (measuring && length == FRAME * FRAMES_PER_CHUNK) {
                    ByteBuffer b = ByteBuffer.wrap(payload, offset, length).order(ByteOrder.LITTLE_ENDIAN);
                    long first = b.getLong(offset);
                    long last = b.getLong(offset + FRAME * (FRAMES_PER_CHUNK - 1));
                    pipeline.record(now - last);
                    chunkWait.record(last - first);
                }
                send(++messages % FINAL_EVERY == 0 ? "{\"text\" : \"w\"}" : "{\"partial\" : \"w\"}");
            }

            @Override
            public void onWebSocketText(String message) {
                if (message.contains("eof")) {
                    eofs.increment();
                    send("{\"text\" : \"\"}");
                    session.close(1000, "");
                } else if (message.contains("reset")) {
                    send("{\"text\" : \"\"}");
                }
            }

            private void send(String json) {
                try {
                    session.getRemote().sendString(json);
                } catch (IOException e) {
                    // client gone
                }
            }
        }

        @Override
        public void close() {
            host.close();
        }
    }

    /** 0.1 ms buckets up to 60 s; lock-free. */
    static final class Histogram {
        private static final int BUCKETS = 600_000;
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong maxNanos = new AtomicLong();

        void record(long nanos) {
            int bucket = (int) Math.min(BUCKETS - 1, Math.max(0, nanos / 100_000));
            counts.incrementAndGet(bucket);
            total.incrementAndGet();
            maxNanos.accumulateAndGet(nanos, Math::max);
        }

        long count() {
            return total.get();
        }

        double percentile(double p) {
            long target = (long) Math.ceil(total.get() * p / 100.0);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += counts.get(i);
                if (seen >= target && target > 0) {
                    return (i + 1) / 10.0; // upper edge of the bucket, ms
                }
            }
            return Double.NaN;
        }

        double max() {
            return maxNanos.get() / 1e6;
        }
    }

    // ------------------------------------------------------------------ clients (separate JVM)

    /**
     * The load process: the Vosk load double and N callers, starts spread over the ramp, 20 ms frames on an absolute
     * schedule, hangup at the end. Talks to the service process over stdin/stdout. Each caller connects on a virtual
     * thread of its own; one platform thread per core ({@link CallerTicker}, each with its share of the callers) then
     * writes the frames when they are due, as Asterisk's channel threads would, without the 50,000 timed wake-ups a
     * second that a thread per caller costs at 1000 calls (BENCHMARKS.md section 9: the load JVM took as much CPU as
     * the service).
     */
    static void load(int n, int rampSeconds, int measureSeconds, int warmSeconds) throws Exception {
        try (LoadVoskServer vosk = new LoadVoskServer()) {
            System.out.println("vosk=" + vosk.host.uri());
            int port = Integer.parseInt(new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine().strip());
            int callSeconds = rampSeconds + warmSeconds + measureSeconds + 2;
            LongAdder failed = new LongAdder();
            // One writer thread per core: a single one fell behind beside a one-core hog (the scheduler shares CPU per
            // thread), so the callers sent fewer frames than a real-time call does.
            int writers = Runtime.getRuntime().availableProcessors();
            List<CallerTicker> tickers = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                tickers.add(new CallerTicker((n + writers - 1 - w) / writers, callSeconds * 1000L / FRAME_MS, failed));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long start = t0 + (long) (rampSeconds * 1e9 * i / n);
                CallerTicker ticker = tickers.get(i % writers);
                Thread.ofVirtual().start(() -> {
                    parkUntil(start);
                    try {
                        ticker.join(FakeAsterisk.call(port, UUID.randomUUID()).discardingReplies());
                    } catch (IOException e) {
                        ticker.failed("connect", e);
                    }
                });
            }
            List<Thread> ticks = new ArrayList<>();
            for (CallerTicker ticker : tickers) {
                ticks.add(Thread.ofPlatform().name("bench-callers-" + ticks.size()).start(ticker));
            }
            // Measure while every call is streaming: after the ramp and the warm-up, for measureSeconds.
            parkUntil(t0 + TimeUnit.SECONDS.toNanos(rampSeconds + warmSeconds));
            long[] self0 = ProcCpu.self();
            vosk.measuring = true;
            parkUntil(t0 + TimeUnit.SECONDS.toNanos(rampSeconds + warmSeconds + measureSeconds));
            vosk.measuring = false;
            long[] self1 = ProcCpu.self();
            for (int w = 0; w < writers; w++) {
                tickers.get(w).done.await();
                ticks.get(w).interrupt();
            }
            long sent = tickers.stream().mapToLong(t -> t.bytes.sum()).sum();
            // Every final reply is in once each connection got its eof; then the byte totals are complete.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (vosk.eofs.sum() < n - failed.sum() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf(Locale.ROOT, "client_failed=%d bytes_sent=%d bytes_at_asr=%d lost_bytes=%d chunks=%d chunks_real_time=%d "
                            + "pipeline_ms_p50=%.1f pipeline_ms_p90=%.1f pipeline_ms_p99=%.1f pipeline_ms_p999=%.1f pipeline_ms_max=%.1f "
                            + "chunk_wait_ms_p50=%.1f chunk_wait_ms_p99=%.1f load_jvm_user_cores=%.2f load_jvm_sys_cores=%.2f%n",
                    failed.sum(), sent, vosk.bytes.sum(), sent - vosk.bytes.sum(), vosk.pipeline.count(), (long) n * measureSeconds * 1000 / (FRAME_MS * FRAMES_PER_CHUNK),
                    vosk.pipeline.percentile(50), vosk.pipeline.percentile(90), vosk.pipeline.percentile(99),
                    vosk.pipeline.percentile(99.9), vosk.pipeline.max(),
                    vosk.chunkWait.percentile(50), vosk.chunkWait.percentile(99),
                    ProcCpu.cores(self0, self1, 0), ProcCpu.cores(self0, self1, 1));
        }
        System.exit(0);
    }

    /**
     * Writes its callers' 20 ms frames when they are due (each frame stamped with its send time), from the one
     * platform thread that runs it, then hangs each caller up after its last frame (on a virtual thread, which waits
     * for the service's close). Callers join from their connecting threads.
     */
    static final class CallerTicker implements Runnable {
        private static final long FRAME_NANOS = TimeUnit.MILLISECONDS.toNanos(FRAME_MS);
        final LongAdder bytes = new LongAdder();
        final java.util.concurrent.CountDownLatch done;
        private final long frames;
        private final LongAdder failed;
        private final java.util.concurrent.ConcurrentLinkedQueue<Caller> joining = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.PriorityQueue<Caller> due = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(c -> c.due));

        CallerTicker(int callers, long frames, LongAdder failed) {
            this.done = new java.util.concurrent.CountDownLatch(callers);
            this.frames = frames;
            this.failed = failed;
        }

        private static final class Caller {
            final FakeAsterisk call;
            final byte[] wire = AudioSocketCodec.encode(new AudioSocketMessage.Audio(8000, new byte[FRAME]));
            final ByteBuffer stamp = ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
            long due;
            long sent;

            Caller(FakeAsterisk call) {
                this.call = call;
                this.due = System.nanoTime() + FRAME_NANOS;
            }
        }

        void join(FakeAsterisk call) {
            joining.add(new Caller(call));
        }

        void failed(String what, IOException e) {
            failed.increment();
            System.err.println("bench caller failed (" + what + "): " + e);
            done.countDown();
        }

        @Override
        public void run() {
            while (!Thread.currentThread().isInterrupted()) {
                for (Caller c; (c = joining.poll()) != null; ) {
                    due.add(c);
                }
                long now = System.nanoTime();
                Caller next = due.peek();
                if (next == null || next.due > now) {
                    // At most 1 ms, so that a caller that joins meanwhile starts on time.
                    LockSupport.parkNanos(next == null ? 1_000_000L : Math.min(next.due - now, 1_000_000L));
                    continue;
                }
                due.poll();
                try {
                    next.stamp.putLong(3, System.nanoTime());
                    next.call.sendRaw(next.wire);
                    bytes.add(FRAME);
                } catch (IOException e) {
                    failed("send", e);
                    closeQuietly(next.call);
                    continue;
                }
                if (++next.sent < frames) {
                    next.due += FRAME_NANOS;
                    due.add(next);
                } else {
                    Thread.ofVirtual().start(() -> {
                        try (FakeAsterisk call = next.call) {
                            call.hangupAndAwaitClose(5000);
                            done.countDown();
                        } catch (IOException | InterruptedException e) {
                            failed("hangup", e instanceof IOException io ? io : new IOException(e));
                        }
                    });
                }
            }
        }

        private static void closeQuietly(FakeAsterisk call) {
            try {
                call.close();
            } catch (IOException ignored) {
                // the connection is gone either way
            }
        }
    }

    /**
     * CPU time from /proc (Linux): this process's user and system time ({@code /proc/self/stat}), and the whole box's
     * busy and total time ({@code /proc/stat}), in clock ticks with the wall time in nanoseconds last, so that a run
     * shows how much of the 2 cores the kernel took and how much was left idle.
     */
    static final class ProcCpu {
        private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

        /** {user ticks, system ticks, wall nanos} of this process. */
        static long[] self() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), System.nanoTime()};
            } catch (IOException | RuntimeException e) {
                return new long[] {0, 0, System.nanoTime()};
            }
        }

        /** {user+nice ticks, system+irq+softirq ticks, idle+iowait ticks, steal ticks, wall nanos} of all CPUs. */
        static long[] box() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long user = Long.parseLong(f[1]) + Long.parseLong(f[2]);
                long sys = Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new long[] {user, sys, idle, Long.parseLong(f[8]), System.nanoTime()};
            } catch (IOException | RuntimeException e) {
                return new long[] {0, 0, 0, 0, System.nanoTime()};
            }
        }

        /** Field {@code i} of two {@link #self()} or {@link #box()} readings as cores (share of one CPU) over the wall time. */
        static double cores(long[] before, long[] after, int i) {
            double seconds = (after[after.length - 1] - before[before.length - 1]) / 1e9;
            return (after[i] - before[i]) / TICKS_PER_SECOND / seconds;
        }

        static String describe(long[] self0, long[] self1, long[] box0, long[] box1) {
            return String.format(Locale.ROOT, "service_user_cores=%.2f service_sys_cores=%.2f box_user_cores=%.2f "
                            + "box_sys_cores=%.2f box_idle_cores=%.2f box_steal_cores=%.2f",
                    cores(self0, self1, 0), cores(self0, self1, 1), cores(box0, box1, 0), cores(box0, box1, 1), cores(box0, box1, 2),
                    cores(box0, box1, 3));
        }
    }

    private static void parkUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

}
