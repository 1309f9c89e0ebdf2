package io.callscribe.engine.sphinx;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded pure-Java engine: CMU Sphinx4 with the US-English models from the sphinx4-data jar, 16 kHz only.
 *
 * <p>Sphinx4's acoustic model, dictionary and language model keep mutable caches while decoding, so they cannot be
 * shared by concurrent streams. Instead, loaded decoders are kept in a pool: a stream takes an idle one (or loads a new
 * one, a few seconds and a few hundred MB) and gives it back when it ends cleanly. Models are thus loaded once per
 * concurrent stream for the life of the process. {@link #preload(int)} warms the pool before calls arrive.
 */
public final class Sphinx4Recognizer implements Recognizer {

    public static final int SAMPLE_RATE = 16_000;
    private static final Logger log = LoggerFactory.getLogger(Sphinx4Recognizer.class);

    private final Sphinx4Settings settings;
    private final ConcurrentLinkedDeque<Sphinx4Decoder> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    public Sphinx4Recognizer(Sphinx4Settings settings) {
        this.settings = settings;
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

    public Sphinx4Settings settings() {
        return settings;
    }

    /** Loads decoders until {@code count} are idle, so the first calls do not wait for model loading. */
    public void preload(int count) throws RecognizerException {
        while (idle.size() < count) {
            idle.push(load());
        }
    }

    /** Loaded decoders not in use by a stream. */
    public int idleDecoders() {
        return idle.size();
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
        Sphinx4Decoder decoder = idle.poll();
        if (decoder == null) {
            decoder = load();
        }
        return new Sphinx4Stream(decoder, this::giveBack, options, listener, settings.noiseFloor());
    }

    /**
     * Loading takes seconds of CPU. It runs on a platform thread of its own: a virtual caller (a call's leg) waits
     * parked instead of holding one of the few carrier threads all that time, which starved every other virtual
     * thread of the service (AudioSocket readers, ARI events, teardown) while two legs loaded at once.
     */
    private Sphinx4Decoder load() throws RecognizerException {
        java.util.concurrent.CompletableFuture<Sphinx4Decoder> loading = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().name("sphinx4-load").start(() -> {
            try {
                loading.complete(Sphinx4Decoder.load(settings, SAMPLE_RATE));
            } catch (Throwable t) {
                loading.completeExceptionally(t);
            }
        });
        Sphinx4Decoder decoder;
        try {
            decoder = loading.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loading.thenAccept(Sphinx4Decoder::release);
            throw new RecognizerException("sphinx4: interrupted while loading the models", false);
        } catch (java.util.concurrent.ExecutionException e) {
            switch (e.getCause()) {
                case RecognizerException r -> throw r;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new RecognizerException("sphinx4: cannot load the models: " + e.getCause(), false);
            }
        }
        log.info("sphinx4 models loaded in {} ms", decoder.loadTime().toMillis());
        return decoder;
    }

    private void giveBack(Sphinx4Decoder decoder) {
        if (closed) {
            decoder.release();
        } else {
            idle.push(decoder);
        }
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
