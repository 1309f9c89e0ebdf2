package io.callscribe.asr;

/**
 * Receives the results of one recogniser stream, in order, on a thread owned by the stream.
 * Implementations must be quick: they run on the stream's receive path.
 */
public interface RecognitionListener {

    void onResult(RecognitionResult result);

    /** The stream failed and will deliver nothing more; {@link RecognizerException#getMessage()} names the server or engine. */
    void onFailure(RecognizerException failure);
}
