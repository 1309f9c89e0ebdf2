package io.callscribe.service;

import io.callscribe.session.CallIds;
import io.callscribe.session.CallSession;
import io.callscribe.source.RecordingFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;

/**
 * Watches a MixMonitor spool directory and starts one call per new recording. Files named with a leg
 * suffix ({@code <id>-in.wav} and {@code <id>-out.wav} from {@code r()}/{@code t()}) become one call
 * with two speakers. A state file remembers which recordings were handled, so a restart does not
 * transcribe them again; recordings still growing at start-up are picked up.
 */
public final class SpoolWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpoolWatcher.class);

    /**
     * Recordings are the files whose extension {@link RecordingFormat} reads; every other file is left alone.
     *
     * @param legSuffixes file-name suffix (before the extension) to speaker, e.g. {@code -in -> caller}
     * @param pairWait    how long the first leg of a pair waits for its sibling before the call starts
     * @param stateFile   where handled recordings are listed; null keeps that in memory only
     * @param includeExisting transcribe finished recordings found at start-up too
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
    private final Set<Path> handled = ConcurrentHashMap.newKeySet();
    private final Map<String, PendingCall> pending = new LinkedHashMap<>();
    private volatile boolean running = true;
    private WatchService watchService;
    private Thread thread;

    /** A call whose files are still gathering: the legs of an r()/t() pair, and perhaps the mix beside them. */
    private static final class PendingCall {
        final String callId;
        final Map<String, Path> legs = new LinkedHashMap<>();
        final long firstSeenNanos = System.nanoTime();
        Path mix;

        PendingCall(String callId) {
            this.callId = callId;
        }
    }

    public SpoolWatcher(Settings settings, RecordingOpener opener, CallManager calls) {
        this.settings = settings;
        this.opener = opener;
        this.calls = calls;
    }

    /** Loads the state, skips finished recordings already there, and starts watching. */
    public void start() throws IOException {
        Files.createDirectories(settings.dir());
        Set<Path> done = loadState();
        int skipped = 0;
        for (Path file : listRecordings()) {
            if (done.contains(file)) {
                handled.add(file);
                skipped++;
            } else if (!settings.includeExisting() && opener.finished(file)) {
                handled.add(file);
                remember(file);
                skipped++;
            }
        }
        watchService = settings.dir().getFileSystem().newWatchService();
        settings.dir().register(watchService, ENTRY_CREATE);
        log.info("watching {} for recordings ({} already there and finished, skipped)", settings.dir(), skipped);
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
    synchronized void scan() {
        List<Path> files;
        try {
            files = listRecordings();
        } catch (IOException e) {
            log.warn("spool watcher: cannot list {}: {}", settings.dir(), e.getMessage());
            return;
        }
        for (Path file : files) {
            if (handled.add(file)) {
                discovered(file);
            }
        }
        startDuePairs();
    }

    private void discovered(Path file) {
        String base = RecordingFormat.baseName(file);
        for (Map.Entry<String, String> leg : settings.legSuffixes().entrySet()) {
            if (base.endsWith(leg.getKey()) && base.length() > leg.getKey().length()) {
                String callId = CallIds.sanitize(base.substring(0, base.length() - leg.getKey().length()));
                pending.computeIfAbsent(callId, PendingCall::new).legs.put(leg.getValue(), file);
                return;
            }
        }
        String callId = CallIds.sanitize(base);
        if (settings.legSuffixes().isEmpty()) {
            startCall(callId, Map.of("", file));
        } else if (calls.isLive(callId)) {
            skipMix(callId, file);
        } else {
            // MixMonitor may create the mix a moment before r()/t() files: wait as long as a pair would.
            pending.computeIfAbsent(callId, PendingCall::new).mix = file;
        }
    }

    /** MixMonitor(<id>.wav,r(<id>-in.wav)t(<id>-out.wav)) also writes the mix: the legs already carry the call. */
    private void skipMix(String callId, Path mix) {
        log.info("call {}: {} is the mix of a two-leg recording; transcribing the legs only", callId, mix.getFileName());
        remember(mix);
    }

    private void startDuePairs() {
        long now = System.nanoTime();
        var it = pending.values().iterator();
        while (it.hasNext()) {
            PendingCall p = it.next();
            if (p.legs.size() == settings.legSuffixes().size() || now - p.firstSeenNanos >= settings.pairWait().toNanos()) {
                it.remove();
                if (p.legs.isEmpty()) {
                    startCall(p.callId, Map.of("", p.mix));
                } else {
                    startCall(p.callId, p.legs);
                    if (p.mix != null) {
                        skipMix(p.callId, p.mix);
                    }
                }
            }
        }
    }

    private void startCall(String callId, Map<String, Path> files) {
        List<CallSession.Leg> legs = new ArrayList<>();
        try {
            for (Map.Entry<String, Path> f : files.entrySet()) {
                legs.addAll(opener.open(f.getValue(), f.getKey().isEmpty() ? null : f.getKey()));
            }
        } catch (IOException e) {
            log.warn("call {}: cannot open recording: {}", callId, e.getMessage());
            closeAll(legs);
            files.values().forEach(this::remember);
            return;
        }
        if (calls.start(callId, legs).isEmpty()) {
            closeAll(legs);
            return;
        }
        Thread.ofVirtual().name("spool-done-" + callId).start(() -> {
            try {
                calls.awaitEnd(callId, Duration.ofDays(365));
                // A call cut short by our own shutdown is not done: after a restart the recording is picked up again.
                if (running) {
                    files.values().forEach(this::remember);
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
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

    private Set<Path> loadState() throws IOException {
        Set<Path> done = new HashSet<>();
        if (settings.stateFile() != null && Files.exists(settings.stateFile())) {
            for (String line : Files.readAllLines(settings.stateFile(), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    done.add(Path.of(line.strip()).toAbsolutePath().normalize());
                }
            }
        }
        return done;
    }

    private synchronized void remember(Path file) {
        if (settings.stateFile() == null) {
            return;
        }
        try {
            Files.createDirectories(settings.stateFile().toAbsolutePath().getParent());
            Files.writeString(settings.stateFile(), file + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("cannot record {} in state file {}: {}", file, settings.stateFile(), e.getMessage());
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
    }
}
