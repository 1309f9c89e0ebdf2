package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.api.SpeechResult;
import edu.cmu.sphinx.decoder.ResultListener;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.result.WordResult;
import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;
import io.callscribe.audio.PcmFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sphinx4 recognition stream. The sender's chunks go through a bounded queue to a platform thread that runs the
 * Sphinx4 decoder; that thread also calls the listener. Sphinx4's front end finds the utterances (speech/silence
 * endpointing) and each one becomes a {@link RecognitionResult.Final}; while an utterance is decoded, the best path so
 * far is reported as a {@link RecognitionResult.Partial} every decoder block (0.5 s by default).
 *
 * <p>A platform thread rather than a virtual one: decoding is CPU-bound for seconds at a time and would pin a carrier
 * thread, starving the virtual threads that move audio and events; a platform thread also has measurable CPU time.
 */
public final class Sphinx4Stream implements RecognizerStream {

    private static final Logger log = LoggerFactory.getLogger(Sphinx4Stream.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** 200 ms chunks: 16 chunks is ~3 s of audio queued before the sender blocks. */
    static final int QUEUE_CHUNKS = 16;

    private final Sphinx4Decoder decoder;
    private final Consumer<Sphinx4Decoder> returnDecoder;
    private final StreamOptions options;
    private final RecognitionListener listener;
    private final PcmFormat format;
    private final SegmentedPcmInput input = new SegmentedPcmInput(QUEUE_CHUNKS);
    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private volatile long cpuNanos;
    private volatile boolean failed;
    private long bytesAccepted;
    private final NoiseFloor noiseFloor;

    Sphinx4Stream(Sphinx4Decoder decoder, Consumer<Sphinx4Decoder> returnDecoder, StreamOptions options,
                  RecognitionListener listener, int noiseAmplitude) {
        this.decoder = decoder;
        this.returnDecoder = returnDecoder;
        this.options = options;
        this.listener = listener;
        this.format = PcmFormat.mono(options.sampleRate());
        this.noiseFloor = new NoiseFloor(noiseAmplitude);
        this.thread = Thread.ofPlatform().daemon().name("sphinx4-" + options.label()).unstarted(this::decodeLoop);
        thread.start();
    }

    @Override
    public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
        if ((length & 1) != 0) {
            throw new IllegalArgumentException("sphinx4 stream " + options.label() + ": odd PCM length " + length);
        }
        ensureOpen();
        if (length == 0) {
            return;
        }
        input.put(pcm, offset, length, noiseFloor);
        bytesAccepted += length;
    }

    /** Left-out audio moves the noise floor on (it is a function of the position in the call), nothing else. */
    @Override
    public void skip(long length) throws RecognizerException, InterruptedException {
        RecognizerStream.super.skip(length);
        ensureOpen();
        noiseFloor.skip(length / 2);
    }

    @Override
    public void reset() throws RecognizerException, InterruptedException {
        ensureOpen();
        input.mark(SegmentedPcmInput.Mark.RESET);
    }

    @Override
    public void finish(Duration timeout) throws RecognizerException, InterruptedException {
        ensureOpen();
        if (finishing.compareAndSet(false, true)) {
            input.mark(SegmentedPcmInput.Mark.END);
        }
        boolean completed = done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        close();
        if (!completed) {
            throw new RecognizerException("sphinx4 stream " + options.label() + ": last result not decoded within "
                    + timeout.toMillis() + " ms (" + String.format(Locale.ROOT, "%.1f", format.secondsOf(bytesAccepted))
                    + " s of audio accepted)", false);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (done.getCount() > 0) {
            thread.interrupt();
            input.clear();
        }
    }

    /** CPU time the decoding thread has used so far (all of it once the stream has ended). */
    public Duration decodingCpuTime() {
        if (done.getCount() > 0 && thread.isAlive()) {
            long now = THREADS.getThreadCpuTime(thread.threadId());
            if (now >= 0) {
                return Duration.ofNanos(now);
            }
        }
        return Duration.ofNanos(cpuNanos);
    }

    /** Waits for the decoding thread to end; for tests and benchmarks. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        thread.join(timeout);
        return !thread.isAlive();
    }

    private void ensureOpen() throws RecognizerException {
        if (failed) {
            throw new RecognizerException("sphinx4 stream " + options.label() + " has failed", false);
        }
        if (closed.get() || finishing.get()) {
            throw new RecognizerException("sphinx4 stream " + options.label() + " is closed", false);
        }
    }

    private void decodeLoop() {
        PartialReporter partials = new PartialReporter();
        decoder.addResultListener(partials);
        boolean reusable = false;
        try {
            long segmentStartBytes = 0;
            while (!Thread.currentThread().isInterrupted()) {
                SegmentedPcmInput.Segment segment = input.nextSegment();
                decoder.input(segment);
                double offsetSeconds = format.secondsOf(segmentStartBytes);
                Result result;
                boolean deliveredAny = false;
                while ((result = decoder.nextUtterance()) != null) {
                    listener.onResult(toFinal(result, offsetSeconds));
                    deliveredAny = true;
                }
                if (Thread.currentThread().isInterrupted() || segment.endedBy() == null) {
                    break; // closed: the input was cut, not ended by the sender
                }
                segmentStartBytes += segment.bytesRead();
                if (!deliveredAny) {
                    // No utterance in the segment: a reset or end still answers with a final, an empty one.
                    listener.onResult(RecognitionResult.Final.of("", List.of()));
                }
                if (segment.endedBy() == SegmentedPcmInput.Mark.END) {
                    reusable = true;
                    break;
                }
            }
        } catch (RuntimeException e) {
            if (!closed.get()) {
                failed = true;
                log.warn("sphinx4 stream {} failed: {}", options.label(), e.toString());
                listener.onFailure(new RecognizerException("sphinx4 stream " + options.label() + " failed: " + e, false, e));
            }
        } finally {
            decoder.removeResultListener(partials);
            cpuNanos = Math.max(0, THREADS.getCurrentThreadCpuTime());
            if (reusable) {
                returnDecoder.accept(decoder);
            } else {
                decoder.release(); // interrupted mid-utterance: its search state is not trustworthy
            }
            done.countDown();
        }
    }

    private RecognitionResult.Final toFinal(Result result, double offsetSeconds) {
        String text = result.getBestFinalResultNoFiller().trim();
        if (text.isEmpty()) {
            return RecognitionResult.Final.of("", List.of());
        }
        List<Word> words = new ArrayList<>();
        if (options.words()) {
            for (WordResult w : new SpeechResult(result).getWords()) {
                if (w.isFiller()) {
                    continue;
                }
                double start = offsetSeconds + w.getTimeFrame().getStart() / 1000.0;
                double end = offsetSeconds + w.getTimeFrame().getEnd() / 1000.0;
                double conf = result.getLogMath().logToLinear((float) w.getConfidence());
                words.add(new Word(w.getWord().getSpelling(), start, end, Math.max(0, Math.min(1, conf))));
            }
        }
        return RecognitionResult.Final.of(text, words);
    }

    /** Reports the decoder's best path after every block as a partial (repeats are dropped by the stream layer). */
    private final class PartialReporter implements ResultListener {
        @Override
        public void newResult(Result result) {
            if (!result.isFinal()) {
                listener.onResult(new RecognitionResult.Partial(result.getBestResultNoFiller().trim()));
            }
        }

        @Override
        public void newProperties(edu.cmu.sphinx.util.props.PropertySheet ps) {
        }
    }
}
