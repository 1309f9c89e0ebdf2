package io.callscribe.sink;

import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** One JSON event per line, flushed per line, for programs (stdout with --jsonl, a file with --events). */
public final class JsonLinesSink implements TranscriptSink {

    /** Writes are I/O: a lock, not a monitor, so a virtual thread writing never pins its carrier. */
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    private final Writer out;
    private final boolean closeOut;

    private JsonLinesSink(Writer out, boolean closeOut) {
        this.out = out;
        this.closeOut = closeOut;
    }

    public static JsonLinesSink to(OutputStream stream) {
        return new JsonLinesSink(new OutputStreamWriter(stream, StandardCharsets.UTF_8), false);
    }

    /** Appends to {@code file}, creating it and its directory when needed. */
    public static JsonLinesSink appendingTo(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return new JsonLinesSink(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), true);
    }

    @Override
    public void accept(TranscriptEvent event) {
        lock.lock();
        try {
            try {
                out.write(EventJson.toLine(event));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write event: " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            try {
                if (closeOut) {
                    out.close();
                } else {
                    out.flush();
                }
            } catch (IOException ignored) {
                // closing a log at shutdown: nothing left to tell anyone
            }
        } finally {
            lock.unlock();
        }
    }
}
