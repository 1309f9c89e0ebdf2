package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import io.callscribe.testing.asterisk.PrivateAsterisk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Test support for end-to-end tests on a real Asterisk: a {@code callscribe run} started in-process with its own
 * out-dir and event log, and what a test needs to follow its calls (new call ids, when each ended, transcripts),
 * plus the time Asterisk hung a call up.
 */
final class WatchedService implements AutoCloseable {

    final RunCommand.Service service;
    final Path out;
    final Path events;

    private WatchedService(RunCommand.Service service, Path out, Path events) {
        this.service = service;
        this.out = out;
        this.events = events;
    }

    /** {@code callscribe run ARGS --out-dir DIR/NAME-out --events DIR/NAME-events.jsonl}. */
    static WatchedService start(Path dir, String name, String... args) throws Exception {
        Path out = dir.resolve(name + "-out");
        Path events = dir.resolve(name + "-events.jsonl");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--out-dir", out.toString(), "--events", events.toString()));
        return new WatchedService(RunHarness.start(all.toArray(String[]::new)), out, events);
    }

    int audioSocketPort() {
        return service.audioSocketPort();
    }

    int httpPort() {
        return service.httpPort();
    }

    /** The events written so far (a line still being written is left for the next look). */
    List<JsonNode> events() throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (Files.exists(events)) {
            for (String line : Files.readAllLines(events)) {
                try {
                    nodes.add(EventJson.MAPPER.readTree(line));
                } catch (IOException partial) {
                    break;
                }
            }
        }
        return nodes;
    }

    List<String> startedCalls() throws IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode n : events()) {
            if (n.get("event").asText().equals("call_start")) {
                ids.add(n.get("call").asText());
            }
        }
        return ids;
    }

    /** The first call started that is not in {@code known}, ignoring reference calls (ids {@code ref-...}). */
    String awaitNewCall(Collection<String> known, Duration timeout) {
        return await().atMost(timeout).until(() -> startedCalls().stream()
                .filter(id -> !known.contains(id) && !id.startsWith("ref-")).findFirst().orElse(null), v -> v != null);
    }

    /** When the event log says the call ended, or null. */
    Instant endOf(String id) throws IOException {
        for (JsonNode n : events()) {
            if (n.get("event").asText().equals("call_end") && n.get("call").asText().equals(id)) {
                return Instant.parse(n.get("at").asText());
            }
        }
        return null;
    }

    Instant awaitEnd(String id, Duration timeout) {
        return await().atMost(timeout).until(() -> endOf(id), v -> v != null);
    }

    /** The call's transcript JSON, once written. */
    JsonNode awaitTranscript(String id, Duration timeout) throws IOException {
        Path file = out.resolve(id + ".json");
        await().atMost(timeout).until(() -> Files.exists(file) && endOf(id) != null);
        return RunHarness.readJson(file);
    }

    /**
     * The first moment no channel whose name contains {@code marker} is up in Asterisk (polled about every 50 ms):
     * when it hung that call up.
     */
    static Instant awaitHangup(PrivateAsterisk asterisk, String marker, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (asterisk.channels().stream().noneMatch(c -> c.contains(marker))) {
                return Instant.now();
            }
            Thread.sleep(30);
        }
        throw new AssertionError("the call did not hang up within " + timeout.toSeconds() + " s: "
                + asterisk.channels() + "\n" + asterisk.logTail(40));
    }

    /** Asserts callscribe ended the call within {@code limit} of Asterisk's hang-up; returns how long it took. */
    Duration assertEndedWithin(String id, Instant hungUp, Duration limit) {
        Instant ended = awaitEnd(id, Duration.ofSeconds(30));
        Duration after = Duration.between(hungUp, ended);
        assertThat(after).as("call %s ended %d ms after Asterisk hung up", id, after.toMillis())
                .isLessThanOrEqualTo(limit);
        return after;
    }

    @Override
    public void close() throws InterruptedException {
        service.close();
    }
}
