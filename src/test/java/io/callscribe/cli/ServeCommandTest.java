package io.callscribe.cli;

import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.vosk.VoskWebSocketRecognizer;
import io.callscribe.asr.vosk.VoskWebSocketStream;
import io.callscribe.engine.Engines;
import io.callscribe.server.VoskServerSettings;
import io.callscribe.testing.RecordingListener;
import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
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
        assertThat(serve.engine).isEqualTo("sphinx4");
    }

    @Test
    void unknownEngineIsAClearUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServeCommand(new Engines().register("test", () -> new TestRecognizer(3200, 3)),
                Map.of()));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("--engine", "nope", "--port", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown engine 'nope'").contains("known: test");
    }

    @Test
    void servesARegisteredEngineUntilInterrupted() throws Exception {
        ServeCommand serve = new ServeCommand(new Engines().register("test", () -> new TestRecognizer(3200, 2)), Map.of());
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
}
