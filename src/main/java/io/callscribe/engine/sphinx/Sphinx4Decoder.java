package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.decoder.ResultListener;
import edu.cmu.sphinx.frontend.util.StreamDataSource;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.util.props.ConfigurationManager;
import edu.cmu.sphinx.util.props.ConfigurationManagerUtils;
import io.callscribe.asr.RecognizerException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;

/**
 * One decoder: Sphinx4's per-call parts (front end, scorer, search manager, active lists) built around the models the
 * whole process shares ({@link SharedSphinx4Models}). One instance decodes one stream at a time; {@link
 * Sphinx4Recognizer} pools instances.
 */
final class Sphinx4Decoder {

    private static final String CONFIG = "resource:/edu/cmu/sphinx/api/default.config.xml";

    private final ConfigurationManager configuration;
    private final Recognizer recognizer;
    private final StreamDataSource dataSource;
    private final Duration loadTime;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onRelease = new java.util.concurrent.atomic.AtomicReference<>();

    private Sphinx4Decoder(ConfigurationManager configuration, Recognizer recognizer, StreamDataSource dataSource,
                           Duration loadTime) {
        this.configuration = configuration;
        this.recognizer = recognizer;
        this.dataSource = dataSource;
        this.loadTime = loadTime;
    }

    /** Sphinx4's default configuration with these settings applied; nothing is loaded yet. */
    static ConfigurationManager configured(Sphinx4Settings settings, int sampleRate) throws java.io.IOException {
        ConfigurationManager cm = new ConfigurationManager(ConfigurationManagerUtils.resourceToURL(CONFIG));
        Sphinx4Logging.routeToSlf4j();
        for (Map.Entry<String, String> global : settings.globals().entrySet()) {
            cm.setGlobalProperty(global.getKey(), global.getValue());
        }
        set(cm, "acousticModelLoader->location", settings.acousticModel());
        set(cm, "dictionary->dictionaryPath", settings.dictionary());
        set(cm, "dictionary->fillerPath", settings.acousticModel() + "/noisedict");
        String lmComponent = languageModelComponent(settings);
        set(cm, lmComponent + "->location", settings.languageModel());
        set(cm, "lexTreeLinguist->languageModel", lmComponent);
        set(cm, "dataSource->sampleRate", Integer.toString(sampleRate));
        for (Map.Entry<String, String> local : settings.locals().entrySet()) {
            set(cm, local.getKey(), local.getValue());
        }
        return cm;
    }

    /**
     * The silence after speech at which the front end's endpointer ({@code speechMarker}) ends an utterance, as these
     * settings configure it (Sphinx4's default is 200 ms).
     */
    static Duration endSilence(Sphinx4Settings settings, int sampleRate) throws java.io.IOException {
        ConfigurationManager cm = configured(settings, sampleRate);
        return Duration.ofMillis(cm.getPropertySheet("speechMarker").getInt("endSilence"));
    }

    /** The Sphinx4 component that reads the settings' language model file. */
    static String languageModelComponent(Sphinx4Settings settings) {
        String lm = settings.languageModel();
        return lm.endsWith(".lm") ? "simpleNGramModel" : lm.endsWith(".dmp") ? "largeTrigramModel" : "trieNgramModel";
    }

    /** Builds a decoder on the shared models: the per-call parts only (milliseconds, a few MB). */
    static Sphinx4Decoder create(Sphinx4Settings settings, int sampleRate, SharedSphinx4Models models)
            throws RecognizerException {
        long started = System.nanoTime();
        try {
            ConfigurationManager cm = configured(settings, sampleRate);
            models.install(cm);
            models.lock().lock();
            try {
                Recognizer recognizer = cm.lookup("recognizer");
                StreamDataSource dataSource = cm.lookup("dataSource");
                recognizer.allocate();
                return new Sphinx4Decoder(cm, recognizer, dataSource, Duration.ofNanos(System.nanoTime() - started));
            } finally {
                models.lock().unlock();
            }
        } catch (RuntimeException | java.io.IOException e) {
            throw new RecognizerException("sphinx4: cannot build a decoder on the loaded models: " + e, false, e);
        }
    }

    private static void set(ConfigurationManager cm, String componentProperty, String value) {
        ConfigurationManagerUtils.setProperty(cm, componentProperty, value);
    }

    /**
     * Forgets what the front end adapted to on earlier streams: the speech classifier's levels and the live
     * cepstral mean, which then starts again from the stream's own first frames. Sphinx4 has no public way to reset
     * LiveCMN (its running sums are private and only ever null before the first frame): they are cleared
     * reflectively, and a Sphinx4 without them fails here by name.
     */
    void forgetAdaptation() throws RecognizerException {
        try {
            Object classifier = configuration.lookup("speechClassifier");
            if (classifier instanceof edu.cmu.sphinx.frontend.DataProcessor p) {
                p.initialize();
            }
            Object cmn = configuration.lookup("liveCMN");
            if (cmn != null) {
                java.lang.reflect.Field sum = cmn.getClass().getDeclaredField("sum");
                sum.setAccessible(true);
                sum.set(cmn, null);
                java.lang.reflect.Field initial = cmn.getClass().getDeclaredField("initialList");
                initial.setAccessible(true);
                ((java.util.List<?>) initial.get(cmn)).clear();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new RecognizerException("sphinx4: cannot reset the front end for a fresh stream (freshStreams): " + e,
                    false, e);
        }
    }

    /** Points the front end at the next stretch of audio; its data-start signal resets the endpointer. */
    void input(InputStream audio) {
        dataSource.setInputStream(audio);
    }

    /** Decodes until the next utterance ends; null when the current input is exhausted. */
    Result nextUtterance() {
        return recognizer.recognize();
    }

    void addResultListener(ResultListener listener) {
        recognizer.addResultListener(listener);
    }

    void removeResultListener(ResultListener listener) {
        recognizer.removeResultListener(listener);
    }

    Duration loadTime() {
        return loadTime;
    }

    /** Runs {@code hook} once when this decoder is released (its stream's slot in the pool is then free). */
    void onRelease(Runnable hook) {
        onRelease.set(hook);
    }

    /** Back in the pool, idle: no stream's slot to free any more when it is released later. */
    void clearOnRelease() {
        onRelease.set(null);
    }

    /**
     * Drops this decoder's per-call parts (the shared models stay: the linguist, models and loader it references are
     * not deallocated through it).
     */
    void release() {
        try {
            recognizer.deallocate();
        } catch (RuntimeException ignored) {
            // Already deallocated or broken mid-decode: nothing left to free but the heap it references.
        }
        Runnable hook = onRelease.getAndSet(null);
        if (hook != null) {
            hook.run();
        }
    }

    @Override
    public String toString() {
        return "sphinx4 decoder " + configuration.getConfigURL();
    }
}
