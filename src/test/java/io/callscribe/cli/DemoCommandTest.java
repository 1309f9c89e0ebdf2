package io.callscribe.cli;

import io.callscribe.testing.CapturedStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo end to end with the real embedded engine, on the short test clip played 3x faster than real time. */
class DemoCommandTest {

    @RegisterExtension
    final CapturedStdout stdout = new CapturedStdout();

    @Test
    void playsAGrowingRecordingAndTranscribesItLiveWithTheEmbeddedEngine(@TempDir Path dir) throws Exception {
        int status = Main.commandLine().execute("demo", "--audio", "src/test/resources/speech/two-utterances-16k.wav",
                "--speed", "3", "--http", "127.0.0.1:0", "--out-dir", dir.toString());
        String out = stdout.text();
        assertThat(status).as(out).isZero();
        assertThat(out).contains("MixMonitor", "live page: http://127.0.0.1:", "call demo-call started",
                "call demo-call ended (recording closed)");
        assertThat(out).containsPattern("\\[00:0\\d\\.\\d - 00:0\\d\\.\\d\\] .*(order|refund|like|check)");
        String transcript = Files.readString(dir.resolve("demo-call.txt"));
        assertThat(transcript.lines().count()).isGreaterThanOrEqualTo(2);
        assertThat(dir.resolve("demo-call.json")).exists();
        assertThat(dir.resolve("demo-call.vtt")).exists();
    }

    @Test
    void theBundledCallIsPlayedAsItsTwoSidesAndTranscribedWithSpeakerNames(@TempDir Path dir) throws Exception {
        int status = Main.commandLine().execute("demo", "--speed", "10", "--http", "off", "--out-dir", dir.toString());
        String out = stdout.text();
        assertThat(status).as(out).isZero();
        assertThat(out).contains("demo-call-in.wav and demo-call-out.wav", "r()/t()");
        assertThat(out).containsPattern("\\] agent: .*(calling|order|help)");
        assertThat(out).containsPattern("\\] caller: .*(order|refund|arrived)");
        var finals = io.callscribe.event.EventJson.MAPPER.readTree(dir.resolve("demo-call.json").toFile()).get("finals");
        assertThat(finals.findValuesAsText("speaker")).contains("caller", "agent");
    }

    @Test
    void theBundledSampleCallAndItsTwoSidesShipInTheJar() throws Exception {
        for (String name : new String[]{"support-call.wav", "support-call-in.wav", "support-call-out.wav"}) {
            try (var in = DemoCommand.class.getResourceAsStream("/samples/" + name)) {
                assertThat(in).as(name).isNotNull();
                assertThat(in.readAllBytes()).as(name).hasSize((int) Files.size(Path.of("samples/support-call.wav")));
            }
        }
    }
}
