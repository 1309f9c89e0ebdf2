package io.callscribe.session;

import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.audio.PcmFormat;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.source.AudioSource;
import io.callscribe.vad.GateMeter;
import io.callscribe.vad.VadGate;
import io.callscribe.vad.VadTuning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Pumps one leg of a call: reads the source, cuts whole-sample chunks at the call's rate, sends them
 * to the recogniser stream (which resamples for the engine and applies backpressure), and turns results
 * into events. Results arrive on the stream's own thread, so sending never waits for receiving.
 */
final class LegStreamer implements Runnable, RecognitionListener {

    private static final Logger log = LoggerFactory.getLogger(LegStreamer.class);

    private final CallSession session;
    private final CallSession.Leg leg;
    private final Recognizer recognizer;
    private final SessionSettings settings;
    private final List<String> errors = new ArrayList<>();

    private volatile PcmFormat callFormat;
    private volatile int streamRate;
    private volatile RecognizerStream top;
    private volatile VadGate gate;
    private volatile ResilientStream resilient;
    /** The chunk being filled and how much of it is filled: the leg thread's only. */
    private byte[] chunk;
    private int fill;
    /** Set once the recogniser failed for good: the rest of the call is read without waiting for any recogniser. */
    private volatile boolean unrecognised;
    /** The WAV of a failed leg's audio and the call byte offset where it starts; leg thread only. */
    private UnrecognisedAudio keptAudio;
    private long keptFrom;
    /** The WAV of all of a live leg's audio ({@code --keep-audio}); null when off or given up. Leg thread only. */
    private KeptLegAudio allAudio;
    private volatile long bytesReceived;
    private volatile double answeredSeconds;
    private volatile int finals;
    private volatile String endReason = "not started";

    LegStreamer(CallSession session, CallSession.Leg leg, Recognizer recognizer, SessionSettings settings) {
        this.session = session;
        this.leg = leg;
        this.recognizer = recognizer;
        this.settings = settings;
    }

    @Override
    public void run() {
        AudioSource source = leg.source();
        RecognizerStream stream = null;
        try {
            PcmFormat format = source.format();
            if (format.channels() != 1) {
                throw new IOException(source.description() + ": " + format.channels()
                        + "-channel audio must be split into legs first");
            }
            callFormat = format;
            allAudio = openKeptAudio(source, format);
            source.setDtmfListener((digit, atSeconds) -> session.emit(new TranscriptEvent.Dtmf(session.callId(),
                    session.now(), leg.speaker(), String.valueOf(digit), atSeconds)));
            int engineRate = settings.asrRate() > 0 ? settings.asrRate()
                    : recognizer.requiredSampleRate().orElse(format.sampleRate());
            streamRate = format.sampleRate();
            stream = openStream(format.sampleRate(), engineRate);
            top = stream;
            pump(source, stream, format);
            stream.finish(settings.finishTimeout());
        } catch (InterruptedException e) {
            endReason = "interrupted";
            Thread.currentThread().interrupt();
        } catch (RecognizerException e) {
            endReason = "recogniser failed";
            keepUnrecognised(source, stream, e);
        } catch (IOException e) {
            fail(e.getMessage());
            endReason = "audio error";
            finishAfterSourceError(stream);
        } catch (RuntimeException e) {
            log.error("call {}: unexpected failure in {}", session.callId(), source.description(), e);
            fail("internal error: " + e);
            endReason = "internal error";
        } finally {
            finishKeptAudio();
            if (stream != null) {
                stream.close();
            }
            try {
                source.close();
            } catch (IOException e) {
                log.warn("call {}: closing {} failed: {}", session.callId(), source.description(), e.getMessage());
            }
        }
    }

    /**
     * The leg's recogniser stream: reconnecting and replaying ({@link ResilientStream}), behind a voice-activity gate
     * when the settings ask for one for this call. The gate sits above the replay, so what is replayed is what was
     * sent, and results come back in call time. Both work at the call's rate; the recogniser stream layer
     * resamples to {@code engineRate}.
     */
    private RecognizerStream openStream(int callRate, int engineRate) throws RecognizerException, InterruptedException {
        Optional<VadTuning> tuning = settings.gateFor(session.legs().size());
        if (tuning.isEmpty()) {
            resilient = ResilientStream.open(recognizer, settings.streamOptions(callRate, label()), engineRate, this,
                    settings.reconnect(), session::reconnected);
            return resilient;
        }
        VadGate g = VadGate.open(tuning.get().forEngine(recognizer.endpointSilence()), callRate, session.gateMeter(), this, results ->
                resilient = ResilientStream.open(recognizer, settings.streamOptions(callRate, label()), engineRate,
                        results, settings.reconnect(), session::reconnected));
        gate = g;
        return g;
    }

