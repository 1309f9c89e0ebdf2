package io.callscribe.cli;

import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /ready} of the service tells whether its Vosk server(s) can be reached; {@code /health} does not care. */
class RunReadinessTest {

    @Test
    void readyOnlyWhileAVoskServerCanBeReached(@TempDir Path out) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String dead = "ws://127.0.0.1:" + closedPort;
        try (RunCommand.Service service = RunHarness.start("--asr", dead, "--spool", "off", "--audiosocket", "off",
                "--http", "127.0.0.1:0", "--out-dir", out.toString())) {
            var ready = RunHarness.get(service, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains(dead).contains("cannot be reached");
            assertThat(RunHarness.get(service, "/health").statusCode()).isEqualTo(200);
        }
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start();
             RunCommand.Service service = RunHarness.start("--asr", dead + "," + vosk.uri(), "--spool", "off",
                     "--audiosocket", "off", "--http", "127.0.0.1:0", "--out-dir", out.toString())) {
            assertThat(RunHarness.get(service, "/ready").statusCode()).as("one of two servers is up").isEqualTo(200);
        }
    }
}
