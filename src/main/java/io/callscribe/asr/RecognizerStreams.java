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

    /**
     * The caller's view of an engine stream. One sender thread, as for every stream.
     *
     * <p>Positions: the engine's audio keeps the caller's time grid across resets and left-out audio. At a reset the
     * resampler's held-back tail is flushed into the utterance it belongs to (it would otherwise open the next one),
     * and at a skip the audio before it is flushed the same way; after either, the engine is told to skip to the
     * engine sample that lines up with the caller's position, so audio after a gap reaches the engine at the
     * position it would have had with nothing left out.
     */
    private static final class Layered implements RecognizerStream {
        private final RecognizerStream engine;
        private final ResultRules rules;
        private final RateConverter converter;
        private final int callerRate;
        private final int engineRate;
        /** Caller samples accepted or skipped so far, and engine samples sent or skipped (resampled streams only). */
        private long callerSamples;
        private long engineSamples;

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
            callerSamples += length / 2;
            send(out);
        }

        @Override
        public void skip(long length) throws RecognizerException, InterruptedException {
            RecognizerStream.super.skip(length);
            if (callerRate == engineRate) {
                engine.skip(length);
                return;
            }
            flushResampler();
            callerSamples += length / 2;
            align();
        }

        @Override
        public void reset() throws RecognizerException, InterruptedException {
            if (callerRate != engineRate) {
                flushResampler();
                align();
            }
            rules.finalRequested();
            engine.reset();
        }

        @Override
        public void finish(Duration timeout) throws RecognizerException, InterruptedException {
            if (callerRate != engineRate) {
                flushResampler();
            }
            rules.finalRequested();
            engine.finish(timeout);
        }

        private void flushResampler() throws RecognizerException, InterruptedException {
            send(converter.flush());
        }

        private void send(byte[] out) throws RecognizerException, InterruptedException {
            if (out.length > 0) {
                engine.accept(out, 0, out.length);
                engineSamples += out.length / 2;
            }
        }

        /** Skips the engine to the first engine sample at or after the caller's position (ceil of the scaled count). */
        private void align() throws RecognizerException, InterruptedException {
            long aligned = Math.ceilDiv(callerSamples * engineRate, (long) callerRate);
            if (aligned > engineSamples) {
                engine.skip(2 * (aligned - engineSamples));
                engineSamples = aligned;
            }
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