    private void pump(AudioSource source, RecognizerStream stream, PcmFormat format)
            throws IOException, InterruptedException {
        chunk = new byte[format.bytesFor(settings.chunkMillis())];
        fill = 0;
        long startNanos = System.nanoTime();
        long sentBytes = 0;
        while (true) {
            int n = source.read(chunk, fill, chunk.length - fill);
            if (n < 0) {
                break;
            }
            int requested = chunk.length - fill;
            keepAll(chunk, fill, n);
            fill += n;
            bytesReceived += n;
            // A bursty source that returned short has nothing more for now: send, don't hold audio back.
            boolean drained = !source.realTime() && n < requested;
            if (fill == chunk.length || (drained && fill > 0)) {
                if (settings.realTime()) {
                    paceTo(startNanos, format.secondsOf(sentBytes));
                }
                send(stream, chunk, fill, format.sampleRate());
                sentBytes += fill;
                fill = 0;
            }
        }
        endReason = source.endReason();
        if (fill > 0) {
            send(stream, chunk, fill, format.sampleRate());
            fill = 0;
        }
    }

    private void send(RecognizerStream stream, byte[] chunk, int length, int callRate)
            throws RecognizerException, InterruptedException {
        if (gate == null) {
            double seconds = length / (2.0 * callRate);
            session.gateMeter().counted(seconds, seconds); // ungated: all of it goes to the recogniser
        }
        stream.accept(chunk, 0, length);
    }

