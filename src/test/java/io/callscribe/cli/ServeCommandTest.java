package io.callscribe.cli;

import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.asr.vosk.VoskWebSocketStream;
import io.callscribe.audio.Resampler;
import io.callscribe.engine.Engines;
import io.callscribe.testing.RawWebSocketClient;
import io.callscribe.server.VoskServerSettings;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {

    @Test
    void isRegisteredInMain() {
        assertThat(Main.commandLine().getSubcommands()).containsKey("serve");
    }

    @Test
    void optionsOverrideVoskEnvironmentVariables() {
        ServeCommand serve = new ServeCommand(new Engines(), Map.of("VOSK_SERVER_PORT", "2800",
                "VOSK_SAMPLE_RATE", "16000", "VOSK_SHOW_WORDS", "False"));
        new CommandLine(serve).parseArgs("--port", "0", "--max-alternatives", "2");
        VoskServerSettings s = serve.settings();
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isZero();
        assertThat(s.sampleRate()).isEqualTo(16000);
        assertThat(s.maxAlternatives()).isEqualTo(2);
        assertThat(s.showWords()).isFalse();
        assertThat(serve.engine.engine).isEqualTo("sphinx4");
    }

    @Test
    void unknownEngineIsAClearUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(new Engines().register("test", choice -> new TestRecognizer(3200, 3)),
                Map.of()));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("--engine", "nope", "--port", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown engine 'nope'").contains("known: test");
    }

    @Test
    void servesARegisteredEngineUntilInterrupted() throws Exception {
        ServeCommand serve = new ServeCommand(new Engines().register("test", choice -> new TestRecognizer(3200, 2)), Map.of());
        AtomicInteger exit = new AtomicInteger(-1);
        Thread runner = Thread.ofPlatform().start(
                () -> exit.set(new CommandLine(serve).execute("--engine", "test", "--port", "0")));
        assertThat(serve.listening.await(10, TimeUnit.SECONDS)).isTrue();

        RecordingListener listener = new RecordingListener();
        try (VoskWebSocketRecognizer client = new VoskWebSocketRecognizer(serve.server.uri())) {
            VoskWebSocketStream stream = client.open(StreamOptions.of(8000, "cli"), listener);
            for (int i = 0; i < 3; i++) {
                stream.accept(new byte[3200], 0, 3200);
            }
            stream.finish(Duration.ofSeconds(10));
        }
        assertThat(listener.finalTexts()).containsExactly("w1 w2", "w3");

        runner.interrupt();
        runner.join(10_000);
        assertThat(exit.get()).isZero();
    }

    @Test
    void theDefaultEngineServesTheSimplestVoskClientAt8kAnd16k() throws Exception {
        byte[] wav = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        byte[] pcm16 = java.util.Arrays.copyOfRange(wav, 44, Math.min(wav.length, 44 + 4 * 32000)); // the first utterance
        Resampler down = new Resampler(16000, 8000);
        byte[] pcm8 = new byte[2 * down.maxOutputSamples(pcm16.length / 2)];
        pcm8 = java.util.Arrays.copyOf(pcm8, down.process(pcm16, 0, pcm16.length, pcm8, 0));

        ServeCommand serve = new ServeCommand(Engines.builtIn(), Map.of());
        Thread runner = Thread.ofPlatform().start(() -> new CommandLine(serve).execute("--port", "0"));
        try {
            assertThat(serve.listening.await(30, TimeUnit.SECONDS)).isTrue();
            // 8 kHz: what a client that sends no config sends (vosk-server's default rate); then 16 kHz with a config.
            assertTranscribes(serve.server.uri(), null, pcm8, 8000);
            assertTranscribes(serve.server.uri(), 16000, pcm16, 16000);
        } finally {
            runner.interrupt();
            runner.join(10_000);
        }
    }

    /** Sends 200 ms chunks like the simplest Vosk client, then eof: partials, a final with words, a 1000 close. */
    private static void assertTranscribes(java.net.URI uri, Integer configRate, byte[] pcm, int rate) throws Exception {
        RawWebSocketClient c = RawWebSocketClient.connect(uri);
        if (configRate != null) {
            c.text("{\"config\": {\"sample_rate\": " + configRate + "}}");
        }
        java.util.List<String> replies = new java.util.ArrayList<>();
        int chunk = rate / 5 * 2;
        for (int off = 0; off < pcm.length; off += chunk) {
            c.binary(pcm, off, Math.min(chunk, pcm.length - off));
            replies.add(c.nextReply(30, TimeUnit.SECONDS));
        }
        c.text("{\"eof\" : 1}");
        replies.add(c.nextReply(60, TimeUnit.SECONDS));
        assertThat(c.closeStatus()).isEqualTo("1000 ");
        String all = String.join("\n", replies);
        assertThat(all).as(rate + " Hz").contains("\"partial\" : \"").contains("\"result\"");
        assertThat(replies).as(rate + " Hz").anyMatch(r -> r.contains("\"text\" : \"") && !r.contains("\"text\" : \"\""));
    }

    @Test
    void libvoskIsServedWithTheSameModelOptionAsEveryOtherCommand() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(Engines.builtIn(), Map.of()));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("--engine", "vosk", "--model", "/nonexistent/vosk-model", "--port", "0")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("callscribe serve: ").contains("/nonexistent/vosk-model")
                .doesNotContain("\n");
    }

    @Test
    void aModelDirectoryForAnEngineThatIgnoresItIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("vosk-model"));
        for (String[] args : List.of(new String[]{"--model", model.toString(), "--port", "0"},
                new String[]{"--asr", "ws://127.0.0.1:1", "--model", model.toString(), "--port", "0"})) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new ServeCommand(Engines.builtIn(), Map.of()));
            cli.setErr(new PrintWriter(err, true));
            assertThat(cli.execute(args)).as("%s", List.of(args)).isEqualTo(2);
            assertThat(err.toString().strip()).as("%s", List.of(args)).startsWith("callscribe serve: --model " + model)
                    .contains("is for --engine vosk").doesNotContain("\n");
        }
    }
}
