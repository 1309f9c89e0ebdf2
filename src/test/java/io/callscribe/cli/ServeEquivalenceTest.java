package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.event.EventJson;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callscribe transcribe --asr ws://...} against {@code callscribe serve} (the Vosk protocol in front
 * of Sphinx4) gives the same transcript as {@code --engine sphinx4} in-process on the same recording.
 */
class ServeEquivalenceTest {

    private static final String CLIP = "src/test/resources/speech/two-utterances-16k.wav";

    @Test
    void transcriptThroughTheVoskProtocolServerEqualsTheEmbeddedEngine(@TempDir Path dir) throws Exception {
        assertThat(Main.commandLine().execute("transcribe", CLIP, "--engine", "sphinx4",
                "--out-dir", dir.resolve("embedded").toString(), "--jsonl")).isZero();
        List<String> embedded = finals(dir.resolve("embedded/two-utterances-16k.json"));

        try (Sphinx4Recognizer engine = new Sphinx4Recognizer();
             VoskProtocolServer server = VoskProtocolServer.start(engine, VoskServerSettings.defaults().withPort(0))) {
            assertThat(Main.commandLine().execute("transcribe", CLIP, "--asr", server.uri().toString(),
                    "--out-dir", dir.resolve("served").toString(), "--jsonl")).isZero();
        }
        List<String> served = finals(dir.resolve("served/two-utterances-16k.json"));

        assertThat(embedded).hasSizeGreaterThanOrEqualTo(2);
        assertThat(served).isEqualTo(embedded);
    }

    /** Each final's text and word timings, as the transcript file has them. */
    private static List<String> finals(Path json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode f : EventJson.MAPPER.readTree(json.toFile()).get("finals")) {
            out.add(f.get("text").asText() + " " + f.get("words").toString());
        }
        return out;
    }
}
