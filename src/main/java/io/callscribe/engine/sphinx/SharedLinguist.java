package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.linguist.Linguist;
import edu.cmu.sphinx.linguist.SearchGraph;
import edu.cmu.sphinx.util.props.PropertySheet;

/**
 * One decoder's handle on the process-wide lex-tree linguist: the search graph is shared, allocation is not this
 * decoder's business (a decoder that is released must not free the models other calls are decoding with).
 */
final class SharedLinguist implements Linguist {

    private final Linguist shared;

    SharedLinguist(Linguist shared) {
        this.shared = shared;
    }

    @Override
    public SearchGraph getSearchGraph() {
        return shared.getSearchGraph();
    }

    @Override
    public void startRecognition() {
        shared.startRecognition();
    }

    @Override
    public void stopRecognition() {
        shared.stopRecognition();
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
