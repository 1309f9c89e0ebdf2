package io.callscribe.vad;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Alternative;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.event.Word;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A voice-activity gate in front of one leg's recogniser stream: speech, with a lead-in before it and a hangover after
 * it, is passed on; longer silences are not. When the gate closes it ends the utterance with the recogniser's reset
 * (if {@link VadTuning#resetOnPause()}), so the final comes at once rather than after silence that is never sent.
 *
 * <p>Every silence left out is announced downstream with {@link RecognizerStream#skip} before the audio after it, so
 * a recogniser whose processing depends on the position in the call processes the sent audio exactly as it would
 * have had the silence been sent.
 *
 * <p>Times: the recogniser reports times in the audio it heard; the gate's {@link OffsetMap} turns them back into
 * call time before results reach the call's listener, so word times, replay after a reconnect (which happens below
 * the gate, in what was sent) and the call's lag all stay in call time.
 *
 * <p>Thread contract: one thread sends (accept/reset/finish/close), as for any {@link RecognizerStream}; results pass
 * through on the downstream stream's thread.
 */
public final class VadGate implements RecognizerStream {

    /** Opens the stream the gate feeds, given the listener that maps its results to call time. */
    @FunctionalInterface
    public interface Downstream {
        RecognizerStream open(RecognitionListener results) throws RecognizerException, InterruptedException;
    }

    private final VoiceActivityDetector detector;
    private final VadTuning tuning;
    private final GateMeter meter;
    private final int frameBytes;
    private final int bytesPerSecond;
    private final int onsetFrames;
    private final int hangoverFrames;
    private final OffsetMap map;
    private final RecognizerStream downstream;

    /** Audio of the frames before an onset (lead-in plus the onset frames), a ring of whole frames. */
    private final byte[] ring;
    private int ringStart;
    private int ringFill;
    /** A frame not yet complete (chunks need not be whole frames, e.g. after resampling). */
    private final byte[] partial;
    private int partialFill;
    /** What goes downstream from the current chunk, sent in one piece. */
    private byte[] out;
    private int outFill;

    private boolean open;
    private int speechRun;
    private int hangoverLeft;
    private long received;
    private volatile long receivedVisible;
    private long sent;
    private volatile long sentVisible;
    /** Bytes of call audio left out before the audio sent so far (sent + skipped is the call offset of the next). */
    private long skipped;
    private long meteredReceived;
    private long meteredSent;

    private VadGate(VadTuning tuning, int sampleRate, GateMeter meter, RecognitionListener listener, Downstream open)
            throws RecognizerException, InterruptedException {
        this.tuning = tuning;
        this.meter = meter;
        this.detector = new VoiceActivityDetector(sampleRate, tuning);
        this.frameBytes = detector.frameBytes();
        this.bytesPerSecond = 2 * sampleRate;
        this.onsetFrames = Math.max(1, tuning.onsetMillis() / VoiceActivityDetector.FRAME_MILLIS);
        this.hangoverFrames = Math.max(1, tuning.hangoverMillis() / VoiceActivityDetector.FRAME_MILLIS);
        int leadInFrames = tuning.leadInMillis() / VoiceActivityDetector.FRAME_MILLIS;
        this.ring = new byte[(leadInFrames + onsetFrames) * frameBytes];
        this.partial = new byte[frameBytes];
        this.out = new byte[Math.max(ring.length, frameBytes) + 8 * frameBytes];
        this.map = new OffsetMap(sampleRate);
        this.downstream = open.open(new CallTime(listener));
    }

    /**
     * Opens a gate and the stream behind it. {@code sampleRate} is the rate of the PCM the gate gets (and passes on).
     */
    public static VadGate open(VadTuning tuning, int sampleRate, GateMeter meter, RecognitionListener listener,
                               Downstream downstream) throws RecognizerException, InterruptedException {
        return new VadGate(tuning, sampleRate, meter, listener, downstream);
    }

    @Override
    public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
        if ((length & 1) != 0) {
            throw new IllegalArgumentException("vad gate: odd PCM length " + length);
        }
        int pos = offset;
        int end = offset + length;
        if (partialFill > 0) {
            int n = Math.min(frameBytes - partialFill, end - pos);
            System.arraycopy(pcm, pos, partial, partialFill, n);
            partialFill += n;
            pos += n;
            if (partialFill == frameBytes) {
                partialFill = 0; // before the frame: if the recogniser fails in it, the frame is counted once
                frame(partial, 0);
            }
        }
        for (; end - pos >= frameBytes; pos += frameBytes) {
            frame(pcm, pos);
        }
        if (pos < end) {
            System.arraycopy(pcm, pos, partial, 0, end - pos);
            partialFill = end - pos;
        }
        flush();
        meter();
    }

    private void frame(byte[] pcm, int at) throws RecognizerException, InterruptedException {
        boolean speech = detector.isSpeech(pcm, at);
        received += frameBytes;
        if (open) {
            append(pcm, at, frameBytes);
            if (speech) {
                hangoverLeft = hangoverFrames;
            } else if (--hangoverLeft <= 0) {
                pause();
            }
            return;
        }
        ringPut(pcm, at);
        speechRun = speech ? speechRun + 1 : 0;
        if (speechRun >= onsetFrames) {
            // Onset: the ring holds the lead-in and the onset frames, ending with this one.
            long callOffset = received - ringFill;
            flush(); // nothing is held while the gate is closed; whatever there is goes before the gap
            long gap = callOffset - sent - skipped;
            if (gap > 0) {
                downstream.skip(gap); // the recogniser's stream keeps its place in the call
                skipped += gap;
            }
            map.add(sent, callOffset);
            appendRing();
            open = true;
            speechRun = 0;
            hangoverLeft = hangoverFrames;
        }
    }

    private void pause() throws RecognizerException, InterruptedException {
        open = false;
        flush();
        if (tuning.resetOnPause()) {
            downstream.reset();
        }
    }

    private void ringPut(byte[] pcm, int at) {
        int frames = ring.length / frameBytes;
        int slot = (ringStart / frameBytes + ringFill / frameBytes) % frames;
        System.arraycopy(pcm, at, ring, slot * frameBytes, frameBytes);
        if (ringFill < ring.length) {
            ringFill += frameBytes;
        } else {
            ringStart = (ringStart + frameBytes) % ring.length;
        }
    }

    private void appendRing() {
        int first = Math.min(ringFill, ring.length - ringStart);
        append(ring, ringStart, first);
        append(ring, 0, ringFill - first);
        ringStart = 0;
        ringFill = 0;
    }

    private void append(byte[] pcm, int at, int length) {
        if (outFill + length > out.length) {
            out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, outFill + length));
        }
        System.arraycopy(pcm, at, out, outFill, length);
        outFill += length;
    }

    private void flush() throws RecognizerException, InterruptedException {
        if (outFill == 0) {
            return;
        }
        int n = outFill;
        outFill = 0;
        sent += n;
        sentVisible = sent;
        downstream.accept(out, 0, n);
    }

    private void meter() {
        receivedVisible = received + partialFill;
        long r = receivedVisible - meteredReceived;
        long s = sent - meteredSent;
        if (r > 0 || s > 0) {
            meteredReceived += r;
            meteredSent += s;
            meter.counted((double) r / bytesPerSecond, (double) s / bytesPerSecond);
        }
    }

    @Override
    public void reset() throws RecognizerException, InterruptedException {
        flush();
        downstream.reset();
    }

    @Override
    public void finish(Duration timeout) throws RecognizerException, InterruptedException {
        if (open && partialFill > 0) {
            append(partial, 0, partialFill); // the last, short frame of an utterance still being spoken
        }
        received += partialFill;
        partialFill = 0;
        flush();
        meter();
        downstream.finish(timeout);
    }

    /**
     * Call audio answered: what the recogniser answered, in call time; all of it once the recogniser has answered
     * everything sent (dropped silence needs no answer).
     */
    @Override
    public long answeredBytes() {
        long answered = downstream.answeredBytes();
        if (answered < 0) {
            return -1;
        }
        long s = sentVisible;
        return answered >= s ? receivedVisible : map.endToCall(answered);
    }

    /** Seconds of audio received so far. */
    public double receivedSeconds() {
        return (double) receivedVisible / bytesPerSecond;
    }

    /** Seconds of audio passed on to the recogniser so far. */
    public double sentSeconds() {
        return (double) sentVisible / bytesPerSecond;
    }

    @Override
    public void close() {
        downstream.close();
    }

    /** Receives call audio, in call order. */
    @FunctionalInterface
    public interface CallAudio {
        void write(byte[] pcm, int offset, int length) throws IOException;
    }

    /** Replays, in order, audio this gate sent, from a given sent offset on (a replay buffer's content). */
    @FunctionalInterface
    public interface SentAudio {
        void replay(CallAudio sink) throws IOException, InterruptedException;
    }

    /** Bytes of call audio given to this gate so far that it has taken in (whole frames and a short one). Sender thread. */
    public long takenBytes() {
        return received + partialFill;
    }

    /**
     * For a leg whose recogniser failed for good: rebuilds the call audio from the call position of sent byte
     * {@code sentFrom} up to {@link #takenBytes()} into {@code out}: the audio sent from {@code sentFrom} on (replayed
     * by {@code sent}) at its call position, the silence the gate dropped as digital silence (zeros), then the audio
     * it holds and has not sent (the lead-in before an onset, a short frame). So the rebuilt audio lines up with the
     * call: a time in it plus the returned start is a call time. Returns the call byte offset of its first byte.
     * Sender thread, once the stream below has failed.
     */
    public long rebuildCallAudio(long sentFrom, SentAudio sent, CallAudio out) throws IOException, InterruptedException {
        long start = map.endToCall(sentFrom);
        Rebuilt rebuilt = new Rebuilt(start, out);
        long[] next = {sentFrom};
        sent.replay((pcm, offset, length) -> {
            int done = 0;
            while (done < length) {
                long s = next[0];
                int n = (int) Math.min(length - done, map.nextStretch(s) - s);
                rebuilt.put(map.startToCall(s), pcm, offset + done, n);
                next[0] += n;
                done += n;
            }
        });
        long heldAt = received - ringFill;
        int first = Math.min(ringFill, ring.length - ringStart);
        rebuilt.put(heldAt, ring, ringStart, first);
        rebuilt.put(heldAt + first, ring, 0, ringFill - first);
        rebuilt.put(received, partial, 0, partialFill);
        rebuilt.fillTo(takenBytes());
        return start;
    }

    /** Call audio written in call order: gaps become zeros, overlaps (none expected) are skipped. */
    private static final class Rebuilt {
        private static final byte[] ZEROS = new byte[8192];
        private final CallAudio out;
        private long position;

        Rebuilt(long start, CallAudio out) {
            this.position = start;
            this.out = out;
        }

        void put(long callOffset, byte[] pcm, int offset, int length) throws IOException {
            fillTo(callOffset);
            int skip = (int) Math.min(length, Math.max(0, position - callOffset));
            if (length - skip > 0) {
                out.write(pcm, offset + skip, length - skip);
                position += length - skip;
            }
        }

        void fillTo(long callOffset) throws IOException {
            while (position < callOffset) {
                int n = (int) Math.min(ZEROS.length, callOffset - position);
                out.write(ZEROS, 0, n);
                position += n;
            }
        }
    }

    /** Results of the downstream stream, moved into call time. */
    private final class CallTime implements RecognitionListener {
        private final RecognitionListener listener;

        CallTime(RecognitionListener listener) {
            this.listener = listener;
        }

        @Override
        public void onResult(RecognitionResult result) {
            listener.onResult(switch (result) {
                case RecognitionResult.Partial p -> p;
                case Final f -> toCallTime(f);
            });
        }

        @Override
        public void onFailure(RecognizerException failure) {
            listener.onFailure(failure);
        }
    }

    private Final toCallTime(Final f) {
        return new Final(f.text(), map.startToCall(f.start()), map.endToCall(f.end()), toCallTime(f.words()),
                f.alternatives().stream().map(a -> new Alternative(a.text(), a.confidence(), toCallTime(a.words())))
                        .toList());
    }

    private List<Word> toCallTime(List<Word> words) {
        return words.stream().map(w -> new Word(w.word(), map.startToCall(w.start()), map.endToCall(w.end()), w.conf()))
                .toList();
    }
}
