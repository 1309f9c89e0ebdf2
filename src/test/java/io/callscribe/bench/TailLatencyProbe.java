package io.callscribe.bench;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.source.RecordingFormat;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the flush-to-read delay of {@link RecordingTailer}: a {@link MixMonitorWriter} writes a recording
 * (32 KiB flushes, paced by the clock) while a tailer follows it; for every flush, the delay is the time from
 * the write returning to the first {@code read} that returned bytes up to that file size.
 * <p>
 * {@code bench/tail/run.sh [seconds-of-audio] [speed] [poll-ms] [watch]} (benchmark code: not in the jar)
 */
public final class TailLatencyProbe {

    /** Delays in nanoseconds, one per flush, sorted. */
    public record Result(long[] delaysNanos, TailOptions options) {
        public double percentileMillis(double p) {
            if (delaysNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(delaysNanos.length - 1, Math.ceil(p / 100 * delaysNanos.length) - 1);
            return delaysNanos[Math.max(0, i)] / 1e6;
        }

        @Override
        public String toString() {
            return String.format("poll %s%s: %d flushes, flush->read delay median %.2f ms, p99 %.2f ms, max %.2f ms",
                    options.pollInterval().toMillis() + " ms", options.watch() ? " + WatchService" : "",
                    delaysNanos.length, percentileMillis(50), percentileMillis(99), percentileMillis(100));
        }
    }

    private TailLatencyProbe() {
    }

    public static Result measure(Path dir, PcmFormat format, Duration audio, double speed, TailOptions options)
            throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "probe", ".wav");
        int bytes = (int) (format.bytesPerSecond() * audio.toMillis() / 1000);
        byte[] pcm = new byte[bytes - bytes % format.frameBytes()];
        int maxFlushes = pcm.length / MixMonitorWriter.ASTERISK_BUFFER_BYTES + 2;
        long[] flushSize = new long[maxFlushes];
        long[] flushTime = new long[maxFlushes];
        int[] flushes = {0};
        // Reads are logged into preallocated arrays so that measuring adds no allocation to the read loop.
        long[] readPos = new long[pcm.length / format.frameBytes() + 2];
        long[] readTime = new long[readPos.length];
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
             RecordingTailer tailer = new RecordingTailer(file, RecordingFormat.forFile(file, 0, 1), options)) {
            Future<Integer> reader = threads.submit(() -> {
                byte[] buf = new byte[64 * 1024];
                int reads = 0;
                while (tailer.read(buf, 0, buf.length) > 0) {
                    readTime[reads] = System.nanoTime();
                    readPos[reads++] = tailer.filePosition();
                }
                return reads;
            });
            try (MixMonitorWriter writer = MixMonitorWriter.wav(file, format, (size, t) -> {
                flushSize[flushes[0]] = size;
                flushTime[flushes[0]++] = t;
            })) {
                writer.writeRealTime(pcm, speed);
            }
            int reads = reader.get();
            long[] delays = new long[flushes[0]];
            int r = 0;
            for (int f = 0; f < flushes[0]; f++) {
                long target = flushSize[f] - (flushSize[f] - 44) % format.frameBytes();
                while (r < reads && readPos[r] < target) {
                    r++;
                }
                delays[f] = r < reads ? Math.max(0, readTime[r] - flushTime[f]) : Long.MAX_VALUE;
            }
            Arrays.sort(delays);
            return new Result(delays, options);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("probe reader failed: " + e.getCause(), e.getCause());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        double speed = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int pollMs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        boolean watch = args.length > 3 && Boolean.parseBoolean(args[3]);
        Path dir = Files.createTempDirectory("callscribe-probe");
        try {
            TailOptions options = new TailOptions(Duration.ofMillis(pollMs), TailOptions.DEFAULT_IDLE, watch);
            System.out.println(measure(dir, PcmFormat.mono(8000), Duration.ofSeconds(seconds), speed, options));
        } finally {
            Files.deleteIfExists(dir);
        }
    }
}
