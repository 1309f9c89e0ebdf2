package io.callscribe.asr;

import java.time.Duration;

/**
 * Opens recogniser streams the one way every caller (a call leg, {@code serve}) uses: audio at the
 * caller's rate is resampled to the rate the engine decodes, and results pass through {@link ResultRules}
 * (partial de-duplication, the rule for empty finals, listener fault isolation). Engines themselves only
 * decode and report.
 */
public final class RecognizerStreams {

    private RecognizerStreams() {
    }

    /** A stream at the engine's own rate if it needs one, else at the caller's. */
    public static RecognizerStream open(Recognizer recognizer, StreamOptions options, RecognitionListener listener)
            throws RecognizerException {
        return open(recognizer, options, recognizer.requiredSampleRate().orElse(options.sampleRate()), listener);
    }

    /**
     * @param options    the caller's side: {@link StreamOptions#sampleRate()} is the rate of the audio it sends
     * @param engineRate the rate the engine gets (the audio is resampled when it differs)
     */
    public static RecognizerStream open(Recognizer recognizer, StreamOptions options, int engineRate,
                                        RecognitionListener listener) throws RecognizerException {
        ResultRules rules = new ResultRules(options.label(), listener);
        RecognizerStream engine = recognizer.open(options.withSampleRate(engineRate), rules);
        return new Layered(engine, rules, options.sampleRate(), engineRate);
    }

    /** The caller's view of an engine stream. One sender thread, as for every stream. */
    private static final class Layered implements RecognizerStream {
        private final RecognizerStream engine;
        private final ResultRules rules;
        private final RateConverter converter;
        private final int callerRate;
        private final int engineRate;

        Layered(RecognizerStream engine, ResultRules rules, int callerRate, int engineRate) {
            this.engine = engine;
            this.rules = rules;
            this.converter = RateConverter.between(callerRate, engineRate);
            this.callerRate = callerRate;
            this.engineRate = engineRate;
        }

        @Override
        public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
            if ((length & 1) != 0) {
                throw new IllegalArgumentException("PCM chunk of " + length + " bytes is not whole 16-bit samples");
            }
            if (callerRate == engineRate) {
                engine.accept(pcm, offset, length);
                return;
            }
            byte[] in = offset == 0 ? pcm : java.util.Arrays.copyOfRange(pcm, offset, offset + length);
            byte[] out = converter.convert(in, length);
            if (out.length > 0) {
                engine.accept(out, 0, out.length);
            }
        }

        @Override
        public void reset() throws RecognizerException, InterruptedException {
            rules.finalRequested();
            engine.reset();
        }

        @Override
        public void finish(Duration timeout) throws RecognizerException, InterruptedException {
            byte[] tail = converter.flush();
            if (tail.length > 0) {
                engine.accept(tail, 0, tail.length);
            }
            rules.finalRequested();
            engine.finish(timeout);
        }

        /** In the caller's bytes: what the engine answered, scaled back to the caller's rate. */
        @Override
        public long answeredBytes() {
            long answered = engine.answeredBytes();
            if (answered < 0 || callerRate == engineRate) {
                return answered;
            }
            return 2 * ((answered / 2) * callerRate / engineRate);
        }

        @Override
        public void close() {
            engine.close();
        }
    }
}
