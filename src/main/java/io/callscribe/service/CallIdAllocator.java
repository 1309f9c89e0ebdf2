package io.callscribe.service;

import io.callscribe.event.CallIds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Gives every call an id no other call has had: ids name transcript files and URLs, so two calls sharing one
 * would overwrite each other. The id is the source's own name when that is a valid id ({@code 1714557600.42},
 * an AudioSocket UUID); a name that had to be sanitised gets a short hash of the exact name
 * ({@code café} and {@code cafè} become {@code caf_-1a2b3c} and {@code caf_-9d8e7f}); an id already taken (a
 * live call, a stored transcript, one issued earlier in this run) gets {@code -2}, {@code -3}, ... Thread-safe.
 */
public final class CallIdAllocator {

    private static final int MAX_BASE = 112;

    private final Predicate<String> taken;
    private final Set<String> issued = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();

    /** @param taken ids used outside this allocator (stored transcripts, live calls) */
    public CallIdAllocator(Predicate<String> taken) {
        this.taken = taken;
    }

    /** A fresh id for a call whose source names it {@code exactName}. */
    public String allocate(String exactName) {
        String base = baseId(exactName);
        lock.lock();
        try {
            String id = base;
            for (int n = 2; issued.contains(id) || taken.test(id); n++) {
                id = base + "-" + n;
            }
            issued.add(id);
            return id;
        } finally {
            lock.unlock();
        }
    }

    /** Marks an id as issued (a call resumed under the id it had before a restart). */
    public void reserve(String id) {
        lock.lock();
        try {
            issued.add(id);
        } finally {
            lock.unlock();
        }
    }

    /** The name itself when it is a valid id, else its sanitised form and a hash of the exact name. */
    public static String baseId(String exactName) {
        if (CallIds.valid(exactName) && exactName.length() <= MAX_BASE) {
            return exactName;
        }
        String s = CallIds.sanitize(exactName);
        if (s.length() > MAX_BASE) {
            s = s.substring(0, MAX_BASE);
        }
        return s + "-" + shortHash(exactName);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }
}
