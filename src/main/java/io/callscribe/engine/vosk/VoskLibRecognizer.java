package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vosk.Model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * libvosk in this process (no Vosk server): one {@link Model} shared by all streams, one
 * {@code org.vosk.Recognizer} per stream, decoding on a fixed pool of platform threads (CPU-bound native
 * work; like vosk-server, about one thread per core). Closing the engine frees the model and every stream.
 */
public final class VoskLibRecognizer implements Recognizer {

    private static final Logger log = LoggerFactory.getLogger(VoskLibRecognizer.class);

    private final VoskModelDirectory modelDir;
    private final Model model;
    private final ExecutorService decoders;
    private final Set<VoskLibStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Loads the model in {@code modelDir} with one decoder thread per available core. */
    public VoskLibRecognizer(Path modelDir) throws RecognizerException {
        this(modelDir, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @throws RecognizerException when the directory is missing or not a Vosk model, libvosk cannot be loaded,
     *                             or libvosk rejects the model; the message says where models come from
     */
    public VoskLibRecognizer(Path modelDir, int decoderThreads) throws RecognizerException {
        if (decoderThreads < 1) {
            throw new IllegalArgumentException("decoderThreads must be >= 1, got " + decoderThreads);
        }
        this.modelDir = VoskModelDirectory.open(modelDir);
        VoskNative.load();
        long t0 = System.nanoTime();
        try {
            this.model = new Model(modelDir.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new RecognizerException("libvosk could not load the model in " + modelDir + " (" + e.getMessage()
                    + "); it may be incomplete or built for another Vosk version; " + VoskModelDirectory.HOW_TO_GET, false, e);
        }
        AtomicInteger n = new AtomicInteger();
        this.decoders = Executors.newFixedThreadPool(decoderThreads,
                r -> Thread.ofPlatform().daemon().name("vosk-decoder-" + n.incrementAndGet()).unstarted(r));
        log.info("vosk model {} loaded in {} ms ({} Hz, {} decoder threads)", this.modelDir.name(),
                (System.nanoTime() - t0) / 1_000_000, this.modelDir.sampleRate().orElse(0), decoderThreads);
    }

    @Override
    public String name() {
        return "vosk";
    }

    public VoskModelDirectory model() {
        return modelDir;
    }

    /** The model's training rate from its mfcc.conf, so the pipeline resamples (libvosk cannot upsample). */
    @Override
    public OptionalInt requiredSampleRate() {
        return modelDir.sampleRate();
    }

    @Override
    public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
        if (closed) {
            throw new RecognizerException("vosk engine (model " + modelDir.dir() + ") is closed", false);
        }
        OptionalInt rate = modelDir.sampleRate();
        if (rate.isPresent() && options.sampleRate() < rate.getAsInt()) {
            throw new RecognizerException("vosk model " + modelDir.name() + " needs " + rate.getAsInt()
                    + " Hz audio but stream " + options.label() + " would send " + options.sampleRate()
                    + " Hz; libvosk cannot upsample: resample first", false);
        }
        org.vosk.Recognizer recognizer;
        try {
            recognizer = new org.vosk.Recognizer(model, options.sampleRate());
        } catch (IOException | RuntimeException e) {
            throw new RecognizerException("libvosk could not create a recognizer for stream " + options.label()
                    + " with model " + modelDir.dir() + ": " + e.getMessage(), false, e);
        }
        recognizer.setWords(options.words());
        if (options.maxAlternatives() > 0) {
            recognizer.setMaxAlternatives(options.maxAlternatives());
        }
        VoskLibStream[] self = new VoskLibStream[1];
        self[0] = new VoskLibStream(options.label(), VoskDecoder.of(recognizer), listener, decoders, () -> streams.remove(self[0]));
        streams.add(self[0]);
        return self[0];
    }

    /** Ends every open stream without waiting for results, then frees the model. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (VoskLibStream s : streams) {
            s.close();
        }
        decoders.shutdown(); // queued tasks, including the streams' native frees, still run
        try {
            if (!decoders.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("vosk decoders still busy 10 s after close; freeing the model anyway (libvosk reference-counts it)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        model.close();
    }
}
