package io.callscribe.engine.sphinx;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded pure-Java engine: CMU Sphinx4 with the US-English models from the sphinx4-data jar, 16 kHz only.
 *
 * <p>The acoustic model, dictionary, language model and lex tree are loaded once per process, on first use (a few
 * seconds), and shared by all concurrent streams ({@link SharedSphinx4Models}); each stream gets a fresh decoder with
 * only the per-call parts (so its words never depend on an earlier call), prebuilt by {@link #preload(int)} or built
 * when the stream opens. {@link #preload(int)} loads the models before calls arrive.
 *
 * <p>Concurrent streams are limited to what the heap holds: {@code maxStreams}, or by default
 * ({@code maxStreams = 0}) the heap left beside the shared models divided by {@link #DECODER_HEAP_BYTES}. A stream
 * beyond that is refused with an error naming the limit (the call gets an error event; nothing is dropped silently).
 * Thread-safe.
 */
public final class Sphinx4Recognizer implements Recognizer {

    public static final int SAMPLE_RATE = 16_000;
    /**
     * Heap one decoder needs while decoding (per-call parts and search state): BENCHMARKS.md measured 2-15 MB retained
     * per extra concurrent stream (8 MB on average); 24 MB leaves room for the search's peaks.
     */
    public static final long DECODER_HEAP_BYTES = 24L << 20;
    /** Heap kept free for everything else the process does. */
    static final long HEAP_RESERVE_BYTES = 192L << 20;
    private static final Logger log = LoggerFactory.getLogger(Sphinx4Recognizer.class);

    private final Sphinx4Settings settings;
    private final int maxStreamsSetting;
    private final ConcurrentLinkedDeque<Sphinx4Decoder> idle = new ConcurrentLinkedDeque<>();
    private final ReentrantLock loading = new ReentrantLock();
    private volatile SharedSphinx4Models models;
    private volatile Semaphore streams;
    private volatile int maxStreams;
    private volatile boolean closed;
    /** {@link #endpointSilence()}, read from the configuration once (null until then). */
    private volatile java.util.Optional<java.time.Duration> endpointSilence;

    /**
     * @param maxStreams concurrent streams allowed; 0 = as many as the heap holds (see the class description)
     */
    public Sphinx4Recognizer(Sphinx4Settings settings, int maxStreams) {
        if (maxStreams < 0) {
            throw new IllegalArgumentException("sphinx4 max streams must be >= 0 (0 = from the heap), not " + maxStreams);
        }
        this.settings = settings;
        this.maxStreamsSetting = maxStreams;
    }

    /** As many streams as the heap holds. */
    public Sphinx4Recognizer(Sphinx4Settings settings) {
        this(settings, 0);
    }

    /** With {@link Sphinx4Settings#fromSystemProperties()}. */
    public Sphinx4Recognizer() {
        this(Sphinx4Settings.fromSystemProperties());
    }

    @Override
    public String name() {
        return "sphinx4";
    }

    @Override
    public OptionalInt requiredSampleRate() {
        return OptionalInt.of(SAMPLE_RATE);
    }

    /**
     * Sphinx4 ends an utterance by itself after its endpointer's silence (200 ms unless the settings change
     * {@code speechMarker->endSilence}); empty if the configuration cannot be read (a gate then resets instead).
     */
    @Override
    public java.util.Optional<java.time.Duration> endpointSilence() {
        java.util.Optional<java.time.Duration> known = endpointSilence;
        if (known == null) {
            try {
                known = java.util.Optional.of(Sphinx4Decoder.endSilence(settings, SAMPLE_RATE));
            } catch (java.io.IOException | RuntimeException e) {
                log.debug("sphinx4: cannot read the endpointer's silence from the configuration: {}", e.toString());
                known = java.util.Optional.empty();
            }
            endpointSilence = known;
        }
        return known;
    }

    public Sphinx4Settings settings() {
        return settings;
    }

    /** Loads the models and builds decoders until {@code count} are ready, so the first calls wait for nothing. */
    public void preload(int count) throws RecognizerException {
        SharedSphinx4Models m = models();
        while (idle.size() < count) {
            idle.push(Sphinx4Decoder.create(settings, SAMPLE_RATE, m));
        }
    }

    /** Decoders built ahead and not yet used by a stream. */
    int idleDecoders() {
        return idle.size();
    }

    /** Streams decoding now. */
    int activeStreams() {
        Semaphore s = streams;
        return s == null ? 0 : maxStreams - s.availablePermits();
    }

    @Override
    public Sphinx4Stream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        if (closed) {
            throw new RecognizerException("sphinx4 recognizer is closed", false);
        }
        if (options.sampleRate() != SAMPLE_RATE) {
            throw new RecognizerException("sphinx4 stream " + options.label() + ": sample rate " + options.sampleRate()
                    + " Hz not supported, the US-English model needs " + SAMPLE_RATE + " Hz", false);
        }
        SharedSphinx4Models m = models();
        Semaphore slots = streams;
        if (!slots.tryAcquire()) {
            throw new RecognizerException("sphinx4 stream " + options.label() + " refused: all " + maxStreams
                    + " decoders are busy (" + (maxStreamsSetting > 0 ? "the configured limit"
                    : "what a " + (Runtime.getRuntime().maxMemory() >> 20) + " MB heap holds besides the shared models")
                    + "); use a larger heap (-Xmx) or another engine for more concurrent calls", false);
        }
        try {
            Sphinx4Decoder decoder = idle.poll();
            if (decoder == null) {
                decoder = Sphinx4Decoder.create(settings, SAMPLE_RATE, m);
                log.debug("sphinx4 decoder for {} built in {} ms", options.label(), decoder.loadTime().toMillis());
            }
            if (settings.freshStreams()) {
                decoder.forgetAdaptation(); // on failure the decoder is dropped with the slot released below
            }
            decoder.onRelease(slots::release);
            return new Sphinx4Stream(decoder, this::giveBack, options, listener, settings.noiseFloor());
        } catch (RecognizerException | RuntimeException e) {
            slots.release();
            throw e;
        }
    }

    private SharedSphinx4Models models() throws RecognizerException {
        SharedSphinx4Models m = models;
        if (m != null) {
            return m;
        }
        loading.lock();
        try {
            if (models == null) {
                Runtime rt = Runtime.getRuntime();
                long before = rt.totalMemory() - rt.freeMemory();
                SharedSphinx4Models loaded = loadOnPlatformThread();
                long after = rt.totalMemory() - rt.freeMemory();
                long shared = Math.max(0, after - before);
                int limit = maxStreamsSetting > 0 ? maxStreamsSetting
                        : (int) Math.max(1, (rt.maxMemory() - shared - HEAP_RESERVE_BYTES) / DECODER_HEAP_BYTES);
                maxStreams = limit;
                streams = new Semaphore(limit);
                models = loaded;
                log.info("sphinx4 models loaded once for all calls in {} ms (about {} MB of heap, {} tied-mixture "
                                + "codebooks scored per thread); up to {} concurrent streams", loaded.loadTime().toMillis(),
                        shared >> 20, loaded.codebooks(), limit);
            }
            return models;
        } finally {
            loading.unlock();
        }
    }

    /**
     * Loading takes seconds of CPU. It runs on a platform thread of its own: a virtual caller (a call's leg) waits
     * parked instead of holding one of the few carrier threads all that time, which starved every other virtual
     * thread of the service (AudioSocket readers, ARI events, teardown) while two legs loaded at once.
     */
    private SharedSphinx4Models loadOnPlatformThread() throws RecognizerException {
        java.util.concurrent.CompletableFuture<SharedSphinx4Models> loading = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().name("sphinx4-load").start(() -> {
            try {
                loading.complete(SharedSphinx4Models.load(settings, SAMPLE_RATE));
            } catch (Throwable t) {
                loading.completeExceptionally(t);
            }
        });
        try {
            return loading.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecognizerException("sphinx4: interrupted while loading the models", false);
        } catch (java.util.concurrent.ExecutionException e) {
            switch (e.getCause()) {
                case RecognizerException r -> throw r;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new RecognizerException("sphinx4: cannot load the models: " + e.getCause(), false);
            }
        }
    }

    /**
     * A stream ended cleanly. Its decoder is not reused: Sphinx4's front end adapts to the audio it heard (cepstral
     * mean, speech classifier background level), so a reused decoder would make a call's words depend on the call
     * before it. With the models shared, a fresh decoder costs milliseconds and a few MB.
     */
    private void giveBack(Sphinx4Decoder decoder) {
        decoder.clearOnRelease();
        decoder.release();
        streams.release();
    }

    @Override
    public void close() {
        closed = true;
        Sphinx4Decoder decoder;
        while ((decoder = idle.poll()) != null) {
            decoder.release();
        }
    }
}
