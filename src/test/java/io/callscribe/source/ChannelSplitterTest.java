package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.MixMonitorRecordings;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class ChannelSplitterTest {

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @Test
    void splitsAGrowingTwoChannelRawRecordingForTwoReaders() throws Exception {
        PcmFormat stereo = new PcmFormat(8000, 2);
        int frames = 8000 * 4;
        byte[] left = RecordingTailerTest.pattern(frames * 2, 1);
        byte[] right = RecordingTailerTest.pattern(frames * 2, 30000);
        byte[] interleaved = new byte[frames * 4];
        for (int i = 0; i < frames; i++) {
            interleaved[4 * i] = left[2 * i];
            interleaved[4 * i + 1] = left[2 * i + 1];
            interleaved[4 * i + 2] = right[2 * i];
            interleaved[4 * i + 3] = right[2 * i + 1];
        }
        Path file = dir.resolve("both.raw");
        RecordingTailer tailer = RecordingTailer.open(file, 0, 2,
                new TailOptions(Duration.ofMillis(5), Duration.ofMillis(300), false));
        ChannelSplitter splitter = new ChannelSplitter(tailer, 4096);
        assertThat(splitter.left().format()).isEqualTo(PcmFormat.mono(8000));
        Future<RecordingTailerTest.Outcome> a = threads.submit(() -> RecordingTailerTest.drain(splitter.left(), 1000));
        Future<RecordingTailerTest.Outcome> b = threads.submit(() -> RecordingTailerTest.drain(splitter.right(), 3000));
        try (MixMonitorWriter w = MixMonitorRecordings.headerless(file, stereo)) {
            w.writeRealTime(interleaved, 40);
        }
        assertThat(a.get(10, TimeUnit.SECONDS).audio()).isEqualTo(left);
        assertThat(b.get(10, TimeUnit.SECONDS).audio()).isEqualTo(right);
        assertThat(splitter.right().endReason()).isEqualTo("no growth for 300 ms");
        assertThat(splitter.left().description()).endsWith("both.raw channel 1");
        splitter.left().close();
        splitter.right().close();
    }

    @Test
    void aSideNobodyReadsBlocksTheOtherInsteadOfBufferingWithoutBound() throws Exception {
        EndlessStereo upstream = new EndlessStereo();
        ChannelSplitter splitter = new ChannelSplitter(upstream, 1024);
        byte[] buf = new byte[512];
        Future<Long> leftReader = threads.submit(() -> {
            long total = 0;
            int n;
            while ((n = splitter.left().read(buf, 0, buf.length)) > 0) {
                total += n;
            }
            return total;
        });
        // The right side fills up to its 1024 bytes; then the left reader must stop pulling.
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.bytesRead.get() >= 2048);
        Thread.sleep(100);
        long pulled = upstream.bytesRead.get();
        assertThat(pulled).isLessThanOrEqualTo(2 * 1024 + 2 * 1024);
        Thread.sleep(100);
        assertThat(upstream.bytesRead.get()).as("no progress while the right side is full").isEqualTo(pulled);

        // Draining the right side lets the left one go on.
        byte[] r = new byte[1024];
        assertThat(splitter.right().read(r, 0, r.length)).isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.bytesRead.get() > pulled);

        // Closing the right side discards its channel: the left reader is never blocked again.
        splitter.right().close();
        long after = upstream.bytesRead.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.bytesRead.get() > after + 100_000);
        splitter.left().stop();
        assertThat(leftReader.get(5, TimeUnit.SECONDS)).isPositive();
        assertThat(splitter.left().endReason()).isEqualTo("stopped");
        splitter.left().close();
        assertThat(upstream.closed).isTrue();
    }

    @Test
    void upstreamFailureReachesBothSidesAfterTheirBufferedAudio() throws Exception {
        EndlessStereo upstream = new EndlessStereo();
        upstream.failAfter = 800;
        ChannelSplitter splitter = new ChannelSplitter(upstream, 1024);
        byte[] buf = new byte[4096];
        long left = 0;
        IOException failure = null;
        try {
            int n;
            while ((n = splitter.left().read(buf, 0, buf.length)) > 0) {
                left += n;
            }
        } catch (IOException e) {
            failure = e;
        }
        assertThat(left).isEqualTo(400);
        assertThat(failure).hasMessage("test upstream failed");
        assertThat(splitter.right().read(buf, 0, buf.length)).isEqualTo(400);
        assertThatThrownBy(() -> splitter.right().read(buf, 0, buf.length)).hasMessage("test upstream failed");
    }

    @Test
    void monoUpstreamIsRejected() throws Exception {
        Path file = dir.resolve("mono.sln");
        ChannelSplitter splitter = new ChannelSplitter(RecordingTailer.open(file, 0, 1, TailOptions.defaults()));
        assertThatThrownBy(() -> splitter.left().format()).isInstanceOf(AudioFormatException.class)
                .hasMessageContaining("mono.sln").hasMessageContaining("2-channel");
    }

    /** Test double: an endless 2-channel source that counts what was pulled from it. */
    static final class EndlessStereo implements AudioSource {
        final AtomicLong bytesRead = new AtomicLong();
        volatile boolean stopped;
        volatile boolean closed;
        long failAfter = Long.MAX_VALUE;

        @Override
        public String description() {
            return "endless test source";
        }

        @Override
        public PcmFormat format() {
            return new PcmFormat(8000, 2);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (stopped) {
                return -1;
            }
            if (bytesRead.get() >= failAfter) {
                throw new IOException("test upstream failed");
            }
            int n = (int) Math.min(length & ~3, failAfter - bytesRead.get());
            bytesRead.addAndGet(n);
            return n;
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public String endReason() {
            return "stopped";
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
