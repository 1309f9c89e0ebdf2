package io.callscribe.engine.vosk;

/**
 * The libvosk recognizer calls a stream makes, so the stream's queueing and threading can be tested
 * without a model. The production implementation is {@link #of(org.vosk.Recognizer)}.
 */
interface VoskDecoder extends AutoCloseable {

    /** Feeds 16-bit LE PCM; true when an endpoint was reached and {@link #result()} holds the utterance. */
    boolean acceptWaveForm(byte[] pcm, int length);

    String result();

    String partialResult();

    String finalResult();

    @Override
    void close();

    static VoskDecoder of(org.vosk.Recognizer r) {
        return new VoskDecoder() {
            public boolean acceptWaveForm(byte[] pcm, int length) {
                return r.acceptWaveForm(pcm, length);
            }

            public String result() {
                return r.getResult();
            }

            public String partialResult() {
                return r.getPartialResult();
            }

            public String finalResult() {
                return r.getFinalResult();
            }

            public void close() {
                r.close();
            }
        };
    }
}
