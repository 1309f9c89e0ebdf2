package io.callscribe.sink;

import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The in-progress log of each live call, {@code <dir>/<call>.progress.jsonl}: what a crash leaves of a call. JSON
 * lines in the {@link EventJson} form: the {@code call_start} line, then one line per {@code final}, {@code dtmf} and
 * {@code error}, appended in call order. {@link #add} only queues the event in memory (never I/O on the caller's
 * thread: the recogniser's); one writer thread of its own appends every call's queued lines once every
 * {@code flushEveryMs}, without fsync, so a killed process loses at most the last round (the page cache keeps what
 * was appended) and a power loss what the OS had not written back. {@link #finish} removes a call's log, on the
 * writer's thread too (so no queued line can recreate it). A call that queues more than {@link #MAX_QUEUED} lines
 * within one round (the writer is stuck on a hung disk) drops the excess, logged. Thread-safe.
 */
final class ProgressLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProgressLog.class);

    /** The file name after the call id. */
    static final String SUFFIX = ".progress.jsonl";
    /** Lines one call may queue between two writer rounds. */
    static final int MAX_QUEUED = 10_000;

    /** One live call's queued lines; {@code lock} is held only to add or take them, never during I/O. */
    private static final class Call {
        final ReentrantLock lock = new ReentrantLock();
        List<TranscriptEvent> queued = new ArrayList<>();
        /** The next write starts the file anew (the call started: an older log of the same id is replaced). */
        boolean truncate;
        boolean finished;
        long dropped;
    }

    private final Path dir;
    private final Consumer<IOException> onFailure;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final ScheduledExecutorService writer;

    /** {@code onFailure} is told of each failed write (on the writer's thread). */
    ProgressLog(Path dir, long flushEveryMs, Consumer<IOException> onFailure) {
        this.dir = dir;
        this.onFailure = onFailure;
        this.writer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("transcript-progress").factory());
        writer.scheduleWithFixedDelay(this::writeRound, flushEveryMs, flushEveryMs, TimeUnit.MILLISECONDS);
    }

    Path path(String callId) {
        return dir.resolve(callId + SUFFIX);
    }

    /** Queues the event's line when it is one the log keeps ({@code call_start}, {@code final}, {@code dtmf}, {@code error}). */
    void add(TranscriptEvent event) {
        boolean start = event instanceof TranscriptEvent.CallStarted;
        if (!(start || event instanceof TranscriptEvent.Final || event instanceof TranscriptEvent.Dtmf
                || event instanceof TranscriptEvent.CallError)) {
            return;
        }
        Call call = start ? new Call() : calls.get(event.call());
        if (call == null) {
            return; // not started here, or already finished and its log gone (a late error)
        }
        call.lock.lock();
        try {
            if (start) {
                call.truncate = true;
            }
            if (call.finished) {
                return; // a late error after the call's files were written: they have it, or it is not needed
            }
            if (call.queued.size() >= MAX_QUEUED) {
                if (call.dropped++ == 0) {
                    log.error("call {}: its in-progress log {} is behind ({} lines waiting); later lines are not kept "
                            + "until it catches up (the transcript written at the call's end is not affected)",
                            event.call(), path(event.call()), MAX_QUEUED);
                }
                return;
            }
            call.queued.add(event);
        } finally {
            call.lock.unlock();
        }
        if (start) {
            calls.put(event.call(), call); // replaces an older call of the same id whose log is not gone yet
        }
    }

    /** The call's final files are durable: its log goes (at the writer's next round). */
    void finish(String callId) {
        Call call = calls.get(callId);
        if (call == null) {
            return;
        }
        call.lock.lock();
        try {
            call.finished = true;
            call.queued = new ArrayList<>();
        } finally {
            call.lock.unlock();
        }
    }

    /** The writer's round: appends each call's queued lines, removes the logs of finished calls. */
    private void writeRound() {
        for (Map.Entry<String, Call> e : calls.entrySet()) {
            try {
                write(e.getKey(), e.getValue());
            } catch (RuntimeException ex) {
                log.error("call {}: cannot write its in-progress log: {}", e.getKey(), ex.toString());
            }
        }
    }

    private void write(String callId, Call call) {
        List<TranscriptEvent> lines;
        boolean truncate;
        boolean finished;
        call.lock.lock();
        try {
            lines = call.queued;
            truncate = call.truncate;
            finished = call.finished;
            if (!lines.isEmpty()) {
                call.queued = new ArrayList<>();
            }
            call.truncate = false;
        } finally {
            call.lock.unlock();
        }
        Path file = path(callId);
        try {
            if (finished) {
                Files.deleteIfExists(file);
                calls.remove(callId, call);
            } else if (!lines.isEmpty() || truncate) {
                append(file, lines, truncate);
            }
        } catch (IOException ex) {
            if (!finished) {
                restore(call, lines, truncate);
            }
            onFailure.accept(ex);
        }
    }

    /** Puts lines that could not be written back in front, so a disk that comes back gets them in order. */
    private static void restore(Call call, List<TranscriptEvent> lines, boolean truncate) {
        call.lock.lock();
        try {
            if (!call.finished && lines.size() + call.queued.size() <= MAX_QUEUED) {
                List<TranscriptEvent> all = new ArrayList<>(lines);
                all.addAll(call.queued);
                call.queued = all;
                call.truncate |= truncate;
            }
        } finally {
            call.lock.unlock();
        }
    }

    private static void append(Path file, List<TranscriptEvent> lines, boolean truncate) throws IOException {
        StringBuilder sb = new StringBuilder(lines.size() * 256);
        for (TranscriptEvent e : lines) {
            sb.append(EventJson.toLine(e)).append('\n');
        }
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = truncate
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /** Writes what is queued and removes the logs of finished calls (one last round), then stops the writer. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
        writeRound();
    }
}
