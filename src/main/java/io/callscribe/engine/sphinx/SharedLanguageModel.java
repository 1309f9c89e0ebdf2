package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.linguist.WordSequence;
import edu.cmu.sphinx.linguist.language.ngram.LanguageModel;
import edu.cmu.sphinx.util.props.PropertySheet;

import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One loaded n-gram language model used by every decoder of the process. Sphinx4's models are not thread-safe (the
 * trie model keeps its lookup depth in a field and its cache in an access-ordered map), so lookups into the shared
 * model take a lock; in front of it, each decoding thread keeps its own cache of the current utterance's lookups, so
 * that most lookups take no lock at all. Allocation belongs to {@link SharedSphinx4Models}: allocate/deallocate here do
 * nothing.
 */
final class SharedLanguageModel implements LanguageModel {

    /** Per-thread cache bound: an utterance rarely needs more distinct n-grams; cleared at each utterance end. */
    private static final int THREAD_CACHE_LIMIT = 200_000;

    private final LanguageModel model;
    private final Lock lock = new ReentrantLock();
    private final ThreadLocal<HashMap<WordSequence, Float>> cache = ThreadLocal.withInitial(HashMap::new);
    private final int maxDepth;
    private final Set<String> vocabulary;

    SharedLanguageModel(LanguageModel allocated) {
        this.model = allocated;
        this.maxDepth = allocated.getMaxDepth();
        this.vocabulary = allocated.getVocabulary();
    }

    @Override
    public float getProbability(WordSequence words) {
        HashMap<WordSequence, Float> mine = cache.get();
        Float cached = mine.get(words);
        if (cached != null) {
            return cached;
        }
        float p;
        lock.lock();
        try {
            p = model.getProbability(words);
        } finally {
            lock.unlock();
        }
        if (mine.size() >= THREAD_CACHE_LIMIT) {
            mine.clear();
        }
        mine.put(words, p);
        return p;
    }

    @Override
    public float getSmear(WordSequence words) {
        lock.lock();
        try {
            return model.getSmear(words);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Set<String> getVocabulary() {
        return vocabulary;
    }

    @Override
    public int getMaxDepth() {
        return maxDepth;
    }

    /** The calling decoder's utterance ended: its cache goes (the shared model's own cache policy is left alone). */
    @Override
    public void onUtteranceEnd() {
        cache.get().clear();
    }

    @Override
    public void allocate() {
    }

    @Override
    public void deallocate() {
    }

    @Override
    public void newProperties(PropertySheet ps) {
    }
}
