package io.callscribe.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.transcript.AtomicFiles;
import io.callscribe.transcript.CallTranscript;
import io.callscribe.transcript.TranscriptFormats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes {@code <dir>/<call>.json}, {@code .txt} and {@code .vtt} atomically when a call ends. When the
 * directory is not writable or full, the transcript stays in memory and is retried until it lands.
 */
public final class TranscriptFileSink implements TranscriptSink {

    private static final Logger log = LoggerFactory.getLogger(TranscriptFileSink.class);

    private final Path dir;
    private final Map<String, CallTranscript> live = new ConcurrentHashMap<>();
    private final Map<String, CallTranscript.Snapshot> unwritten = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry;

    public TranscriptFileSink(Path dir) {
        this(dir, 10, TimeUnit.SECONDS);
    }

    TranscriptFileSink(Path dir, long retryEvery, TimeUnit unit) {
        this.dir = dir;
        this.retry = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("transcript-retry").factory());
        retry.scheduleWithFixedDelay(this::retryUnwritten, retryEvery, retryEvery, unit);
    }

    public Path dir() {
        return dir;
    }

    public Path jsonPath(String callId) {
        return dir.resolve(callId + ".json");
    }

    public Path textPath(String callId) {
        return dir.resolve(callId + ".txt");
    }

    @Override
    public void accept(TranscriptEvent event) {
        CallTranscript t = live.computeIfAbsent(event.call(), CallTranscript::new);
        t.apply(event);
        if (event instanceof TranscriptEvent.CallEnded) {
            live.remove(event.call());
            CallTranscript.Snapshot snapshot = t.snapshot();
            if (!tryWrite(snapshot)) {
                unwritten.put(snapshot.callId(), snapshot);
            }
        }
    }

    /** Deletes the call's transcript files (.json, .txt, .vtt); a missing one is fine, others are logged. */
    public void delete(String callId) {
        unwritten.remove(callId);
        for (String ext : new String[]{".json", ".txt", ".vtt"}) {
            Path file = dir.resolve(callId + ext);
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("call {}: cannot delete {}: {}", callId, file, e.getMessage());
            }
        }
    }

    /** Calls whose files could not be written yet (kept in memory, retried). */
    public List<String> pending() {
        return new ArrayList<>(unwritten.keySet());
    }

    private boolean tryWrite(CallTranscript.Snapshot t) {
        try {
            write(t);
            return true;
        } catch (IOException e) {
            log.error("call {}: cannot write transcript to {}: {} (kept in memory, will retry)", t.callId(), dir,
                    e.getMessage() == null ? e.toString() : e.getMessage());
            return false;
        }
    }

    private void write(CallTranscript.Snapshot t) throws IOException {
        String json;
        try {
            json = EventJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(TranscriptFormats.json(t));
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
        AtomicFiles.write(dir.resolve(t.callId() + ".txt"), TranscriptFormats.text(t).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve(t.callId() + ".vtt"), TranscriptFormats.webVtt(t).getBytes(StandardCharsets.UTF_8));
        // The JSON goes last: its presence means the call's files are complete.
        AtomicFiles.write(jsonPath(t.callId()), (json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void retryUnwritten() {
        for (CallTranscript.Snapshot t : unwritten.values()) {
            try {
                write(t);
                unwritten.remove(t.callId());
                log.info("call {}: transcript written to {} after retry", t.callId(), dir);
            } catch (IOException e) {
                log.debug("call {}: retry failed: {}", t.callId(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        retry.shutdownNow();
        retryUnwritten();
        for (String call : unwritten.keySet()) {
            log.error("call {}: transcript could not be written to {}; it is lost with this process", call, dir);
        }
    }
}
