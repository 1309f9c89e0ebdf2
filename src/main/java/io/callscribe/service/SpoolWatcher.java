package io.callscribe.service;

import io.callscribe.session.CallSession;
import io.callscribe.source.RecordingFormat;
import io.callscribe.transcript.TranscriptHandOff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;

/**
 * Watches a MixMonitor spool directory and starts one call per new recording. Files named with a leg
 * suffix ({@code <id>-in.wav} and {@code <id>-out.wav} from {@code r()}/{@code t()}) become one call
 * with two speakers; pairing uses the exact file names. A {@link SpoolState} file remembers, across restarts,
 * each recording's call id and whether its transcript was durably written: a recording counts as done only
 * then. At start-up every recording whose call started but was not done (callscribe was killed, stopped, or
 * could not write the transcript) is transcribed again from the start under the same call id, replacing the
 * partial transcript; on the very first start (no state file) finished recordings already there are skipped
 * unless {@link Settings#includeExisting}. Later, every recording not done is transcribed, even one that
 * started and finished while callscribe was down. Symlinks leading out of the spool and names with control
 * characters are refused with one log line each.
 */
public final class SpoolWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpoolWatcher.class);
    private static final Duration HAND_OFF_WAIT = Duration.ofDays(365);

    /**
     * Recordings are the files whose extension {@link RecordingFormat} reads; every other file is left alone.
     *
     * @param legSuffixes file-name suffix (before the extension) to speaker, e.g. {@code -in -> caller}
     * @param pairWait    how long the first leg of a pair waits for its sibling before the call starts
     * @param stateFile   where handled recordings are listed; null keeps that in memory only
     * @param includeExisting transcribe finished recordings found at the first start too
     */
    public record Settings(Path dir, Map<String, String> legSuffixes, Duration pairWait,
                           Duration rescanEvery, Path stateFile, boolean includeExisting) {
        public Settings {
            legSuffixes = Map.copyOf(legSuffixes);
        }
    }

    private final Settings settings;
    private final RecordingOpener opener;
    private final CallManager calls;
    private final TranscriptHandOff handOff;
    private final CallIdAllocator ids;
    private final Set<Path> handled = ConcurrentHashMap.newKeySet();
    private final Map<String, PendingCall> pending = new LinkedHashMap<>();
    /** Exact base names of live calls (the common prefix of a pair's files) to their call ids. */
    private final Map<String, String> liveByName = new ConcurrentHashMap<>();
    private final ReentrantLock scanLock = new ReentrantLock();
    private volatile boolean running = true;
    private volatile int maxCalls = Integer.MAX_VALUE;
    private boolean atLimitLogged;
    private SpoolState state;
    private Path realDir;
    private WatchService watchService;
    private Thread thread;

    /** A call whose files are still gathering: the legs of an r()/t() pair, and perhaps the mix beside them. */
    private static final class PendingCall {
        final String name;
        final Map<String, Path> legs = new LinkedHashMap<>();
        final long firstSeenNanos = System.nanoTime();
        Path mix;

        PendingCall(String name) {
            this.name = name;
        }
    }

    public SpoolWatcher(Settings settings, RecordingOpener opener, CallManager calls) {
        this(settings, opener, calls, TranscriptHandOff.NONE);
    }

    /** @param handOff tells when a call's transcript is durably written; only then is its recording done */
    public SpoolWatcher(Settings settings, RecordingOpener opener, CallManager calls, TranscriptHandOff handOff) {
        this.settings = settings;
        this.opener = opener;
        this.calls = calls;
        this.handOff = handOff;
        this.ids = new CallIdAllocator(id -> calls.isLive(id) || handOff.exists(id) || state != null && state.idUsed(id));
    }

    /**
     * At most this many spool calls run at once; further recordings wait in the spool (nothing is lost: the file is
     * the buffer, and the call then transcribes it from its start). Logged once each time the limit is reached.
     */
    public SpoolWatcher maxCalls(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("--spool-max-calls must be at least 1, got " + limit);
        }
        this.maxCalls = limit;
        return this;
    }

    /** Loads the state, skips recordings already done, and starts watching. */
    public void start() throws IOException {
        Files.createDirectories(settings.dir());
        realDir = settings.dir().toRealPath();
        state = SpoolState.open(settings.stateFile());
        int skipped = 0;
        int resumed = 0;
        for (Path file : listRecordings()) {
            String key = fileKey(file);
            SpoolState.Entry entry = state.entry(file, key).orElse(null);
            if (entry != null && entry.done()) {
                handled.add(file);
                skipped++;
            } else if (entry != null) {
                resumed++;
                log.info("recording {} was not transcribed to its end before the last stop: transcribing it again "
                        + "from the start as call {}", printable(file.getFileName()), entry.id());
            } else if (!state.existed() && !settings.includeExisting() && opener.finished(file)) {
                handled.add(file);
                state.done(file, key, null);
                skipped++;
            }
        }
        watchService = settings.dir().getFileSystem().newWatchService();
        settings.dir().register(watchService, ENTRY_CREATE);
        log.info("watching {} for recordings ({} already done, skipped; {} to transcribe again)", settings.dir(),
                skipped, resumed);
        thread = Thread.ofPlatform().daemon().name("spool-watcher").start(this::loop);
    }

    private void loop() {
        scan();
        while (running) {
            try {
                var key = watchService.poll(pollMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
                scan();
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("spool watcher: {}", e.toString());
            }
        }
    }

    private long pollMillis() {
        long rescan = settings.rescanEvery().toMillis();
        return pending.isEmpty() ? rescan : Math.min(rescan, 100);
    }

    /** Finds new recordings; the directory listing is the truth, watch events only make it prompt. */
    void scan() {
        scanLock.lock();
        try {
            List<Path> files;
            try {
                files = listRecordings();
            } catch (IOException e) {
                log.warn("spool watcher: cannot list {}: {}", settings.dir(), e.getMessage());
                return;
            }
            for (Path file : files) {
                if (liveByName.size() + pending.size() >= maxCalls && !joinsPending(file)) {
                    if (!handled.contains(file) && !atLimitLogged) {
                        atLimitLogged = true;
                        log.warn("spool: {} calls are being transcribed, the limit (--spool-max-calls); new recordings "
                                + "such as {} wait in the spool", maxCalls, printable(file.getFileName()));
                    }
                    continue;
                }
                if (handled.add(file) && acceptable(file)) {
                    discovered(file);
                }
            }
            if (liveByName.size() + pending.size() < maxCalls) {
                atLimitLogged = false;
            }
            startDuePairs();
        } finally {
            scanLock.unlock();
        }
    }

    /** A leg or mix of a call already gathering: it does not count against the limit. */
    private boolean joinsPending(Path file) {
        String base = RecordingFormat.baseName(file);
        return pending.keySet().stream().anyMatch(base::startsWith);
    }

    /** Refuses, with one log line, names that would forge log lines and links that lead out of the spool. */
    private boolean acceptable(Path file) {
        String name = file.getFileName().toString();
        if (name.chars().anyMatch(Character::isISOControl)) {
            log.warn("spool: recording name {} contains control characters; not transcribed (rename it)", printable(file.getFileName()));
            return false;
        }
        if (Files.isSymbolicLink(file)) {
            try {
                Path target = file.toRealPath();
                if (!target.startsWith(realDir)) {
                    log.warn("spool: {} is a symbolic link to {}, outside the spool; not followed", name, printable(target));
                    return false;
                }
            } catch (IOException e) {
                log.warn("spool: {} is a symbolic link that cannot be resolved ({}); not followed", name, e.getMessage());
                return false;
            }
        }
        return true;
    }

    private void discovered(Path file) {
        String base = RecordingFormat.baseName(file);
        for (Map.Entry<String, String> leg : settings.legSuffixes().entrySet()) {
            if (base.endsWith(leg.getKey()) && base.length() > leg.getKey().length()) {
                String name = base.substring(0, base.length() - leg.getKey().length());
                pending.computeIfAbsent(name, PendingCall::new).legs.put(leg.getValue(), file);
                return;
            }
        }
        if (settings.legSuffixes().isEmpty()) {
            startCall(base, Map.of("", file));
        } else if (liveByName.containsKey(base)) {
            skipMix(liveByName.get(base), file);
        } else {
            // MixMonitor may create the mix a moment before r()/t() files: wait as long as a pair would.
            pending.computeIfAbsent(base, PendingCall::new).mix = file;
        }
    }

    /** MixMonitor(<id>.wav,r(<id>-in.wav)t(<id>-out.wav)) also writes the mix: the legs already carry the call. */
    private void skipMix(String callId, Path mix) {
        log.info("call {}: {} is the mix of a two-leg recording; transcribing the legs only", callId, printable(mix.getFileName()));
        markDone(mix, callId);
    }

    private void startDuePairs() {
        long now = System.nanoTime();
        var it = pending.values().iterator();
        while (it.hasNext()) {
            PendingCall p = it.next();
            if (p.legs.size() == settings.legSuffixes().size() || now - p.firstSeenNanos >= settings.pairWait().toNanos()) {
                it.remove();
                if (p.legs.isEmpty()) {
                    startCall(p.name, Map.of("", p.mix));
                } else {
                    String callId = startCall(p.name, p.legs);
                    if (p.mix != null && callId != null) {
                        skipMix(callId, p.mix);
                    }
                }
            }
        }
    }

    /** The id of a call resumed after a restart, or a fresh one. */
    private String callIdFor(String name, Map<String, Path> files) {
        for (Path f : files.values()) {
            var entry = state.entry(f, fileKey(f));
            if (entry.isPresent() && !entry.get().done() && entry.get().id() != null) {
                ids.reserve(entry.get().id());
                return entry.get().id();
            }
        }
        return ids.allocate(name);
    }

    /** Starts the call; returns its id, or null when it did not start. */
    private String startCall(String name, Map<String, Path> files) {
        String callId = callIdFor(name, files);
        Map<Path, String> keys = new LinkedHashMap<>();
        files.values().forEach(f -> keys.put(f, fileKey(f)));
        try {
            for (Map.Entry<Path, String> f : keys.entrySet()) {
                state.started(f.getKey(), f.getValue(), callId);
            }
        } catch (IOException e) {
            // Without the entry a crash would lose track of the call: do not start it; retried on the next scan.
            log.error("call {}: cannot write the spool state {}: {}; the recording waits", callId, settings.stateFile(), e.getMessage());
            handled.removeAll(files.values());
            return null;
        }
        List<CallSession.Leg> legs = new ArrayList<>();
        try {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                legs.addAll(opener.open(f.getValue(), f.getKey().isEmpty() ? null : f.getKey()));
            }
        } catch (IOException e) {
            log.warn("call {}: cannot open recording: {}", callId, e.getMessage());
            closeAll(legs);
            files.values().forEach(f -> markDone(f, callId));
            return null;
        }
        if (calls.start(callId, legs).isEmpty()) {
            closeAll(legs);
            return null;
        }
        liveByName.put(name, callId);
        Thread.ofVirtual().name("spool-done-" + callId).start(() -> {
            try {
                calls.awaitEnd(callId, HAND_OFF_WAIT);
                // A call cut short by our own shutdown is not done: after a restart the recording is picked up again.
                if (running && handOff.awaitWritten(callId, HAND_OFF_WAIT) && running) {
                    keys.forEach((f, key) -> markDone(f, key, callId));
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            } finally {
                liveByName.remove(name, callId);
            }
        });
        return callId;
    }

    private void markDone(Path file, String callId) {
        markDone(file, fileKey(file), callId);
    }

    private void markDone(Path file, String key, String callId) {
        try {
            state.done(file, key, callId);
        } catch (IOException e) {
            log.warn("cannot record {} in state file {}: {}", printable(file), settings.stateFile(), e.getMessage());
        }
    }

    /** The file's identity (device and inode where the file system has them), or null. */
    public static String fileKey(Path file) {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return key == null ? null : key.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** A name for a log line: control characters as '?'. */
    static String printable(Object name) {
        String s = String.valueOf(name);
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }

    private static void closeAll(List<CallSession.Leg> legs) {
        for (CallSession.Leg leg : legs) {
            try {
                leg.source().close();
            } catch (IOException ignored) {
                // nothing was read from it yet
            }
        }
    }

    private List<Path> listRecordings() throws IOException {
        try (Stream<Path> s = Files.list(settings.dir())) {
            return s.map(p -> p.toAbsolutePath().normalize())
                    .filter(Files::isRegularFile)
                    .filter(RecordingFormat::isRecording)
                    .sorted()
                    .toList();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            if (watchService != null) {
                watchService.close();
            }
        } catch (IOException ignored) {
            // shutting down
        }
        if (thread != null) {
            thread.interrupt();
        }
        try {
            if (state != null) {
                state.close();
            }
        } catch (IOException e) {
            log.warn("spool state {}: {}", settings.stateFile(), e.getMessage());
        }
    }
}
