package io.callscribe.sink;

import io.callscribe.transcript.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ended transcripts that wait on disk while the transcript directory cannot be written: each call's files
 * ({@code <call>.txt}, {@code .vtt}, {@code .json}, the same bytes the transcript directory gets) written atomically
 * and durably into a directory of their own, on another file system where the operator chose one, and moved to the
 * transcript directory once it can be written again, at the latest at the next start. A call is parked when its
 * {@code .json} is there (written last, removed first). At most {@link #MAX_PARKED} calls. Thread-safe; file work
 * is done under one lock (this is the failure path: a few calls at a time, never the audio path).
 */
final class ParkedTranscripts {

    /** Calls that may wait on disk. */
    static final int MAX_PARKED = 10_000;
    /** The order a call's files are written in: the JSON last, so that a parked JSON means all three are there. */
    static final List<String> EXTENSIONS = List.of(".txt", ".vtt", ".json");

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> calls = new LinkedHashSet<>();

    /** What an earlier run left parked in {@code dir} is listed, oldest first; the directory is made at the first park. */
    ParkedTranscripts(Path dir) throws IOException {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> jsons = new ArrayList<>();
        try (var files = Files.newDirectoryStream(dir, "*.json")) {
            files.forEach(jsons::add);
        }
        jsons.sort(Comparator.comparing(ParkedTranscripts::modified));
        for (Path json : jsons) {
            String name = json.getFileName().toString();
            calls.add(name.substring(0, name.length() - ".json".length()));
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    Path dir() {
        return dir;
    }

    /** Writes the call's files here; false when {@link #MAX_PARKED} calls wait already. */
    boolean park(String callId, Map<String, byte[]> files) throws IOException {
        lock.lock();
        try {
            if (!calls.contains(callId) && calls.size() >= MAX_PARKED) {
                return false;
            }
            Files.createDirectories(dir);
            for (String ext : EXTENSIONS) {
                AtomicFiles.write(dir.resolve(callId + ext), files.get(ext));
            }
            calls.add(callId);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Copies the call's files to {@code target} (atomically and durably, JSON last), then removes them here. */
    void moveTo(Path target, String callId) throws IOException {
        lock.lock();
        try {
            if (!calls.contains(callId)) {
                return; // deleted meanwhile
            }
            for (String ext : EXTENSIONS) {
                Path from = dir.resolve(callId + ext);
                if (Files.exists(from)) {
                    AtomicFiles.write(target.resolve(callId + ext), Files.readAllBytes(from));
                }
            }
            remove(callId);
        } finally {
            lock.unlock();
        }
    }

    /** Removes the call's parked files (the JSON first); a call not parked is fine. */
    void delete(String callId) throws IOException {
        lock.lock();
        try {
            remove(callId);
        } finally {
            lock.unlock();
        }
    }

    private void remove(String callId) throws IOException {
        Files.deleteIfExists(dir.resolve(callId + ".json"));
        calls.remove(callId);
        for (String ext : EXTENSIONS) {
            Files.deleteIfExists(dir.resolve(callId + ext));
        }
    }

    boolean contains(String callId) {
        lock.lock();
        try {
            return calls.contains(callId);
        } finally {
            lock.unlock();
        }
    }

    /** How many calls are parked. */
    int size() {
        lock.lock();
        try {
            return calls.size();
        } finally {
            lock.unlock();
        }
    }

    /** The parked calls, oldest first. */
    List<String> calls() {
        lock.lock();
        try {
            return new ArrayList<>(calls);
        } finally {
            lock.unlock();
        }
    }
}
