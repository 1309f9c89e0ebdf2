package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.linguist.acoustic.AcousticModel;
import edu.cmu.sphinx.linguist.acoustic.UnitManager;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.Loader;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.Pool;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.Senone;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.tiedmixture.MixtureComponentSet;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.tiedmixture.PrunableMixtureComponent;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.tiedmixture.SetBasedGaussianMixture;
import edu.cmu.sphinx.linguist.dictionary.Dictionary;
import edu.cmu.sphinx.linguist.language.ngram.LanguageModel;
import edu.cmu.sphinx.linguist.lextree.ConcurrentLexTreeLinguist;
import edu.cmu.sphinx.linguist.lextree.LexTreeLinguist;
import edu.cmu.sphinx.util.props.Configurable;
import edu.cmu.sphinx.util.props.ConfigurationManager;
import edu.cmu.sphinx.util.props.PropertySheet;
import io.callscribe.asr.RecognizerException;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sphinx4's models, loaded once per process and shared by every concurrent decoder: the acoustic model (with its
 * loader and unit manager), the dictionary, the language model and the lex tree compiled from them. A decoder
 * ({@link Sphinx4Decoder}) then only builds what is per call: front end, scorer, search manager and active lists.
 *
 * <p>Thread safety of what is shared (checked against Sphinx4 5prealpha's code):
 * <ul>
 *   <li>senone scores: {@code ScoreCachingSenone} caches an immutable (feature, score) pair in a volatile field, safe;
 *       but tied-mixture codebooks ({@code MixtureComponentSet}) keep per-frame scoring state, which is moved to
 *       {@link PerThreadMixtureComponentSet} (one copy of the state per decoding thread);</li>
 *   <li>language model: lookups are serialised by {@link SharedLanguageModel}, with a per-thread cache in front;</li>
 *   <li>lex tree: immutable once compiled, except the word-end cache, made concurrent by
 *       {@link ConcurrentLexTreeLinguist}; the arc cache is off;</li>
 *   <li>dictionary, loader and acoustic model tables: read-only after loading; the acoustic model's lazy lookups
 *       (composite HMMs) run only under {@link #lock()}, taken while a decoder is built and while the lex tree fills
 *       its word-end cache.</li>
 * </ul>
 */
final class SharedSphinx4Models {

    private final Loader loader;
    private final AcousticModel acousticModel;
    private final UnitManager unitManager;
    private final Dictionary dictionary;
    private final SharedLanguageModel languageModel;
    private final String languageModelName;
    private final ConcurrentLexTreeLinguist linguist;
    private final ReentrantLock lock;
    private final int codebooks;
    private final Duration loadTime;

    private SharedSphinx4Models(Loader loader, AcousticModel acousticModel, UnitManager unitManager,
                                Dictionary dictionary, SharedLanguageModel languageModel, String languageModelName,
                                ConcurrentLexTreeLinguist linguist, ReentrantLock lock, int codebooks,
                                Duration loadTime) {
        this.loader = loader;
        this.acousticModel = acousticModel;
        this.unitManager = unitManager;
        this.dictionary = dictionary;
        this.languageModel = languageModel;
        this.languageModelName = languageModelName;
        this.linguist = linguist;
        this.lock = lock;
        this.codebooks = codebooks;
        this.loadTime = loadTime;
    }

    static SharedSphinx4Models load(Sphinx4Settings settings, int sampleRate) throws RecognizerException {
        long started = System.nanoTime();
        try {
            ConfigurationManager cm = Sphinx4Decoder.configured(settings, sampleRate);
            String lmName = Sphinx4Decoder.languageModelComponent(settings);
            Loader loader = cm.lookup("acousticModelLoader");
            AcousticModel am = cm.lookup("acousticModel");
            UnitManager units = cm.lookup("unitManager");
            Dictionary dictionary = cm.lookup("dictionary");
            LanguageModel lm = cm.lookup(lmName);
            dictionary.allocate();
            am.allocate();
            lm.allocate();
            int codebooks = scoreTiedMixturesPerThread(loader);
            SharedLanguageModel shared = new SharedLanguageModel(lm);
            PropertySheet ps = cm.getPropertySheet("lexTreeLinguist");
            ReentrantLock lock = new ReentrantLock();
            ConcurrentLexTreeLinguist linguist = new ConcurrentLexTreeLinguist(am, units, shared, dictionary,
                    ps.getBoolean(LexTreeLinguist.PROP_FULL_WORD_HISTORIES),
                    ps.getBoolean(LexTreeLinguist.PROP_WANT_UNIGRAM_SMEAR),
                    ps.getDouble(LexTreeLinguist.PROP_WORD_INSERTION_PROBABILITY),
                    ps.getDouble(LexTreeLinguist.PROP_SILENCE_INSERTION_PROBABILITY),
                    ps.getDouble(LexTreeLinguist.PROP_FILLER_INSERTION_PROBABILITY),
                    ps.getDouble(LexTreeLinguist.PROP_UNIT_INSERTION_PROBABILITY),
                    ps.getFloat(LexTreeLinguist.PROP_LANGUAGE_WEIGHT),
                    ps.getBoolean(LexTreeLinguist.PROP_ADD_FILLER_WORDS),
                    ps.getBoolean(LexTreeLinguist.PROP_GENERATE_UNIT_STATES),
                    ps.getFloat(LexTreeLinguist.PROP_UNIGRAM_SMEAR_WEIGHT), lock);
            linguist.allocate();
            return new SharedSphinx4Models(loader, am, units, dictionary, shared, lmName, linguist, lock, codebooks,
                    Duration.ofNanos(System.nanoTime() - started));
        } catch (RuntimeException | java.io.IOException | ReflectiveOperationException e) {
            throw new RecognizerException("sphinx4: cannot load models (acoustic model " + settings.acousticModel()
                    + ", dictionary " + settings.dictionary() + ", language model " + settings.languageModel() + "): " + e,
                    false, e);
        }
    }

    /**
     * Points a decoder's configuration at the shared components: when it is built, it looks these instances up instead
     * of loading its own.
     */
    void install(ConfigurationManager cm) {
        replace(cm, "acousticModelLoader", loader);
        replace(cm, "acousticModel", acousticModel);
        replace(cm, "unitManager", unitManager);
        replace(cm, "dictionary", dictionary);
        replace(cm, languageModelName, languageModel);
        replace(cm, "lexTreeLinguist", new SharedLinguist(linguist));
    }

    private static void replace(ConfigurationManager cm, String name, Configurable shared) {
        cm.removeConfigurable(name);
        cm.addConfigurable(shared, name);
    }

    /** Held while a decoder is built and while the lex tree extends itself: the acoustic model's lazy parts. */
    ReentrantLock lock() {
        return lock;
    }

    /** Tied-mixture codebooks whose scoring state was made per thread (0 for a model without tied mixtures). */
    int codebooks() {
        return codebooks;
    }

    Duration loadTime() {
        return loadTime;
    }

    /** Frees the shared models; only once no decoder uses them any more. */
    void release() {
        try {
            linguist.deallocate();
        } catch (java.io.IOException | RuntimeException ignored) {
            // nothing left to free but the heap it references
        }
    }

    /** Replaces each tied-mixture codebook the senones score through with a {@link PerThreadMixtureComponentSet}. */
    private static int scoreTiedMixturesPerThread(Loader loader) throws ReflectiveOperationException {
        Field setField = SetBasedGaussianMixture.class.getDeclaredField("mixtureComponentSet");
        Field components = MixtureComponentSet.class.getDeclaredField("components");
        Field queueLength = MixtureComponentSet.class.getDeclaredField("scoresQueueLen");
        Field storing = MixtureComponentSet.class.getDeclaredField("toStoreScore");
        setField.setAccessible(true);
        components.setAccessible(true);
        queueLength.setAccessible(true);
        storing.setAccessible(true);
        Map<MixtureComponentSet, PerThreadMixtureComponentSet> replaced = new IdentityHashMap<>();
        Pool<Senone> senones = loader.getSenonePool();
        for (int i = 0; i < senones.size(); i++) {
            if (senones.get(i) instanceof SetBasedGaussianMixture mixture) {
                MixtureComponentSet original = (MixtureComponentSet) setField.get(mixture);
                if (original instanceof PerThreadMixtureComponentSet) {
                    continue;
                }
                PerThreadMixtureComponentSet perThread = replaced.get(original);
                if (perThread == null) {
                    @SuppressWarnings("unchecked")
                    ArrayList<PrunableMixtureComponent[]> gaussians =
                            (ArrayList<PrunableMixtureComponent[]>) components.get(original);
                    int queue = storing.getBoolean(original) ? queueLength.getInt(original) : 0;
                    perThread = new PerThreadMixtureComponentSet(gaussians, original.getTopGauNum(), queue);
                    replaced.put(original, perThread);
                }
                setField.set(mixture, perThread);
            }
        }
        // The loader's own list of codebooks too: the lookahead search sets the score queue length through it
        // (Sphinx3Loader.setGauScoresQueueLength, at each decoder's allocation), which must reach the sets scored now.
        if (loader instanceof edu.cmu.sphinx.linguist.acoustic.tiedstate.Sphinx3Loader) {
            Field codebooks = edu.cmu.sphinx.linguist.acoustic.tiedstate.Sphinx3Loader.class.getDeclaredField("phoneticTiedMixtures");
            codebooks.setAccessible(true);
            MixtureComponentSet[] sets = (MixtureComponentSet[]) codebooks.get(loader);
            for (int i = 0; sets != null && i < sets.length; i++) {
                PerThreadMixtureComponentSet perThread = replaced.get(sets[i]);
                if (perThread != null) {
                    sets[i] = perThread;
                }
            }
        }
        return replaced.size();
    }
}
