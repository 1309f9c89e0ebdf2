package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.event.EventJson;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import io.callscribe.source.TailOptions;
import io.callscribe.source.RecordingTailer;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.testing.SessionSettingsBuilder;
import io.callscribe.testing.SingleLegCall;
import io.callscribe.testing.TappedRecognizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callscribe transcribe --asr ws://...} against {@code callscribe serve} (the Vosk protocol in front of
 * Sphinx4) and {@code --engine sphinx4} in-process: the engine gets the same audio in the same chunks and says the
 * same thing.
 *
 * <p>The words must be equal, not merely close: Sphinx4 decodes the same audio to the same words on every load of its
 * models (the lex tree's successor order no longer follows identity hashes), so any difference is the protocol's.
 */
class ServeEquivalenceTest {

    private static final Path CLIP = Path.of("src/test/resources/speech/two-utterances-16k.wav");

    /** What reached the engine: every byte, and the chunk sizes. */
    private static final class EngineInput {
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<Integer> chunks = new ArrayList<>();

        synchronized void add(byte[] pcm, int offset, int length) {
            audio.write(pcm, offset, length);
            chunks.add(length);
        }
    }

    @Test
    void theVoskProtocolServerHandsTheEngineTheSameAudioAndGetsTheSameWords(@TempDir Path dir) throws Exception {
        EngineInput embedded = new EngineInput();
        try (var engine = new TappedRecognizer(new Sphinx4Recognizer(), embedded::add);
             var sinks = new TranscriptFileSink(dir.resolve("embedded"))) {
            SingleLegCall.of("clip", RecordingTailer.open(CLIP, 0, 1, TailOptions.defaults()), engine,
                    SessionSettingsBuilder.defaults(), sinks).run();
        }

        EngineInput served = new EngineInput();
        try (var engine = new TappedRecognizer(new Sphinx4Recognizer(), served::add);
             VoskProtocolServer server = VoskProtocolServer.start(engine, VoskServerSettings.fromEnvironment(java.util.Map.of("VOSK_SERVER_PORT", "0")))) {
            assertThat(Main.commandLine().execute("transcribe", CLIP.toString(), "--call-id", "clip",
                    "--asr", server.uri().toString(), "--out-dir", dir.resolve("served").toString(), "--jsonl")).isZero();
        }

        assertThat(served.chunks).isEqualTo(embedded.chunks);
        assertThat(served.audio.toByteArray()).isEqualTo(embedded.audio.toByteArray());
        assertThat(served.audio.size()).isEqualTo((int) Files.size(CLIP) - 44);

        List<String> embeddedFinals = finals(dir.resolve("embedded/clip.json"));
        List<String> servedFinals = finals(dir.resolve("served/clip.json"));
        assertThat(servedFinals).hasSameSizeAs(embeddedFinals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(servedFinals).as("served vs embedded").isEqualTo(embeddedFinals);
    }

    private static List<String> finals(Path json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode f : EventJson.MAPPER.readTree(json.toFile()).get("finals")) {
            out.add(f.get("text").asText());
        }
        return out;
    }
}
