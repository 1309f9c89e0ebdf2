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

    private final ArrayList<PrunableMixtureComponent[]> shared;
    private final int topGaussians;
    private final int queueLength;
    private final ThreadLocal<MixtureComponentSet> local = ThreadLocal.withInitial(this::copy);

    PerThreadMixtureComponentSet(ArrayList<PrunableMixtureComponent[]> components, int topGaussians, int queueLength) {
        super(components, topGaussians);
        this.shared = components;
        this.topGaussians = topGaussians;
        this.queueLength = queueLength;
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
        if (queueLength > 0) {
            set.setScoreQueueLength(queueLength);
        }
        return set;
    }

    @Override
    public void updateTopScores(Data feature) {
        local.get().updateTopScores(feature);
    }

    @Override
    public void updateScores(Data feature) {
        local.get().updateScores(feature);
    }

    @Override
    public void clearStoredScores() {
        local.get().clearStoredScores();
    }

    @Override
    public void setScoreQueueLength(int length) {
        local.get().setScoreQueueLength(length);
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
        return local.get().getTopGauScore(streamId, topGauId);
    }

    @Override
    public int getTopGauId(int streamId, int topGauId) {
        return local.get().getTopGauId(streamId, topGauId);
    }

    @Override
    public float getGauScore(int streamId, int topGauId) {
        return local.get().getGauScore(streamId, topGauId);
    }

    @Override
    public int getGauId(int streamId, int topGauId) {
        return local.get().getGauId(streamId, topGauId);
    }

    @Override
    protected MixtureComponent[] toArray() {
        return super.toArray(); // the shared Gaussians (means, variances): what the model is made of, not scores
    }
}
