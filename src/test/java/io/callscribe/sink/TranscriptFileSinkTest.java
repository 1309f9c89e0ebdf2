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

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private static void playCall(TranscriptSink sink, String id) {
        sink.accept(new TranscriptEvent.CallStarted(id, T0, "recording /tmp/" + id + ".wav"));
        sink.accept(new TranscriptEvent.Partial(id, T0, null, "hello"));
        sink.accept(new TranscriptEvent.Final(id, T0, null, "hello there", 0.5, 1.25,
                List.of(new Word("hello", 0.5, 0.9, 0.98), new Word("there", 0.9, 1.25, 0.91))));
        sink.accept(new TranscriptEvent.Final(id, T0, null, "my order is late", 2.0, 3.5, List.of()));
        sink.accept(new TranscriptEvent.CallEnded(id, T0.plusSeconds(4), 4.0, "recording closed"));
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
            playCall(sink, "c1");
            assertThat(sink.pending()).containsExactly("c1");
            if (rootIgnoresPermissions) {
                Files.delete(dir.resolve("c1.txt"));
            } else {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> sink.pending().isEmpty());
        }
        assertThat(Files.readString(dir.resolve("c1.txt"))).isEqualTo("hello there\nmy order is late\n");
    }
}
