package edu.cmu.sphinx.linguist.lextree;

import edu.cmu.sphinx.linguist.acoustic.AcousticModel;
import edu.cmu.sphinx.linguist.acoustic.HMMPool;
import edu.cmu.sphinx.linguist.acoustic.UnitManager;
import edu.cmu.sphinx.linguist.dictionary.Dictionary;
import edu.cmu.sphinx.linguist.language.ngram.LanguageModel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.logging.Logger;

/**
 * callscribe's addition to Sphinx4 (in Sphinx4's package because the lex tree's node API is package-private): a
 * {@link LexTreeLinguist} whose search graph many decoders may walk at the same time. The lex tree is immutable once
 * compiled except for one lazily filled cache, the HMM nodes of word ends ({@code HMMTree.getHMMNodes}); here that
 * cache is filled under the shared model lock and published through a concurrent map, with the new nodes' successor
 * lists frozen before any other thread can see them. The arc cache stays off (it is a plain LRU map). Every successor
 * list is put in a fixed order ({@link SuccessorOrder}), so that a load of the models decodes as every other load does.
 */
public final class ConcurrentLexTreeLinguist extends LexTreeLinguist {

    private final AcousticModel acousticModel;
    private final UnitManager unitManager;
    private final LanguageModel languageModel;
    private final Dictionary dictionary;
    private final Lock lock;

    public ConcurrentLexTreeLinguist(AcousticModel acousticModel, UnitManager unitManager, LanguageModel languageModel,
                                     Dictionary dictionary, boolean fullWordHistories, boolean wantUnigramSmear,
                                     double wordInsertionProbability, double silenceInsertionProbability,
                                     double fillerInsertionProbability, double unitInsertionProbability,
                                     float languageWeight, boolean addFillerWords, boolean generateUnitStates,
                                     float unigramSmearWeight, Lock lock) {
        super(acousticModel, unitManager, languageModel, dictionary, fullWordHistories, wantUnigramSmear,
                wordInsertionProbability, silenceInsertionProbability, fillerInsertionProbability,
                unitInsertionProbability, languageWeight, addFillerWords, generateUnitStates, unigramSmearWeight, 0);
        this.acousticModel = acousticModel;
        this.unitManager = unitManager;
        this.languageModel = languageModel;
        this.dictionary = dictionary;
        this.lock = lock;
    }

    @Override
    protected void generateHmmTree() {
        HMMPool pool = new HMMPool(acousticModel, Logger.getLogger(LexTreeLinguist.class.getName()), unitManager);
        hmmTree = new ConcurrentHMMTree(pool, dictionary, languageModel, addFillerWords, languageWeight, lock);
        try {
            SuccessorOrder.orderAll(hmmTree);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sphinx4 lex tree: cannot reach its word-entry points to order them", e);
        }
    }

    /** The lex tree with its word-end cache safe for concurrent searches. */
    private static final class ConcurrentHMMTree extends HMMTree {
        private final ConcurrentHashMap<Object, HMMNode[]> published = new ConcurrentHashMap<>();
        private final Lock lock;

        ConcurrentHMMTree(HMMPool pool, Dictionary dictionary, LanguageModel lm, boolean addFillerWords,
                          float languageWeight, Lock lock) {
            super(pool, dictionary, lm, addFillerWords, languageWeight);
            this.lock = lock;
        }

        @Override
        public HMMNode[] getHMMNodes(EndNode endNode) {
            Object key = endNode.getKey();
            HMMNode[] nodes = published.get(key);
            if (nodes != null) {
                return nodes;
            }
            lock.lock();
            try {
                nodes = published.get(key);
                if (nodes == null) {
                    nodes = super.getHMMNodes(endNode); // fills Sphinx4's own (plain) map: only ever under the lock
                    SuccessorOrder.order(nodes);
                    for (HMMNode node : nodes) {
                        // Freezes the successor list while no other thread can reach the node, in a fixed order.
                        SuccessorOrder.order(node.getSuccessors());
                    }
                    published.put(key, nodes);
                }
                return nodes;
            } finally {
                lock.unlock();
            }
        }
    }
}
