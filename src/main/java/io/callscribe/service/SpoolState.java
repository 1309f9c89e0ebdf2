package io.callscribe.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.event.EventJson;
import io.callscribe.transcript.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the spool watcher knows about each recording, kept across restarts: which call id it was given, whether
 * its call started, and whether its transcript was durably written ("done"). One JSON object per line, appended
 * and fsynced before the watcher acts on it, so a file name (any bytes JSON can escape) cannot break it:
 * <pre>
 * {"v":1,"since":"2026-12-02T00:00:00Z"}                      first line: the spool has been watched since then
 * {"start":"/var/spool/asterisk/monitor/a b.wav","key":"(dev=803,ino=1234)","id":"a_b-9f2c1e"}
 * {"done":"/var/spool/asterisk/monitor/a b.wav","key":"(dev=803,ino=1234)","id":"a_b-9f2c1e"}
 * </pre>
 * {@code key} is the file's identity (device and inode): a new recording under an old name is a new recording.
 * The file of older versions (one path per line, every line "done") is read and rewritten in this format.
 * Compacted (last entry per recording) on every open. Thread-safe; appends are serialised by a lock.
 */
public final class SpoolState implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpoolState.class);

    /** One recording's entry. */
    public record Entry(Path file, String key, String id, boolean done) {
    }

    private final Path file;
    private final boolean existed;
    private final Map<Path, Entry> entries = new HashMap<>();
    private final Set<String> ids = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private Instant since;
    private FileChannel out;

    private SpoolState(Path file, boolean existed) {
        this.file = file;
        this.existed = existed;
    }

    /** Loads (and compacts) the state file, creating it when missing; null keeps the state in memory only. */
    public static SpoolState open(Path file) throws IOException {
        if (file == null) {
            SpoolState s = new SpoolState(null, false);
            s.since = Instant.now();
            return s;
        }
        file = file.toAbsolutePath().normalize();
        boolean existed = Files.exists(file);
        SpoolState s = new SpoolState(file, existed);
        int legacy = 0;
        if (existed) {
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                if (!line.startsWith("{")) {
                    // Before JSON lines: one handled path per line.
                    Path p = Path.of(line.strip()).toAbsolutePath().normalize();
                    s.put(new Entry(p, null, null, true));
                    legacy++;
                    continue;
                }
                try {
                    s.read(EventJson.MAPPER.readTree(line));
                } catch (IOException | RuntimeException e) {
                    // A line cut by a crash in the middle of an append: everything before it stands.
                    log.warn("spool state {}: line {} is unreadable and ignored ({})", file, lineNo, e.getMessage());
                }
            }
        }
        if (s.since == null) {
            s.since = existed ? Instant.EPOCH : Instant.now();
        }
        if (legacy > 0) {
            log.info("spool state {}: {} entries of the old one-path-per-line format converted to JSON lines", file, legacy);
        }
        s.rewrite();
        return s;
    }

    private void read(JsonNode n) {
        if (n.has("since")) {
            since = Instant.parse(n.get("since").asText());
            return;
        }
        boolean done = n.has("done");
        JsonNode path = done ? n.get("done") : n.get("start");
        if (path == null || !path.isTextual()) {
            throw new IllegalArgumentException("neither \"start\" nor \"done\"");
        }
        put(new Entry(Path.of(path.asText()), text(n, "key"), text(n, "id"), done));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void put(Entry e) {
        entries.put(e.file(), e);
        if (e.id() != null) {
            ids.add(e.id());
        }
    }

    private void rewrite() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(EventJson.MAPPER.createObjectNode().put("v", 1).put("since", since.toString())).append('\n');
        entries.values().removeIf(e -> !Files.exists(e.file(), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        for (Entry e : entries.values()) {
            sb.append(line(e)).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
        out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private static String line(Entry e) {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put(e.done() ? "done" : "start", e.file().toString());
        if (e.key() != null) {
            n.put("key", e.key());
        }
        if (e.id() != null) {
            n.put("id", e.id());
        }
        return n.toString();
    }

    /** False on the very first start (no state file yet): recordings already there predate the service. */
    public boolean existed() {
        return existed;
    }

    /** The entry of this recording, if it is the same file (same key, when both are known). */
    public Optional<Entry> entry(Path recording, String key) {
        lock.lock();
        try {
            Entry e = entries.get(recording);
            if (e == null || key != null && e.key() != null && !e.key().equals(key)) {
                return Optional.empty();
            }
            return Optional.of(e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether a call id was ever given to a recording here. */
    public boolean idUsed(String id) {
        lock.lock();
        try {
            return ids.contains(id);
        } finally {
            lock.unlock();
        }
    }

    /** Records, durably, that a call with this id starts on the recording. */
    public void started(Path recording, String key, String id) throws IOException {
        append(new Entry(recording, key, Objects.requireNonNull(id), false));
    }

    /** Records, durably, that the recording needs nothing more (its transcript is written, or it is skipped). */
    public void done(Path recording, String key, String id) throws IOException {
        append(new Entry(recording, key, id, true));
    }

    private void append(Entry e) throws IOException {
        lock.lock();
        try {
            put(e);
            if (out != null) {
                ByteBuffer buf = ByteBuffer.wrap((line(e) + "\n").getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(false);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (out != null) {
                out.close();
                out = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
