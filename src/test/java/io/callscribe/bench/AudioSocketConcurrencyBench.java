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
 * java -Xmx1g -cp ... io.callscribe.bench.AudioSocketConcurrencyBench service N RAMP_S MEASURE_S
 * </pre>
 * prints one result line (key=value) per run.
 */
public final class AudioSocketConcurrencyBench {

    private static final int FRAME = 320; // 20 ms at 8 kHz
    private static final int FRAMES_PER_CHUNK = 10; // the session's 200 ms chunks

    public static void main(String[] args) throws Exception {
        if (args[0].equals("load")) {
            load(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else {
            service(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
    }

    // ------------------------------------------------------------------ service side (this JVM is measured)

    static void service(int n, int rampSeconds, int measureSeconds) throws Exception {
        Path out = Files.createTempDirectory("callscribe-bench-");
        Process load = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss256k", "-Dbench.finalEvery=" + LoadVoskServer.FINAL_EVERY, "-cp", System.getProperty("java.class.path"), AudioSocketConcurrencyBench.class.getName(),
                "load", String.valueOf(n), String.valueOf(rampSeconds), String.valueOf(measureSeconds))
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

            Thread.sleep(TimeUnit.SECONDS.toMillis(rampSeconds + 2)); // every call connected and streaming
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            var threads = ManagementFactory.getThreadMXBean();
            java.util.Map<Long, Long> threadCpu0 = threadCpu(threads);
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
            System.out.printf(Locale.ROOT, "n=%d store=%s%s live_mid=%d ended=%d cpu_cores=%.2f heap_after_gc_mib=%.0f "
                            + "heap_peak_mib=%.0f threads_peak=%d %s busiest_threads=%s%n",
                    n, store == null ? "off" : store.describe(), storeSink == null ? ""
                            : " store_pending=" + storeSink.pending() + " store_dropped=" + storeSink.dropped(), liveAtMid, EndCounter.ended.sum(), (double) cpu / wall, heapAfterGc / 1048576.0,
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
     * schedule, hangup at the end. Talks to the service process over stdin/stdout.
     */
    static void load(int n, int rampSeconds, int measureSeconds) throws Exception {
        try (LoadVoskServer vosk = new LoadVoskServer()) {
            System.out.println("vosk=" + vosk.host.uri());
            int port = Integer.parseInt(new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine().strip());
            int callSeconds = rampSeconds + measureSeconds + 4;
            LongAdder bytes = new LongAdder();
            LongAdder failed = new LongAdder();
            List<Thread> callers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long start = t0 + (long) (rampSeconds * 1e9 * i / n);
                callers.add(Thread.ofVirtual().start(() -> {
                    parkUntil(start);
                    try (FakeAsterisk call = FakeAsterisk.call(port, UUID.randomUUID()).discardingReplies()) {
                        long frames = callSeconds * 50L;
                        byte[] frame = new byte[FRAME];
                        ByteBuffer stamp = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
                        long due = System.nanoTime();
                        for (long f = 0; f < frames; f++) {
                            due += 20_000_000L;
                            parkUntil(due);
                            stamp.putLong(0, System.nanoTime());
                            call.send(new AudioSocketMessage.Audio(8000, frame));
                            bytes.add(FRAME);
                        }
                        call.hangupAndAwaitClose(5000);
                    } catch (IOException | InterruptedException e) {
                        failed.increment();
                        System.err.println("bench caller failed: " + e);
                    }
                }));
            }
            // Measure while every call is streaming: after the ramp (+2 s), for measureSeconds.
            parkUntil(t0 + TimeUnit.SECONDS.toNanos(rampSeconds + 2));
            vosk.measuring = true;
            parkUntil(t0 + TimeUnit.SECONDS.toNanos(rampSeconds + 2 + measureSeconds));
            vosk.measuring = false;
            for (Thread t : callers) {
                t.join();
            }
            // Every final reply is in once each connection got its eof; then the byte totals are complete.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (vosk.eofs.sum() < n - failed.sum() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf(Locale.ROOT, "client_failed=%d bytes_sent=%d bytes_at_asr=%d lost_bytes=%d chunks=%d "
                            + "pipeline_ms_p50=%.1f pipeline_ms_p99=%.1f pipeline_ms_max=%.1f "
                            + "chunk_wait_ms_p50=%.1f chunk_wait_ms_p99=%.1f%n",
                    failed.sum(), bytes.sum(), vosk.bytes.sum(), bytes.sum() - vosk.bytes.sum(), vosk.pipeline.count(),
                    vosk.pipeline.percentile(50), vosk.pipeline.percentile(99), vosk.pipeline.max(),
                    vosk.chunkWait.percentile(50), vosk.chunkWait.percentile(99));
        }
        System.exit(0);
    }

    private static void parkUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

}
