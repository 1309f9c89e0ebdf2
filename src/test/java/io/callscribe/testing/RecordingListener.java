package io.callscribe.testing;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognizerException;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** TEST DOUBLE: a listener that records every result, failure and the delivering thread. */
public final class RecordingListener implements RecognitionListener {

    public final List<RecognitionResult> results = new CopyOnWriteArrayList<>();
    public final List<RecognizerException> failures = new CopyOnWriteArrayList<>();
    public final List<Thread> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onResult(RecognitionResult result) {
        threads.add(Thread.currentThread());
        results.add(result);
    }

    @Override
    public void onFailure(RecognizerException failure) {
        threads.add(Thread.currentThread());
        failures.add(failure);
    }

    public List<RecognitionResult.Final> finals() {
        return results.stream().filter(RecognitionResult.Final.class::isInstance)
                .map(RecognitionResult.Final.class::cast).toList();
    }

    public List<String> finalTexts() {
        return finals().stream().map(RecognitionResult.Final::text).toList();
    }

    public List<String> partialTexts() {
        return results.stream().filter(RecognitionResult.Partial.class::isInstance)
                .map(r -> ((RecognitionResult.Partial) r).text()).toList();
    }
}
