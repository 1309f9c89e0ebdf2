package io.callscribe.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.AtomicFiles;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptFormats;
import io.callscribe.transcript.TranscriptHandOff;
import io.callscribe.transcript.TranscriptView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes {@code <dir>/<call>.json}, {@code .txt} and {@code .vtt}. While the call goes, its {@link ProgressLog}
 * {@code <call>.progress.jsonl} gets one line per final appended (the {@code call_start} line first) by a writer
 * thread of its own, at most every {@link #PROGRESS_EVERY_MS} ms (never on the event's thread: at 1000 calls a file
 * write per final on the recogniser's threads stalled every call; and appending, not rewriting the whole transcript
 * each time, keeps the writer's cost per final constant), so a call cut by a crash leaves what was final up to then,
 * less at most the last second: at the next start, a {@code .progress.jsonl} (or the {@code .json.partial} of an
 * older version) with no {@code .json} becomes the call's {@code .json}, {@code "complete": false} and an
 * {@code end_reason} starting with {@code incomplete}; a last line cut by the crash is passed over. When the call ends, all three are written
 * atomically and durably (fsync, rename, fsync of the directory), the JSON last with {@code "complete": true}
 * ({@code false} for a call cut by callscribe's own shutdown, see {@link TranscriptEvent.CallEnded#complete()}),
 * and then its in-progress log is removed. When the directory is not writable or full, ended transcripts wait on
 * disk in the parking directory given (see {@link ParkedTranscripts}; they survive a restart), else, or when that
 * cannot be written either, in memory (at most {@link #MAX_WAITING}); they are retried every few seconds and
 * written when space returns; {@link #problem()} says so meanwhile (for {@code /ready}). It is also a {@link TranscriptHandOff}: a source
 * counts a call as handled only once {@link #awaitWritten} says its files are durable. Thread-safe.
 */
public final class TranscriptFileSink implements TranscriptSink, TranscriptHandOff {

    private static final Logger log = LoggerFactory.getLogger(TranscriptFileSink.class);
    /** Ended transcripts kept in memory while the directory cannot be written. */
    public static final int MAX_WAITING = 1000;
    /** How often the in-progress logs of calls with new finals are appended to. */
    static final long PROGRESS_EVERY_MS = 1000;

    private final Path dir;
    /** Live calls (started, not ended): their transcripts are their sessions', this sink keeps none. */
    private final java.util.Set<String> live = ConcurrentHashMap.newKeySet();
    private final Map<String, CallTranscript.Snapshot> unwritten = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ScheduledExecutorService retry;
    private final ProgressLog progress;
    /** Where ended transcripts wait on disk; null: in memory only. */
    private final ParkedTranscripts parked;
    private volatile String problem;
    private volatile java.util.function.Consumer<TranscriptEvent> errors = e -> { };
    private boolean droppedLogged;

    /** Transcripts that cannot be written wait in memory. */
    public TranscriptFileSink(Path dir) {
        this(dir, null);
    }

    /** Transcripts that cannot be written wait on disk in {@code parkDir} (null: in memory). */
    public TranscriptFileSink(Path dir, Path parkDir) {
        this(dir, parkDir, 5, TimeUnit.SECONDS, PROGRESS_EVERY_MS);
    }

    TranscriptFileSink(Path dir, long retryEvery, TimeUnit unit) {
        this(dir, null, retryEvery, unit, PROGRESS_EVERY_MS);
    }

    TranscriptFileSink(Path dir, Path parkDir, long retryEvery, TimeUnit unit, long progressEveryMs) {
        this.dir = dir;
        this.parked = parkDir == null ? null : openParked(parkDir);
        probe();
        if (problem == null) {
            moveParked(); // what an earlier run left waiting, before its calls' in-progress logs are looked at
        } else if (parked != null && !parked.calls().isEmpty()) {
            log.error("transcripts: {} transcript(s) of an earlier run wait in {}; they are moved to {} once it can be "
                    + "written", parked.size(), parked.dir(), dir);
        }
        recoverPartials();
        this.retry = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("transcript-retry").factory());
        retry.scheduleWithFixedDelay(this::retryUnwritten, retryEvery, retryEvery, unit);
        this.progress = new ProgressLog(dir, progressEveryMs, this::failed);
    }

    public Path dir() {
        return dir;
    }

    private static ParkedTranscripts openParked(Path parkDir) {
        try {
            return new ParkedTranscripts(parkDir);
        } catch (IOException | RuntimeException e) {
            log.error("transcripts: cannot use {} for transcripts waiting to be written: {}; they wait in memory",
                    parkDir, e.toString());
            return null;
        }
    }

    public Path jsonPath(String callId) {
        return dir.resolve(callId + ".json");
    }

    /** The live call's in-progress log (JSON lines: {@code call_start}, then its finals). */
    Path progressPath(String callId) {
        return progress.path(callId);
    }

    public Path textPath(String callId) {
        return dir.resolve(callId + ".txt");
    }

    @Override
    public void callStarted(TranscriptEvent.CallStarted start, TranscriptView transcript) {
        live.add(start.call());
        progress.add(start);
    }

    /** Finals, DTMF and errors go to the call's in-progress log; a call's end comes with its transcript ({@link #callEnded}). */
    @Override
    public void accept(TranscriptEvent event) {
        if (event instanceof TranscriptEvent.CallEnded) {
            log.warn("call {}: call_end without its transcript; its files are written only from its session's", event.call());
            return;
        }
        progress.add(event);
    }

    /** Writes the call's files from the session's final transcript, on the call's thread (durable once it returns). */
    @Override
    public void callEnded(TranscriptEvent.CallEnded end, CallTranscript.Snapshot snapshot) {
        boolean written = tryWrite(snapshot);
        boolean onDisk = !written && tryPark(snapshot);
        int waiting;
        boolean kept = onDisk;
        lock.lock();
        try {
            live.remove(end.call());
            if (!written && !onDisk) {
                if (unwritten.size() >= MAX_WAITING) {
                    if (!droppedLogged) {
                        log.error("transcripts: {} transcripts already wait for {}; call {} and later ones are kept only "
                                + "in the spool (recordings are transcribed again after a restart)", MAX_WAITING, dir, end.call());
                        droppedLogged = true;
                    }
                } else {
                    unwritten.put(snapshot.callId(), snapshot);
                    kept = true;
                }
            }
            waiting = unwritten.size() + (parked == null ? 0 : parked.size());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (!written) {
            log.error("call {}: cannot write transcript to {}: {} ({}; retried every few seconds)", end.call(), dir, problem,
                    onDisk ? "it waits in " + parked.dir() : kept ? "it waits in memory" : "not kept");
            reportUnwritten(end, onDisk, kept, waiting);
        }
    }

    /** Parks the ended call's files on disk; false when there is no parking directory, it is full or it fails. */
    private boolean tryPark(CallTranscript.Snapshot t) {
        if (parked == null) {
            return false;
        }
        try {
            if (parked.park(t.callId(), files(t))) {
                progress.finish(t.callId());
                return true;
            }
            log.error("call {}: {} transcripts already wait in {}; this one waits in memory", t.callId(),
                    ParkedTranscripts.MAX_PARKED, parked.dir());
        } catch (IOException e) {
            log.error("call {}: cannot park its transcript in {} either: {}; it waits in memory", t.callId(),
                    parked.dir(), message(e));
        }
        return false;
    }

    /**
     * Where an error event goes when an ended call's transcript cannot be written (the other sinks: event log, feed,
     * store, Kafka). Called on the call's thread while this sink handles the call's end: a fan-out that gives this
     * sink each event first thus gives the others the error before the call's {@code call_end}. Returns this.
     */
    public TranscriptFileSink reportErrorsTo(java.util.function.Consumer<TranscriptEvent> errors) {
        this.errors = java.util.Objects.requireNonNull(errors, "errors");
        return this;
    }

    private void reportUnwritten(TranscriptEvent.CallEnded end, boolean onDisk, boolean kept, int waiting) {
        String message = "transcript cannot be written to " + dir + ": " + problem + (onDisk
                ? "; it waits on disk in " + parked.dir() + " (" + waiting + " waiting) and is moved as soon as the "
                + "directory can be written"
                : kept
                ? "; it waits in memory (" + waiting + " waiting) and is written as soon as the directory can be written"
                : "; " + MAX_WAITING + " transcripts already wait, so this one is kept only in the spool (a recording is "
                + "transcribed again after a restart)");
        try {
            errors.accept(new TranscriptEvent.CallError(end.call(), end.at(), message));
        } catch (RuntimeException e) {
            log.warn("call {}: reporting that its transcript cannot be written failed: {}", end.call(), e.toString());
        }
    }

    /** Deletes the call's transcript files (.json, .txt, .vtt); a missing one is fine, others are logged. */
    public void delete(String callId) {
        lock.lock();
        try {
            unwritten.remove(callId);
        } finally {
            lock.unlock();
        }
        if (parked != null) {
            try {
                parked.delete(callId);
            } catch (IOException e) {
                log.warn("call {}: cannot delete its transcript waiting in {}: {}", callId, parked.dir(), e.getMessage());
            }
        }
        for (String ext : ParkedTranscripts.EXTENSIONS.reversed()) { // the JSON first, as ParkedTranscripts does
            Path file = dir.resolve(callId + ext);
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("call {}: cannot delete {}: {}", callId, file, e.getMessage());
            }
        }
    }

    /** Calls whose files could not be written yet (waiting on disk, then in memory; retried). */
    public List<String> pending() {
        List<String> all = parked == null ? new ArrayList<>() : parked.calls();
        lock.lock();
        try {
            all.addAll(unwritten.keySet());
        } finally {
            lock.unlock();
        }
        return all;
    }

    /** Why transcripts cannot be written now (for {@code /ready}), or empty when they can. */
    public Optional<String> problem() {
        String p = problem;
        int waiting = waitingCount();
        if (p == null && waiting == 0) {
            return Optional.empty();
        }
        return Optional.of("transcripts cannot be written to " + dir + ": " + (p == null ? "retrying" : p)
                + " (" + waiting + " waiting)");
    }

    @Override
    public boolean awaitWritten(String callId, Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (live.contains(callId) || unwritten.containsKey(callId)) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
        return Files.exists(jsonPath(callId)) || parked != null && parked.contains(callId);
    }

    /** How many calls wait to be written (on disk and in memory), without copying either list. */
    private int waitingCount() {
        int onDisk = parked == null ? 0 : parked.size();
        lock.lock();
        try {
            return onDisk + unwritten.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean exists(String callId) {
        if (live.contains(callId) || parked != null && parked.contains(callId)) {
            return true;
        }
        lock.lock();
        try {
            if (unwritten.containsKey(callId)) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        return Files.exists(jsonPath(callId));
    }

    private boolean tryWrite(CallTranscript.Snapshot t) {
        try {
            write(t);
            return true;
        } catch (IOException e) {
            failed(e);
            return false;
        }
    }

    private void failed(IOException e) {
        problem = message(e);
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Writes the ended call's files; its JSON says {@code "complete": false} when the call was cut by a shutdown. */
    private void write(CallTranscript.Snapshot t) throws IOException {
        // The JSON goes last: "complete": true means the call's files are complete.
        for (Map.Entry<String, byte[]> file : files(t).entrySet()) {
            AtomicFiles.write(dir.resolve(t.callId() + file.getKey()), file.getValue());
        }
        progress.finish(t.callId());
        problem = null;
    }

    /** The ended call's files by extension, in {@link ParkedTranscripts#EXTENSIONS} order (the JSON last). */
    private static Map<String, byte[]> files(CallTranscript.Snapshot t) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(".txt", TranscriptFormats.text(t).getBytes(StandardCharsets.UTF_8));
        files.put(".vtt", TranscriptFormats.webVtt(t).getBytes(StandardCharsets.UTF_8));
        files.put(".json", json(t, TranscriptEvent.CallEnded.isComplete(t.endReason())));
        return files;
    }

    private static byte[] json(CallTranscript.Snapshot t, boolean complete) throws IOException {
        ObjectNode node = TranscriptFormats.json(t);
        node.put("complete", complete);
        try {
            return (EventJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
    }

    /** Why a recovered transcript is incomplete. */
    static final String CUT_SHORT = TranscriptEvent.CallEnded.INCOMPLETE + ": callscribe stopped before the call ended; finals up to then";

    /** The transcripts of calls cut by a crash: what was final becomes the call's JSON, marked incomplete. */
    private void recoverPartials() {
        recover(ProgressLog.SUFFIX, this::fromProgressLog);
        recover(".json.partial", TranscriptFileSink::fromOlderPartial); // left by a version before the progress log
    }

    private interface Recovery {
        byte[] json(Path file, String callId) throws IOException;
    }

    private void recover(String suffix, Recovery recovery) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.newDirectoryStream(dir, "*" + suffix)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String callId = name.substring(0, name.length() - suffix.length());
                try {
                    if (Files.exists(jsonPath(callId))) {
                        Files.delete(file); // the call was transcribed to its end after all
                        continue;
                    }
                    AtomicFiles.write(jsonPath(callId), recovery.json(file, callId));
                    Files.delete(file);
                    log.warn("call {}: callscribe stopped before the call ended; its transcript so far is {} (incomplete)",
                            callId, jsonPath(callId));
                } catch (IOException | RuntimeException e) {
                    log.warn("call {}: cannot recover the transcript of a call cut short from {}: {}", callId, file, e.toString());
                }
            }
        } catch (IOException e) {
            log.warn("transcripts: cannot list {}: {}", dir, e.getMessage());
        }
    }

    /**
     * The call's JSON from its in-progress log. A line that is not an event of this call is passed over: the last one
     * may have been cut by the crash; another one is logged.
     */
    private byte[] fromProgressLog(Path file, String callId) throws IOException {
        CallTranscript t = new CallTranscript(callId);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                TranscriptEvent e = EventJson.fromNode(EventJson.MAPPER.readTree(line));
                if (!e.call().equals(callId)) {
                    throw new IllegalArgumentException("an event of call " + e.call());
                }
                t.apply(e);
            } catch (IOException | IllegalArgumentException e) {
                if (i < lines.size() - 1) {
                    log.warn("call {}: line {} of {} is not an event ({}); passed over", callId, i + 1, file,
                            e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""));
                }
                // else: the last line, cut by the crash mid-write
            }
        }
        CallTranscript.Snapshot s = t.snapshot();
        // No end time (the end was not seen); the audio known to be transcribed goes as far as the last final.
        return json(new CallTranscript.Snapshot(s.callId(), s.source(), s.startedAt(), null, lastFinalEnd(s), CUT_SHORT,
                s.finals(), Map.of(), s.errors(), s.parties(), s.dtmf()), false);
    }

    private static double lastFinalEnd(CallTranscript.Snapshot s) {
        double end = 0;
        for (TranscriptEvent.Final f : s.finals()) {
            if (!Double.isNaN(f.end())) {
                end = Math.max(end, f.end());
            }
        }
        return end;
    }

    private static byte[] fromOlderPartial(Path file, String callId) throws IOException {
        ObjectNode node = (ObjectNode) EventJson.MAPPER.readTree(file.toFile());
        node.put("complete", false);
        node.put("end_reason", CUT_SHORT);
        return (EventJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Checks that the directory takes a file, so a read-only or full directory shows in {@link #problem()} at once. */
    private void probe() {
        try {
            AtomicFiles.write(dir.resolve(".write-probe"), new byte[]{'\n'});
            Files.deleteIfExists(dir.resolve(".write-probe"));
            problem = null;
        } catch (IOException e) {
            failed(e);
            log.error("transcripts: cannot write to {}: {}; transcripts wait {} until it can", dir, message(e),
                    parked == null ? "in memory" : "in " + parked.dir());
        }
    }

    private void retryUnwritten() {
        List<CallTranscript.Snapshot> waiting;
        lock.lock();
        try {
            waiting = new ArrayList<>(unwritten.values());
        } finally {
            lock.unlock();
        }
        if (waiting.isEmpty() && (parked == null || parked.calls().isEmpty()) && problem != null) {
            probe();
        }
        if (!moveParked()) {
            return;
        }
        for (CallTranscript.Snapshot t : waiting) {
            try {
                write(t);
                lock.lock();
                try {
                    unwritten.remove(t.callId());
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                log.info("call {}: transcript written to {} after retry", t.callId(), dir);
            } catch (IOException e) {
                failed(e);
                log.debug("call {}: retry failed: {}", t.callId(), e.getMessage());
                return; // the next ones would fail the same way
            } catch (RuntimeException e) {
                log.error("call {}: retry failed: {}", t.callId(), e.toString());
                return;
            }
        }
    }

    /** Moves the transcripts waiting on disk to the directory, oldest first; false at the first that fails. */
    private boolean moveParked() {
        if (parked == null) {
            return true;
        }
        for (String callId : parked.calls()) {
            try {
                parked.moveTo(dir, callId);
                problem = null;
                lock.lock();
                try {
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                log.info("call {}: transcript written to {} after waiting in {}", callId, dir, parked.dir());
            } catch (IOException e) {
                failed(e);
                log.debug("call {}: moving its transcript from {} failed: {}", callId, parked.dir(), e.getMessage());
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        retry.shutdownNow();
        retryUnwritten();
        progress.close();
        if (parked != null) {
            for (String call : parked.calls()) {
                log.error("call {}: transcript could not be written to {}; it waits in {} and is moved there at the "
                        + "next start", call, dir, parked.dir());
            }
        }
        List<String> inMemory;
        lock.lock();
        try {
            inMemory = new ArrayList<>(unwritten.keySet());
        } finally {
            lock.unlock();
        }
        for (String call : inMemory) {
            log.error("call {}: transcript could not be written to {}; a spool recording is transcribed again after "
                    + "a restart, an AudioSocket call's transcript is lost with this process", call, dir);
        }
    }
}
