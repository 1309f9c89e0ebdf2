package io.callscribe.engine.sphinx;

import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.MixtureComponent;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.tiedmixture.MixtureComponentSet;
import edu.cmu.sphinx.linguist.acoustic.tiedstate.tiedmixture.PrunableMixtureComponent;

import java.util.ArrayList;

/**
 * A tied-mixture (PTM) codebook that decoders on different threads can score at the same time. Sphinx4's
 * {@link MixtureComponentSet} keeps the current frame's top Gaussians, and each Gaussian its last score, in the shared
 * model, keyed only by the frame's sample number: two calls decoding at once would read each other's scores. This
 * set gives every decoding thread its own copy of that scoring state (the Gaussians' score fields; their means and
 * variances are the shared model's), made on first use, a few MB per thread, gone with the thread.
 */
final class PerThreadMixtureComponentSet extends MixtureComponentSet {

    /** A thread's own scoring state and the score queue length last applied to it. */
    private static final class Own {
        final MixtureComponentSet set;
        int queueLength;

        Own(MixtureComponentSet set, int queueLength) {
            this.set = set;
            this.queueLength = queueLength;
        }
    }

    private final ArrayList<PrunableMixtureComponent[]> shared;
    private final int topGaussians;
    /**
     * How many frames of top scores each thread keeps. The lookahead search sets it when a decoder is allocated
     * ({@code Sphinx3Loader.setGauScoresQueueLength}), possibly on another thread: each thread applies it to its own
     * state on its next use. Without it the lookahead's frames ahead and the search's current frame evict each other's
     * top scores and every frame is scored several times (measured: 3x the scoring work, 30% more CPU per stream).
     */
    private volatile int queueLength;
    private final ThreadLocal<Own> local = ThreadLocal.withInitial(() -> new Own(copy(), queueLength));

    PerThreadMixtureComponentSet(ArrayList<PrunableMixtureComponent[]> components, int topGaussians, int queueLength) {
        super(components, topGaussians);
        this.shared = components;
        this.topGaussians = topGaussians;
        this.queueLength = queueLength;
    }

    /** This thread's scoring state, with the current score queue length. */
    private MixtureComponentSet mine() {
        Own own = local.get();
        int wanted = queueLength;
        if (own.queueLength != wanted) {
            own.set.setScoreQueueLength(wanted);
            own.queueLength = wanted;
        }
        return own.set;
    }

    private MixtureComponentSet copy() {
        ArrayList<PrunableMixtureComponent[]> own = new ArrayList<>(shared.size());
        for (PrunableMixtureComponent[] stream : shared) {
            PrunableMixtureComponent[] copies = new PrunableMixtureComponent[stream.length];
            for (int i = 0; i < stream.length; i++) {
                try {
                    copies[i] = (PrunableMixtureComponent) stream[i].clone();
                } catch (CloneNotSupportedException e) {
                    throw new IllegalStateException("sphinx4 mixture component cannot be copied", e);
                }
            }
            own.add(copies);
        }
        MixtureComponentSet set = new MixtureComponentSet(own, topGaussians);
        int length = queueLength;
        if (length > 0) {
            set.setScoreQueueLength(length);
        }
        return set;
    }

    @Override
    public void updateTopScores(Data feature) {
        mine().updateTopScores(feature);
    }

    @Override
    public void updateScores(Data feature) {
        mine().updateScores(feature);
    }

    @Override
    public void clearStoredScores() {
        mine().clearStoredScores();
    }

    @Override
    public void setScoreQueueLength(int length) {
        queueLength = length; // every thread's state, on its next use
    }

    @Override
    public int getTopGauNum() {
        return topGaussians;
    }

    @Override
    public int getGauNum() {
        return shared.get(0).length;
    }

    @Override
    public float getTopGauScore(int streamId, int topGauId) {
        return mine().getTopGauScore(streamId, topGauId);
    }

    @Override
    public int getTopGauId(int streamId, int topGauId) {
        return mine().getTopGauId(streamId, topGauId);
    }

    @Override
    public float getGauScore(int streamId, int topGauId) {
        return mine().getGauScore(streamId, topGauId);
    }

    @Override
    public int getGauId(int streamId, int topGauId) {
        return mine().getGauId(streamId, topGauId);
    }

    @Override
    protected MixtureComponent[] toArray() {
        return super.toArray(); // the shared Gaussians (means, variances): what the model is made of, not scores
    }
}
