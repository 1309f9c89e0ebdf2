package io.callscribe.asr;

import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one place that decides which of an engine's results reach the caller, so engines only decode and
 * report everything they have:
 * <ul>
 *   <li>a partial is passed on when it is not blank and differs from the last one passed on for the
 *       same utterance;</li>
 *   <li>a final with text is always passed on; an empty final only when it withdraws a partial that was
 *       passed on, or answers a reset or the end of the stream (callers wait for those);</li>
 *   <li>a listener that throws is logged and the stream carries on; a failure is passed on once.</li>
 * </ul>
 * Thread contract: results arrive on the stream's thread, one at a time; {@link #finalRequested()} comes
 * from the sender.
 */
final class ResultRules implements RecognitionListener {

    private static final Logger log = LoggerFactory.getLogger(ResultRules.class);

    private final String label;
    private final RecognitionListener target;
    private final AtomicBoolean finalRequested = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private String lastPartial = "";

    ResultRules(String label, RecognitionListener target) {
        this.label = label;
        this.target = target;
    }

    /** The sender asked for a final (reset, end of stream): the next final is passed on even when empty. */
    void finalRequested() {
        finalRequested.set(true);
    }

    @Override
    public void onResult(RecognitionResult result) {
        switch (result) {
            case Partial p -> {
                if (!p.text().isBlank() && !p.text().equals(lastPartial)) {
                    lastPartial = p.text();
                    deliver(p);
                }
            }
            case Final f -> {
                boolean withdrawsPartial = !lastPartial.isEmpty();
                boolean requested = finalRequested.getAndSet(false);
                lastPartial = "";
                if (!f.isEmpty() || withdrawsPartial || requested) {
                    deliver(f);
                }
            }
        }
    }

    @Override
    public void onFailure(RecognizerException failure) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        try {
            target.onFailure(failure);
        } catch (RuntimeException e) {
            log.warn("{}: recognition listener failed on a failure: {}", label, e.toString());
        }
    }

    private void deliver(RecognitionResult result) {
        try {
            target.onResult(result);
        } catch (RuntimeException e) {
            log.warn("{}: recognition listener failed on {}: {}", label, result, e.toString());
        }
    }
}
