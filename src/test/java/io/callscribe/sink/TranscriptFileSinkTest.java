package io.callscribe.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.Word;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TranscriptFileSinkTest {

    private final java.util.Map<TranscriptSink, io.callscribe.testing.SessionFeed> feeds = new java.util.IdentityHashMap<>();

    /** Feeds the sink as a call session does (the call's transcript is the session's). */
    private io.callscribe.testing.SessionFeed feed(TranscriptSink sink) {
        return feeds.computeIfAbsent(sink, io.callscribe.testing.SessionFeed::new);
    }


    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private void playCall(TranscriptSink sink, String id) {
        feed(sink).accept(new TranscriptEvent.CallStarted(id, T0, "recording /tmp/" + id + ".wav"));
        feed(sink).accept(new TranscriptEvent.Partial(id, T0, null, "hello"));
        feed(sink).accept(new TranscriptEvent.Final(id, T0, null, "hello there", 0.5, 1.25,
                List.of(new Word("hello", 0.5, 0.9, 0.98), new Word("there", 0.9, 1.25, 0.91))));
        feed(sink).accept(new TranscriptEvent.Final(id, T0, null, "my order is late", 2.0, 3.5, List.of()));
        feed(sink).accept(new TranscriptEvent.CallEnded(id, T0.plusSeconds(4), 4.0, "recording closed"));
    }

    @Test
    void writesJsonTextAndVttWhenTheCallEnds(@TempDir Path dir) throws Exception {
        try (var sink = new TranscriptFileSink(dir)) {
            playCall(sink, "1700000000.42");
        }
        assertThat(Files.readString(dir.resolve("1700000000.42.txt"))).isEqualTo("hello there\nmy order is late\n");
        JsonNode json = EventJson.MAPPER.readTree(dir.resolve("1700000000.42.json").toFile());
        assertThat(json.get("call").asText()).isEqualTo("1700000000.42");
        assertThat(json.get("audio_seconds").asDouble()).isEqualTo(4.0);
        assertThat(json.get("finals")).hasSize(2);
        assertThat(json.get("finals").get(0).get("words").get(1).get("word").asText()).isEqualTo("there");
        assertThat(Files.readString(dir.resolve("1700000000.42.vtt")))
                .startsWith("WEBVTT\n").contains("00:00:00.500 --> 00:00:01.250\nhello there");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void keepsTheTranscriptInMemoryAndRetriesWhenTheDirectoryIsNotWritable(@TempDir Path parent) throws Exception {
        Path dir = Files.createDirectory(parent.resolve("out"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean rootIgnoresPermissions = Files.isWritable(dir);
        try (var sink = new TranscriptFileSink(dir, 50, TimeUnit.MILLISECONDS)) {
            if (rootIgnoresPermissions) {
                // root writes anyway; make the target unwritable another way: a directory where the file goes
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.createDirectory(dir.resolve("c1.txt"));
            }
            List<TranscriptEvent> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
            sink.reportErrorsTo(reported::add);
            playCall(sink, "c1");
            assertThat(sink.pending()).containsExactly("c1");
            // The other sinks hear of it: one error event of the call, naming the directory and why.
            assertThat(reported).singleElement().isInstanceOfSatisfying(TranscriptEvent.CallError.class, e -> {
                assertThat(e.call()).isEqualTo("c1");
                assertThat(e.message()).contains("transcript cannot be written to " + dir, "1 waiting");
            });
            if (rootIgnoresPermissions) {
                Files.delete(dir.resolve("c1.txt"));
            } else {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> sink.pending().isEmpty());
        }
        assertThat(Files.readString(dir.resolve("c1.txt"))).isEqualTo("hello there\nmy order is late\n");
    }

    @Test
    void atMostMaxWaitingTranscriptsWaitBeyondThatOneLineAndEachCallsErrorSaysItIsOnlyInTheSpool(@TempDir Path dir)
            throws Exception {
        int calls = TranscriptFileSink.MAX_WAITING + 2;
        // Each call's first file is a directory already (works for root too): its transcript cannot be written.
        for (int i = 0; i < calls; i++) {
            Files.createDirectory(dir.resolve("w" + i + ".txt"));
        }
        List<TranscriptEvent> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.callscribe.testing.CapturedLog log = io.callscribe.testing.CapturedLog.of(TranscriptFileSink.class)) {
            try (var sink = new TranscriptFileSink(dir, 1, TimeUnit.HOURS).reportErrorsTo(reported::add)) {
                for (int i = 0; i < calls; i++) {
                    playCall(sink, "w" + i);
                }
                assertThat(sink.pending()).hasSize(TranscriptFileSink.MAX_WAITING)
                        .contains("w0", "w" + (TranscriptFileSink.MAX_WAITING - 1))
                        .doesNotContain("w" + TranscriptFileSink.MAX_WAITING, "w" + (calls - 1));
                assertThat(log.matching("transcripts already wait for")).singleElement().asString()
                        .contains(TranscriptFileSink.MAX_WAITING + " transcripts already wait for " + dir)
                        .contains("call w" + TranscriptFileSink.MAX_WAITING + " and later ones");
                assertThat(sink.problem()).hasValueSatisfying(p -> assertThat(p).contains(TranscriptFileSink.MAX_WAITING + " waiting"));
                // Space returns for the first waiting one and for the last dropped one (the others stay blocked, so
                // that the test does not fsync a thousand transcripts; the retry stops at the first that fails).
                for (int i : new int[]{0, calls - 1}) {
                    Files.delete(dir.resolve("w" + i + ".txt"));
                }
            } // close() tries the waiting ones once more
        }
        assertThat(reported).hasSize(calls).allMatch(e -> e instanceof TranscriptEvent.CallError);
        assertThat(((TranscriptEvent.CallError) reported.get(0)).message()).contains("it waits in memory (1 waiting)");
        assertThat(((TranscriptEvent.CallError) reported.get(calls - 1)).message())
                .contains(TranscriptFileSink.MAX_WAITING + " transcripts already wait, so this one is kept only in the spool");
        assertThat(Files.readString(dir.resolve("w0.txt"))).isEqualTo("hello there\nmy order is late\n");
        assertThat(dir.resolve("w0.json")).exists();
        assertThat(dir.resolve("w" + TranscriptFileSink.MAX_WAITING + ".json")).doesNotExist();
        assertThat(dir.resolve("w" + (calls - 1) + ".txt")).doesNotExist();
    }

    /** A directory where the call's first file goes: its transcript cannot be written there (works for root too). */
    private static Path block(Path dir, String callId) throws Exception {
        return Files.createDirectory(dir.resolve(callId + ".txt"));
    }

    private static List<String> names(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aTranscriptThatCannotBeWrittenWaitsOnDiskInTheFallbackAndIsMovedOnceTheDirectoryCanBeWritten(@TempDir Path parent)
            throws Exception {
        Path dir = Files.createDirectory(parent.resolve("out"));
        Path fallback = parent.resolve("waiting");
        Path blocked = block(dir, "c1");
        List<TranscriptEvent> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var sink = new TranscriptFileSink(dir, fallback, 50, TimeUnit.MILLISECONDS, 1000).reportErrorsTo(reported::add)) {
            assertThat(fallback).as("made only when a transcript must wait").doesNotExist();
            playCall(sink, "c1");
            assertThat(names(fallback)).containsExactly("c1.json", "c1.txt", "c1.vtt");
            assertThat(Files.readString(fallback.resolve("c1.txt"))).isEqualTo("hello there\nmy order is late\n");
            assertThat(sink.pending()).containsExactly("c1");
            assertThat(sink.awaitWritten("c1", java.time.Duration.ZERO)).as("durable on disk: handled").isTrue();
            assertThat(sink.exists("c1")).isTrue();
            assertThat(sink.problem()).hasValueSatisfying(p -> assertThat(p).contains("1 waiting"));
            assertThat(reported).singleElement().isInstanceOfSatisfying(TranscriptEvent.CallError.class, e ->
                    assertThat(e.message()).contains("transcript cannot be written to " + dir,
                            "it waits on disk in " + fallback + " (1 waiting)"));

            Files.delete(blocked); // the directory can be written again
            await().atMost(5, TimeUnit.SECONDS).until(() -> sink.pending().isEmpty());
            assertThat(sink.problem()).isEmpty();
        }
        assertThat(Files.readString(dir.resolve("c1.txt"))).isEqualTo("hello there\nmy order is late\n");
        assertThat(EventJson.MAPPER.readTree(dir.resolve("c1.json").toFile()).get("complete").asBoolean()).isTrue();
        assertThat(dir.resolve("c1.vtt")).exists();
        assertThat(names(fallback)).as("nothing left waiting").isEmpty();
    }

    @Test
    void transcriptsWaitingOnDiskSurviveARestartAndAreMovedAtTheNextStartOldestFirst(@TempDir Path parent) throws Exception {
        Path dir = Files.createDirectory(parent.resolve("out"));
        Path fallback = parent.resolve("waiting");
        Path blockedA = block(dir, "a");
        Path blockedB = block(dir, "b");
        try (var sink = new TranscriptFileSink(dir, fallback, 1, TimeUnit.HOURS, 1000)) {
            playCall(sink, "a");
            playCall(sink, "b");
            assertThat(sink.pending()).containsExactly("a", "b");
        } // still blocked at close: they stay where they wait
        assertThat(names(fallback)).containsExactly("a.json", "a.txt", "a.vtt", "b.json", "b.txt", "b.vtt");
        Files.delete(blockedA);
        Files.delete(blockedB);
        try (io.callscribe.testing.CapturedLog log = io.callscribe.testing.CapturedLog.of(TranscriptFileSink.class);
             var sink = new TranscriptFileSink(dir, fallback, 1, TimeUnit.HOURS, 1000)) {
            assertThat(sink.pending()).as("moved while the sink starts").isEmpty();
            assertThat(log.matching("after waiting in")).hasSize(2);
            assertThat(log.matching("after waiting in").get(0)).contains("call a:");
        }
        assertThat(names(dir)).contains("a.json", "a.txt", "a.vtt", "b.json", "b.txt", "b.vtt")
                .noneMatch(n -> n.endsWith(".progress.jsonl"));
        assertThat(EventJson.MAPPER.readTree(dir.resolve("b.json").toFile()).get("complete").asBoolean()).isTrue();
        assertThat(names(fallback)).isEmpty();
    }

    @Test
    void aFallbackThatCannotBeWrittenEitherLeavesTheTranscriptWaitingInMemory(@TempDir Path parent) throws Exception {
        Path dir = Files.createDirectory(parent.resolve("out"));
        Path fallback = Files.writeString(parent.resolve("waiting"), "a file, not a directory");
        Path blocked = block(dir, "c3");
        List<TranscriptEvent> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var sink = new TranscriptFileSink(dir, fallback, 50, TimeUnit.MILLISECONDS, 1000).reportErrorsTo(reported::add)) {
            playCall(sink, "c3");
            assertThat(sink.pending()).containsExactly("c3");
            assertThat(sink.awaitWritten("c3", java.time.Duration.ofMillis(10))).as("only in memory: not handled").isFalse();
            assertThat(((TranscriptEvent.CallError) reported.get(0)).message()).contains("it waits in memory (1 waiting)");
            Files.delete(blocked);
            await().atMost(5, TimeUnit.SECONDS).until(() -> sink.pending().isEmpty());
        }
        assertThat(dir.resolve("c3.json")).exists();
    }

    @Test
    void deletingACallRemovesItsTranscriptWaitingOnDisk(@TempDir Path parent) throws Exception {
        Path dir = Files.createDirectory(parent.resolve("out"));
        Path fallback = parent.resolve("waiting");
        block(dir, "c4");
        try (var sink = new TranscriptFileSink(dir, fallback, 1, TimeUnit.HOURS, 1000)) {
            playCall(sink, "c4");
            assertThat(sink.pending()).containsExactly("c4");
            sink.delete("c4");
            assertThat(sink.pending()).isEmpty();
            assertThat(sink.exists("c4")).isFalse();
        }
        assertThat(names(fallback)).isEmpty();
    }

    @Test
    void aWrittenTranscriptReportsNoError(@TempDir Path dir) throws Exception {
        List<TranscriptEvent> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var sink = new TranscriptFileSink(dir).reportErrorsTo(reported::add)) {
            playCall(sink, "c2");
        }
        assertThat(reported).isEmpty();
    }

    @Test
    void aLiveCallsFinalsAreAppendedToItsProgressLogWhichGoesWhenTheCallEnds(@TempDir Path dir) throws Exception {
        String id = "1700000000.7";
        try (var sink = new TranscriptFileSink(dir, null, 5, TimeUnit.SECONDS, 50)) {
            feed(sink).accept(new TranscriptEvent.CallStarted(id, T0, "recording /tmp/x.wav"));
            feed(sink).accept(new TranscriptEvent.Partial(id, T0, null, "hel"));
            feed(sink).accept(new TranscriptEvent.Final(id, T0, null, "hello there", 0.5, 1.25, List.of()));
            Path log = sink.progressPath(id);
            assertThat(log.getFileName().toString()).isEqualTo(id + ".progress.jsonl");
            await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 2);
            long sizeAfterTwo = Files.size(log);
            feed(sink).accept(new TranscriptEvent.Final(id, T0, null, "my order is late", 2.0, 3.5, List.of()));
            feed(sink).accept(new TranscriptEvent.Dtmf(id, T0, null, "5", 3.75));
            await().atMost(5, TimeUnit.SECONDS).until(() -> Files.readAllLines(log).size() == 4);
            List<String> lines = Files.readAllLines(log);
            // Appended, not rewritten: the first lines stay as they were; partials are not kept.
            assertThat(Files.readString(log)).startsWith(lines.get(0) + "\n" + lines.get(1) + "\n");
            assertThat(Files.size(log)).isGreaterThan(sizeAfterTwo);
            assertThat(lines).extracting(l -> EventJson.MAPPER.readTree(l).get("event").asText())
                    .containsExactly("call_start", "final", "final", "dtmf");
            assertThat(Files.exists(sink.jsonPath(id))).isFalse();

            feed(sink).accept(new TranscriptEvent.CallEnded(id, T0.plusSeconds(4), 4.0, "recording closed"));
            assertThat(sink.awaitWritten(id, java.time.Duration.ofSeconds(5))).isTrue();
            await().atMost(5, TimeUnit.SECONDS).until(() -> !Files.exists(log));
        }
        assertThat(EventJson.MAPPER.readTree(dir.resolve(id + ".json").toFile()).get("complete").asBoolean()).isTrue();
    }

    @Test
    void aCallCutByACrashBecomesItsIncompleteJsonAtTheNextStart(@TempDir Path dir) throws Exception {
        String id = "cut";
        try (var sink = new TranscriptFileSink(dir, null, 5, TimeUnit.SECONDS, 50)) {
            feed(sink).accept(new TranscriptEvent.CallStarted(id, T0, "audiosocket 127.0.0.1:5000"));
            feed(sink).accept(new TranscriptEvent.Final(id, T0, "caller", "hello there", 0.5, 1.25,
                    List.of(new Word("hello", 0.5, 0.9, 0.98), new Word("there", 0.9, 1.25, 0.91))));
            feed(sink).accept(new TranscriptEvent.Dtmf(id, T0, "caller", "7", 1.5));
            await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(sink.progressPath(id))
                    && Files.readAllLines(sink.progressPath(id)).size() == 3);
            // no call_end: the process dies here (close() writes what is queued, as the last round before a kill did)
        }
        assertThat(Files.exists(dir.resolve(id + ".json"))).isFalse();
        try (var restarted = new TranscriptFileSink(dir)) {
            JsonNode json = EventJson.MAPPER.readTree(dir.resolve(id + ".json").toFile());
            assertThat(json.get("complete").asBoolean()).isFalse();
            assertThat(json.get("end_reason").asText()).startsWith(TranscriptEvent.CallEnded.INCOMPLETE);
            assertThat(json.get("source").asText()).isEqualTo("audiosocket 127.0.0.1:5000");
            assertThat(json.get("finals")).hasSize(1);
            assertThat(json.get("finals").get(0).get("words").get(1).get("word").asText()).isEqualTo("there");
            assertThat(json.get("dtmf").get(0).get("digit").asText()).isEqualTo("7");
            assertThat(json.get("audio_seconds").asDouble()).isEqualTo(1.25);
            assertThat(json.has("ended")).isFalse();
            assertThat(Files.exists(restarted.progressPath(id))).isFalse();
        }
    }

    @Test
    void aLastLineCutByTheCrashIsPassedOverAndTheRestRecovered(@TempDir Path dir) throws Exception {
        String id = "torn";
        String start = EventJson.toLine(new TranscriptEvent.CallStarted(id, T0, "recording /tmp/torn.wav"));
        String first = EventJson.toLine(new TranscriptEvent.Final(id, T0, null, "first words", 0.0, 1.0, List.of()));
        String second = EventJson.toLine(new TranscriptEvent.Final(id, T0, null, "second words", 1.0, 2.0, List.of()));
        // The crash cut the third line halfway through its write.
        Files.writeString(dir.resolve(id + ".progress.jsonl"),
                start + "\n" + first + "\n" + second + "\n" + second.substring(0, second.length() / 2));
        try (var sink = new TranscriptFileSink(dir)) {
            JsonNode json = EventJson.MAPPER.readTree(dir.resolve(id + ".json").toFile());
            assertThat(json.get("complete").asBoolean()).isFalse();
            assertThat(json.get("end_reason").asText()).startsWith("incomplete");
            assertThat(json.get("finals")).extracting(f -> f.get("text").asText())
                    .containsExactly("first words", "second words");
            assertThat(Files.exists(dir.resolve(id + ".progress.jsonl"))).isFalse();
        }
    }

    @Test
    void aProgressLogWhoseCallEndedIsOnlyRemoved(@TempDir Path dir) throws Exception {
        try (var sink = new TranscriptFileSink(dir)) {
            playCall(sink, "done");
        }
        Files.writeString(dir.resolve("done.progress.jsonl"),
                EventJson.toLine(new TranscriptEvent.CallStarted("done", T0, "recording /tmp/done.wav")) + "\n");
        String before = Files.readString(dir.resolve("done.json"));
        try (var sink = new TranscriptFileSink(dir)) {
            assertThat(Files.exists(dir.resolve("done.progress.jsonl"))).isFalse();
        }
        assertThat(Files.readString(dir.resolve("done.json"))).isEqualTo(before);
    }
}
