package io.callscribe.bench;

import io.callscribe.asr.Recognizer;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.session.CallSession;
import io.callscribe.sink.ConsoleSink;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.testing.RawWebSocketClient;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.testing.TappedRecognizer;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end latency of the recording pipeline (issue: flush -> audio sent, server reply -> event).
 * A recording is written exactly like MixMonitor (32 KiB flushes) in paced real time; callscribe's
 * pipeline (RecordingTailer -> CallSession -> Vosk WebSocket client -> console sink) follows it against
 * a timestamping Vosk-protocol load double. The baseline, in the same run on the same kind of recording,
 * is the naive client most people write first: poll the file every second and send 200 ms chunks
 * lock-step, waiting for each reply.
 *
 * <p>Usage: {@code bench/pipeline/run.sh [audioSeconds=120] [speed=4] [serverDelayMs=0]}
 */
public final class PipelineLatencyBench {

    private static final PcmFormat FORMAT = PcmFormat.mono(8000);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        double speed = args.length > 1 ? Double.parseDouble(args[1]) : 4.0;
        int delayMs = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        byte[] pcm = new byte[FORMAT.bytesFor(seconds * 1000)];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (byte) (i * 131 + (i >> 9));
        }
        System.out.printf(Locale.ROOT, "recording: %d s of 8 kHz audio written MixMonitor-style at %.1fx real time; "
                + "server answers after %d ms per message%n", seconds, speed, delayMs);
        Path dir = Files.createTempDirectory("callscribe-bench");
        try (TimestampingVoskServer server = new TimestampingVoskServer(5, Duration.ofMillis(delayMs))) {
            // Warm-up: class loading and JIT of the whole path (a long-running service is warm).
            Result cold = runPipeline(server, dir.resolve("warmup.wav"), java.util.Arrays.copyOf(pcm, FORMAT.bytesFor(10_000)), speed);
            System.out.printf(Locale.ROOT, "cold JVM, first flush -> sent (includes connecting): %.1f ms%n", cold.flushToSentMs().get(0));
            server.clear();
            Result pipeline = runPipeline(server, dir.resolve("pipeline.wav"), pcm, speed);
            server.clear();
            Result naive = runNaive(server, dir.resolve("naive.wav"), pcm, speed);
            System.out.println();
            System.out.println("| client | flush -> audio sent: median | p99 | max | n | server final -> event: median | p99 | max | n |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            pipeline.print("callscribe pipeline");
            naive.print("naive baseline (1 s poll, lock-step)");
        }
    }

    record Result(List<Double> flushToSentMs, List<Double> replyToEventMs) {
        void print(String name) {
            System.out.printf(Locale.ROOT, "| %s | %.1f ms | %.1f ms | %.1f ms | %d | %.2f ms | %.2f ms | %.2f ms | %d |%n", name,
                    pct(flushToSentMs, 50), pct(flushToSentMs, 99), pct(flushToSentMs, 100), flushToSentMs.size(),
                    pct(replyToEventMs, 50), pct(replyToEventMs, 99), pct(replyToEventMs, 100), replyToEventMs.size());
        }
    }

    static double pct(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static volatile long closedNanos;

    /** Writes the recording on a platform thread, recording (data bytes on disk, nanoTime) at every flush. */
    private static Thread startWriter(Path file, byte[] pcm, double speed, List<long[]> flushes) throws Exception {
        MixMonitorWriter writer = MixMonitorWriter.wav(file, FORMAT,
                (fileSize, nanos) -> flushes.add(new long[]{fileSize - 44, nanos}));
        return Thread.ofPlatform().start(() -> {
            try (writer) {
                writer.writeRealTime(pcm, speed);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            closedNanos = System.nanoTime();
        });
    }

    private static Result runPipeline(TimestampingVoskServer server, Path file, byte[] pcm, double speed) throws Exception {
        List<long[]> flushes = Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> eventNanos = new ConcurrentHashMap<>();
        ConsoleSink console = new ConsoleSink(new PrintStream(OutputStream.nullOutputStream()), false, false);
        TranscriptSink timing = event -> {
            console.accept(event);
            if (event instanceof TranscriptEvent.Final f) {
                eventNanos.put(f.text(), System.nanoTime());
            }
        };
        Thread writer = startWriter(file, pcm, speed, flushes);
        List<TimestampingVoskServer.Arrival> sent = Collections.synchronizedList(new ArrayList<>());
        try (VoskWebSocketRecognizer vosk = new VoskWebSocketRecognizer(server.uri())) {
            long[] bytes = {0};
            Recognizer recognizer = new TappedRecognizer(vosk, (chunk, offset, length) ->
                    sent.add(new TimestampingVoskServer.Arrival(bytes[0] += length, System.nanoTime())));
            RecordingTailer tailer = RecordingTailer.open(file, 0, 1, TailOptions.defaults());
            SingleLegCall.of("bench", tailer, recognizer, SessionSettingsBuilder.defaults(), timing).run();
        }
        long endedNanos = System.nanoTime();
        writer.join();
        System.out.printf(Locale.ROOT, "recording closed (header sizes filled in) -> call ended with its final: %.1f ms%n",
                (endedNanos - closedNanos) / 1e6);
        return new Result(flushToSent(flushes, sent), replyToEvent(server.finalSentNanos, eventNanos));
    }

    /** The usual first attempt: poll once a second, send 200 ms chunks one at a time, block for each reply. */
    private static Result runNaive(TimestampingVoskServer server, Path file, byte[] pcm, double speed) throws Exception {
        List<long[]> flushes = Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> eventNanos = new ConcurrentHashMap<>();
        Thread writer = startWriter(file, pcm, speed, flushes);
        RawWebSocketClient ws = RawWebSocketClient.connect(server.uri());
        ws.text("{\"config\": {\"sample_rate\": 8000}}");
        List<TimestampingVoskServer.Arrival> sentAt = new ArrayList<>();
        long sent = 0;
        long dataEnd = pcm.length;
        while (sent < dataEnd) {
            Thread.sleep(1000);
            long available = Math.min(Files.size(file) - 44, dataEnd);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                while (available - sent >= 3200 || (available == dataEnd && sent < dataEnd)) {
                    int n = (int) Math.min(3200, available - sent);
                    byte[] chunk = new byte[n];
                    raf.seek(44 + sent);
                    raf.readFully(chunk);
                    ws.binary(chunk);
                    sent += n;
                    sentAt.add(new TimestampingVoskServer.Arrival(sent, System.nanoTime()));
                    String reply = ws.nextReply(10, TimeUnit.SECONDS);
                    int i = reply == null ? -1 : reply.indexOf("\"text\"");
                    if (i >= 0) {
                        String text = reply.substring(reply.indexOf('"', reply.indexOf(':', i) + 1) + 1);
                        eventNanos.put(text.substring(0, text.indexOf('"')), System.nanoTime());
                    }
                }
            }
        }
        ws.text("{\"eof\" : 1}");
        ws.nextReply(10, TimeUnit.SECONDS);
        writer.join();
        return new Result(flushToSent(flushes, sentAt), replyToEvent(server.finalSentNanos, eventNanos));
    }

    /** For each flush, the time until the client had sent (written to the socket) every audio byte that flush put on disk. */
    private static List<Double> flushToSent(List<long[]> flushes, List<TimestampingVoskServer.Arrival> arrivals) {
        List<Double> out = new ArrayList<>();
        synchronized (flushes) {
            for (long[] flush : flushes) {
                for (TimestampingVoskServer.Arrival a : arrivals) {
                    if (a.cumulativeBytes() >= flush[0]) {
                        out.add((a.nanos() - flush[1]) / 1e6);
                        break;
                    }
                }
            }
        }
        return out;
    }

    private static List<Double> replyToEvent(Map<String, Long> sent, Map<String, Long> events) {
        List<Double> out = new ArrayList<>();
        sent.forEach((text, nanos) -> {
            Long at = events.get(text);
            if (at != null) {
                out.add((at - nanos) / 1e6);
            }
        });
        return out;
    }
}