    private static void paceTo(long startNanos, double audioSeconds) throws InterruptedException {
        long due = startNanos + (long) (audioSeconds * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /**
     * The recogniser failed for good: the call goes on without it. Its audio is kept as the settings say
     * ({@link FailedAudio}): from the last point a final confirmed (the replay buffer, with a gate's dropped silence
     * put back as zeros) to the end of the call, into a WAV next to the transcript, so that transcribing it later
     * covers all that was not transcribed. A recording keeps its audio itself. Either way the source is read to its
     * end, so the call lasts as long as its audio and {@code audio_seconds} is what arrived.
     */
    private void keepUnrecognised(AudioSource source, RecognizerStream stream, RecognizerException failure) {
        unrecognised = true;
        PcmFormat format = callFormat;
        FailedAudio keep = settings.failedAudio();
        UnrecognisedAudio wav = null;
        try {
            Optional<java.nio.file.Path> recording = source.recording();
            if (recording.isPresent()) {
                fail(failure.getMessage() + "; " + source.description() + " is kept: transcribe it again with "
                        + "`callscribe transcribe " + recording.get() + "`");
            } else if (keep.off()) {
                fail(failure.getMessage() + "; the rest of the call's audio is not kept (--keep-failed-audio off)");
            } else {
                try {
                    wav = UnrecognisedAudio.create(keep, session.callId(), leg.speaker(), format);
                    keptAudio = wav;
                    double from = format.secondsOf(writeUnconfirmed(stream, wav));
                    fail(failure.getMessage() + String.format(java.util.Locale.ROOT,
                            "; the call's audio from %.2f s on is kept in %s: transcribe it with `callscribe transcribe %s`",
                            from, wav.file(), wav.file()));
                    if (closedWhenFull(wav, keep)) {
                        wav = null;
                    }
                } catch (IOException e) {
                    fail(failure.getMessage() + "; the rest of the call's audio cannot be kept"
                            + (wav == null ? " in " + keep.dir() : " in " + wav.file()) + ": " + e.getMessage());
                    wav = closeQuietly(wav);
                    keptAudio = null;
                }
            }
            if (stream != null) {
                stream.close(); // the connection and the replay buffer (its spill file) are not needed any more
            }
            wav = drain(source, wav, keep);
            if (wav != null) {
                wav.close();
            }
            UnrecognisedAudio kept = keptAudio;
            if (kept != null) {
                log.info("call {}: kept {} s of audio the recogniser did not transcribe ({} s to {} s of the call) in {}",
                        label(), seconds(kept.dataBytes()), seconds(keptFrom), seconds(keptFrom + kept.dataBytes()),
                        kept.file());
            }
        } catch (IOException e) {
            fail("cannot finish the kept audio " + (wav == null ? "" : wav.file()) + ": " + e.getMessage());
            keptAudio = null;
        } catch (InterruptedException e) {
            closeQuietly(wav);
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes the audio received and not confirmed by a final: returns its call byte offset. Sent audio is in the
     * replay buffer; with a gate in front, the gate puts it back in call time; what the leg read and neither took
     * (the rest of the chunk being sent) follows.
     */
    private long writeUnconfirmed(RecognizerStream stream, UnrecognisedAudio wav)
            throws IOException, InterruptedException {
        ResilientStream r = resilient;
        VadGate g = gate;
        long from;
        long taken;
        if (stream == null || r == null) {
            from = 0; // the recogniser failed before it took any audio
            taken = 0;
        } else if (g == null) {
            from = r.abandon(); // ungated: what was sent is the call audio
            r.replayUnconfirmed(wav::write);
            taken = r.sentBytes();
        } else {
            long sentFrom = r.abandon();
            from = g.rebuildCallAudio(sentFrom, sink -> r.replayUnconfirmed(sink::write), wav::write);
            taken = g.takenBytes();
        }
        long rest = bytesReceived - taken;
        if (rest < 0 || rest > fill) {
            log.warn("call {}: the recogniser took {} bytes of the {} received, with {} in the chunk being sent; "
                    + "the kept audio may be off by the difference", label(), taken, bytesReceived, fill);
            rest = Math.max(0, Math.min(rest, fill));
        }
        if (rest > 0) {
            wav.write(chunk, (int) (fill - rest), (int) rest);
        }
        keptFrom = from;
        return from;
    }

    /** Reads the source to the end of the call, keeping what {@code wav} takes; returns it, or null once it failed. */
    private UnrecognisedAudio drain(AudioSource source, UnrecognisedAudio wav, FailedAudio keep)
            throws InterruptedException {
        byte[] buffer = chunk != null ? chunk : new byte[callFormat.bytesFor(settings.chunkMillis())];
        try {
            int n;
            while ((n = source.read(buffer, 0, buffer.length)) >= 0) {
                bytesReceived += n;
                keepAll(buffer, 0, n);
                if (wav != null && !keepOrClose(wav, buffer, n, keep)) {
                    wav = null;
                }
            }
        } catch (IOException e) {
            fail(e.getMessage());
        }
        return wav;
    }

    /** Writes to the kept audio; false once it is closed (full or broken): the rest of the call is not kept. */
    private boolean keepOrClose(UnrecognisedAudio wav, byte[] pcm, int length, FailedAudio keep) {
        try {
            wav.write(pcm, 0, length);
            return !closedWhenFull(wav, keep);
        } catch (IOException e) {
            fail("cannot keep more of the call's audio in " + wav.file() + ": " + e.getMessage());
            closeQuietly(wav);
            keptAudio = null;
            return false;
        }
    }

    /** Once the kept audio reached its limit: says so once, finishes the file; true when it did. */
    private boolean closedWhenFull(UnrecognisedAudio wav, FailedAudio keep) {
        if (!wav.full()) {
            return false;
        }
        String at = String.format(java.util.Locale.ROOT, "%.2f", callFormat.secondsOf(keptFrom + wav.dataBytes()));
        fail("kept audio reached --keep-failed-audio " + keep.maxSeconds() + " s at " + at + " s of the call: "
                + wav.file() + " ends there, the rest of the call is not kept");
        closeQuietly(wav);
        return true;
    }

    private String seconds(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f", callFormat.secondsOf(bytes));
    }

    private UnrecognisedAudio closeQuietly(UnrecognisedAudio wav) {
        if (wav != null) {
            try {
                wav.close();
            } catch (IOException e) {
                log.warn("call {}: cannot finish the kept audio {}: {}", label(), wav.file(), e.getMessage());
            }
        }
        return null;
    }

    /**
     * The WAV of all the leg's audio, when {@code --keep-audio} asks for it and the source is live (a recording keeps
     * its audio itself). A directory that cannot be written costs the call nothing but an error event.
     */
    private KeptLegAudio openKeptAudio(AudioSource source, PcmFormat format) {
        KeptAudio keep = settings.keptAudio();
        if (keep.off() || source.recording().isPresent()) {
            return null;
        }
        try {
            return KeptLegAudio.create(keep, session.callId(), leg.speaker(), format);
        } catch (IOException e) {
            fail("the call's audio cannot be kept in " + keep.dir() + " (--keep-audio): " + describe(e)
                    + "; it is transcribed, not kept");
            return null;
        }
    }

    /** Adds what the source delivered to the kept WAV; a write that fails ends the keeping, never the call. */
    private void keepAll(byte[] pcm, int offset, int length) {
        KeptLegAudio wav = allAudio;
        if (wav == null || length <= 0) {
            return;
        }
        try {
            if (!wav.write(pcm, offset, length)) {
                allAudio = null;
                fail(String.format(java.util.Locale.ROOT, "kept audio reached --keep-audio-max-seconds %d s at %.2f s "
                        + "of the call: %s ends there, the rest of the call is transcribed, not kept",
                        settings.keptAudio().maxSeconds(), callFormat.secondsOf(wav.dataBytes()), wav.file()));
                finish(wav);
            }
        } catch (IOException e) {
            allAudio = null;
            String problem = describe(e);
            try {
                wav.abandon();
            } catch (IOException again) {
                log.debug("call {}: removing {}: {}", label(), wav.partial(), again.toString());
            }
            fail("the call's audio cannot be kept: writing " + wav.partial() + " failed (" + problem
                    + "); it is removed, the call is transcribed, not kept");
        }
    }

    private void finishKeptAudio() {
        KeptLegAudio wav = allAudio;
        allAudio = null;
        if (wav != null) {
            finish(wav);
        }
    }

    /** Closes, fsyncs and renames the kept WAV; one log line says where the leg's audio is. */
    private void finish(KeptLegAudio wav) {
        try {
            wav.finish();
            log.info("call {}: kept {} s of its audio in {}", label(), seconds(wav.dataBytes()), wav.file());
        } catch (IOException e) {
            fail("the call's audio cannot be kept: finishing " + wav.file() + " failed (" + describe(e)
                    + "); nothing is left of it");
        }
    }

    /** An I/O failure in words: file system exceptions without a reason name only the file otherwise. */
    private static String describe(IOException e) {
        return switch (e) {
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getMessage();
            case java.nio.file.AccessDeniedException f -> f.getFile() + ": permission denied";
            case java.nio.file.NoSuchFileException f -> f.getFile() + ": no such file or directory";
            case java.nio.file.FileAlreadyExistsException f -> f.getFile() + ": exists and is not a directory";
            case java.nio.file.NotDirectoryException f -> f.getFile() + ": not a directory";
            default -> e.getMessage();
        };
    }

    /** The source broke, but audio it gave before is already with the recogniser: still get its final. */
    private void finishAfterSourceError(RecognizerStream stream) {
        if (stream == null) {
            return;
        }
        try {
            stream.finish(settings.finishTimeout());
        } catch (RecognizerException e) {
            fail(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onResult(RecognitionResult result) {
        switch (result) {
            // Repeated and blank partials were already dropped by the recogniser stream layer (ResultRules).
            case RecognitionResult.Partial p ->
                    session.emit(new TranscriptEvent.Partial(session.callId(), session.now(), leg.speaker(), p.text()));
            case RecognitionResult.Final f -> {
                if (!Double.isNaN(f.end())) {
                    answeredSeconds = Math.max(answeredSeconds, f.end());
                }
                if (!f.isEmpty()) {
                    finals++;
                    session.emit(new TranscriptEvent.Final(session.callId(), session.now(), leg.speaker(), f.text(),
                            f.start(), f.end(), f.words()));
                }
            }
        }
    }

    @Override
    public void onFailure(RecognizerException failure) {
        // The sender sees the same failure on its next accept/finish and ends the leg; report it once there.
        log.debug("call {}: recogniser stream failed: {}", session.callId(), failure.getMessage());
    }

    private void fail(String message) {
        String text = label() + ": " + message;
        synchronized (errors) {
            errors.add(text);
        }
        log.warn("call {} error: {}", session.callId(), message);
        session.emit(new TranscriptEvent.CallError(session.callId(), session.now(), message));
    }

    private String label() {
        return leg.speaker() == null ? session.callId() : session.callId() + "/" + leg.speaker();
    }

    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    int finals() {
        return finals;
    }

    String endReason() {
        return endReason;
    }

    /** Seconds of audio passed to the recogniser: all of it, or what the voice-activity gate let through. */
    double sentSeconds() {
        VadGate g = gate;
        return g == null ? audioSeconds() : g.sentSeconds();
    }

    double audioSeconds() {
        PcmFormat f = callFormat;
        return f == null ? 0 : f.secondsOf(bytesReceived);
    }

    /**
     * Received minus answered: audio the recogniser has not replied to yet (for Vosk every reply counts, a
     * partial too; engines that cannot tell count up to the last final's end).
     */
    double lagSeconds() {
        if (unrecognised) {
            return 0; // the recogniser is gone: no audio waits for it
        }
        RecognizerStream s = top;
        double answered = answeredSeconds;
        if (s != null && streamRate > 0) {
            answered = Math.max(answered, s.answeredBytes() / (2.0 * streamRate));
        }
        return Math.max(0, audioSeconds() - answered);
    }
}
