package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.asr.RecognitionListener;
import io.callscribe.asr.Recognizer;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.RecognizerStream;
import io.callscribe.asr.StreamOptions;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.engine.sphinx.WordErrorRate;
import io.callscribe.event.EventJson;
import io.callscribe.server.VoskProtocolServer;
import io.callscribe.server.VoskServerSettings;
import io.callscribe.session.SessionSettings;
import io.callscribe.source.TailOptions;
import io.callscribe.source.RecordingTailer;
import io.callscribe.session.CallSession;
import io.callscribe.sink.TranscriptFileSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callscribe transcribe --asr ws://...} against {@code callscribe serve} (the Vosk protocol in front of
 * Sphinx4) and {@code --engine sphinx4} in-process: the engine gets the same audio in the same chunks and says the
 * same thing.
 *
 * <p>Why the transcripts are compared by word error rate and not for equality: each path repeats its own transcript
 * exactly in fresh JVMs, but the two paths can differ in a word where Sphinx4's search is close, although the engine
 * gets byte-identical audio in identical chunks (asserted below). The likely cause is Sphinx4's use of
 * {@code java.lang.Math.log/exp}, whose JIT intrinsics may differ from the interpreter by an ulp: when the JIT compiles
 * what depends on everything else the JVM runs (a WebSocket server, here).
 */
class ServeEquivalenceTest {

    private static final Path CLIP = Path.of("src/test/resources/speech/two-utterances-16k.wav");

    /** Test decorator: records what reaches the engine, then passes it on. */
    private static final class AudioRecordingEngine implements Recognizer {
        final Recognizer engine;
        final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        final List<Integer> chunks = new ArrayList<>();

        AudioRecordingEngine(Recognizer engine) {
            this.engine = engine;
        }

        @Override
        public String name() {
            return engine.name();
        }

        @Override
        public OptionalInt requiredSampleRate() {
            return engine.requiredSampleRate();
        }

        @Override
        public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
            RecognizerStream stream = engine.open(options, listener);
            return new RecognizerStream() {
                @Override
                public void accept(byte[] pcm, int offset, int length) throws RecognizerException, InterruptedException {
                    synchronized (audio) {
                        audio.write(pcm, offset, length);
                        chunks.add(length);
                    }
                    stream.accept(pcm, offset, length);
                }

                @Override
                public void reset() throws RecognizerException, InterruptedException {
                    stream.reset();
                }

                @Override
                public void finish(Duration timeout) throws RecognizerException, InterruptedException {
                    stream.finish(timeout);
                }

                @Override
                public void close() {
                    stream.close();
                }
            };
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    @Test
    void theVoskProtocolServerHandsTheEngineTheSameAudioAndGetsTheSameWords(@TempDir Path dir) throws Exception {
        AudioRecordingEngine embedded = new AudioRecordingEngine(new Sphinx4Recognizer());
        try (var sinks = new TranscriptFileSink(dir.resolve("embedded"))) {
            CallSession.single("clip", RecordingTailer.open(CLIP, 0, 1,
                            TailOptions.defaults()), embedded,
                    SessionSettings.defaults(), sinks).run();
        } finally {
            embedded.close();
        }

        AudioRecordingEngine served = new AudioRecordingEngine(new Sphinx4Recognizer());
        try (VoskProtocolServer server = VoskProtocolServer.start(served, VoskServerSettings.defaults().withPort(0))) {
            assertThat(Main.commandLine().execute("transcribe", CLIP.toString(), "--call-id", "clip",
                    "--asr", server.uri().toString(), "--out-dir", dir.resolve("served").toString(), "--jsonl")).isZero();
        } finally {
            served.close();
        }

        assertThat(served.chunks).isEqualTo(embedded.chunks);
        assertThat(served.audio.toByteArray()).isEqualTo(embedded.audio.toByteArray());
        assertThat(served.audio.size()).isEqualTo((int) Files.size(CLIP) - 44);

        List<String> embeddedFinals = finals(dir.resolve("embedded/clip.json"));
        List<String> servedFinals = finals(dir.resolve("served/clip.json"));
        assertThat(servedFinals).hasSameSizeAs(embeddedFinals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(WordErrorRate.of(String.join(" ", embeddedFinals), String.join(" ", servedFinals)))
                .as("served %s vs embedded %s", servedFinals, embeddedFinals).isLessThanOrEqualTo(0.25);
    }

    private static List<String> finals(Path json) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode f : EventJson.MAPPER.readTree(json.toFile()).get("finals")) {
            out.add(f.get("text").asText());
        }
        return out;
    }
}
