package io.callscribe.cli;

import io.callscribe.sink.WebhookSettings;
import io.callscribe.source.BufferLimits;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.websocket.MediaWebSocketServer;
import io.callscribe.testing.ScriptedVoskServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code callscribe run} settings from flags, CALLSCRIBE_* environment, the YAML config file and defaults. */
class RunConfigTest {

    @Test
    void ariMediaHostTakesAnOptionalPortForTheAudioSocketTarget() {
        assertThat(AriOptions.mediaAddress("10.0.0.5", 9092)).isEqualTo(new HostPort("10.0.0.5", 9092));
        assertThat(AriOptions.mediaAddress("pbx-gw:19092", 9092)).isEqualTo(new HostPort("pbx-gw", 19092));
        assertThat(AriOptions.mediaAddress("fd00::5", 9092)).isEqualTo(new HostPort("fd00::5", 9092));
        assertThat(AriOptions.mediaAddress("[fd00::5]", 9092)).isEqualTo(new HostPort("fd00::5", 9092));
        assertThat(AriOptions.mediaAddress("[fd00::5]:19092", 9092)).isEqualTo(new HostPort("fd00::5", 19092));
        assertThatThrownBy(() -> AriOptions.mediaAddress("pbx-gw:port", 9092)).hasMessageContaining("--ari-media-host")
                .hasMessageContaining("pbx-gw:port");
    }

    @Test
    void flagsBeatEnvironmentBeatConfigFileBeatDefaults(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("callscribe.yaml");
        Files.writeString(yaml, """
                asr: ws://127.0.0.1:1
                spool: off
                audiosocket: 127.0.0.1:0
                http: "off"
                idle-timeout: 7
                shutdown-grace: 11
                spool-legs: ["-rx=customer", "-tx=agent"]
                webhook:
                  partials: true
                out-dir: %s
                """.formatted(dir.resolve("out")));
        RunCommand run = RunHarness.command(Map.of("CALLSCRIBE_SHUTDOWN_GRACE", "12", "CALLSCRIBE_CHUNK_MS", "100"),
                "--config", yaml.toString(), "--idle-timeout", "9");
        assertThat(run.spool.recording.idleTimeoutSeconds).as("flag over file").isEqualTo(9);
        assertThat(run.shutdownGraceSeconds).as("environment over file").isEqualTo(12);
        assertThat(run.calls.streaming.chunkMs).as("environment over default").isEqualTo(100);
        assertThat(run.calls.engine.asr).as("file over default").isEqualTo("ws://127.0.0.1:1");
        assertThat(run.spool.legs).containsExactly(Map.entry("-rx", "customer"), Map.entry("-tx", "agent"));
        assertThat(run.webhooks.partials).as("nested key webhook: {partials}").isTrue();
        assertThat(run.calls.output.outDir).isEqualTo(dir.resolve("out"));
        assertThat(run.spool.recording.channels).as("default").isEqualTo(1);
    }

    @Test
    void recordingOptionsAnswerToBothNamesAndKeepRunsConfigKeysAndVariables(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("callscribe.yaml");
        Files.writeString(yaml, "asr: ws://127.0.0.1:1\nraw-channels: 2\n");
        RunCommand run = RunHarness.command(Map.of("CALLSCRIBE_STEREO_SPEAKERS", "left,right"), "--config", yaml.toString());
        assertThat(run.spool.recording.channels).as("config key raw-channels").isEqualTo(2);
        assertThat(run.spool.recording.speakers).as("CALLSCRIBE_STEREO_SPEAKERS").containsExactly("left", "right");

        RunCommand shortNames = RunHarness.command(Map.of(), "--channels", "2", "--speakers", "a,b", "--idle-timeout", "3");
        assertThat(shortNames.spool.recording.opener())
                .isEqualTo(new io.callscribe.service.TailingRecordingOpener(io.callscribe.source.TailOptions.defaults()
                        .withIdleTimeout(java.time.Duration.ofSeconds(3)), 2, List.of("a", "b")));

        CommandLine cl = Main.commandLine();
        cl.parseArgs("transcribe", "call.raw", "--raw-channels", "2", "--stereo-speakers", "in,out");
        TranscribeCommand transcribe = cl.getSubcommands().get("transcribe").getCommand();
        assertThat(transcribe.recording.channels).isEqualTo(2);
        assertThat(transcribe.recording.speakers).containsExactly("in", "out");
    }

    @Test
    void everyWebhookUrlGetsThePartialsSecretAndAuthorizationGiven() throws Exception {
        RunCommand run = RunHarness.command(Map.of("CALLSCRIBE_WEBHOOK_AUTHORIZATION", "Bearer abc"),
                "--webhook", "http://crm.example/a,https://crm.example/b", "--webhook-partials", "--webhook-secret", "k3y");
        assertThat(run.webhooks.settings()).containsExactly(
                WebhookSettings.of(URI.create("http://crm.example/a"), true, "Bearer abc", "k3y"),
                WebhookSettings.of(URI.create("https://crm.example/b"), true, "Bearer abc", "k3y"));
        assertThat(RunHarness.command(Map.of()).webhooks.settings()).isEmpty();
    }

    @Test
    void serviceRunsFromAConfigFile(@TempDir Path dir) throws Exception {
        try (ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            Path yaml = dir.resolve("callscribe.yaml");
            Files.writeString(yaml, """
                    asr: %s
                    spool: %s
                    audiosocket: 127.0.0.1:0
                    http: 127.0.0.1:0
                    out-dir: %s
                    """.formatted(vosk.uri(), dir.resolve("spool"), dir.resolve("out")));
            try (RunCommand.Service s = RunHarness.start("--config", yaml.toString())) {
                assertThat(s.audioSocketPort()).isPositive();
                assertThat(s.httpPort()).isPositive();
                assertThat(RunHarness.get(s, "/health").statusCode()).isEqualTo(200);
                assertThat(s.spool).isNotNull();
            }
        }
    }

    @Test
    void theExampleDeployConfigParsesAndEveryKeyIsAnOptionOfRun() throws Exception {
        Path example = Path.of("deploy/callscribe.yaml");
        RunCommand run = RunHarness.command(Map.of(), "--config", example.toString());
        CommandLine.Model.CommandSpec spec = run.spec;
        assertThat(new ConfigDefaults(Map.of(), example).unknownKeys(spec)).isEmpty();
        assertThat(run.calls.engine.asr).isEqualTo("ws://127.0.0.1:2700");
        assertThat(run.spool.dir).isEqualTo("/var/spool/asterisk/monitor");
        assertThat(run.spool.legs).containsExactly(Map.entry("-in", "caller"), Map.entry("-out", "agent"));
        assertThat(run.spool.recording.idleTimeoutSeconds).isEqualTo(15);
        assertThat(run.spool.recording.channels).isEqualTo(1);
        assertThat(run.audioSocket.address).isEqualTo("127.0.0.1:9092");
        assertThat(run.calls.output.outDir).isEqualTo(Path.of("/var/lib/callscribe/transcripts"));
        assertThat(run.calls.output.events).isEqualTo(Path.of("/var/lib/callscribe/events.jsonl"));
        assertThat(run.http.address).isEqualTo("127.0.0.1:8080");
        assertThat(run.shutdownGraceSeconds).isEqualTo(20);
    }

    @Test
    void keepAudioIsOffByDefaultAndComesFromTheFileOrTheEnvironmentLikeTheOtherOptions(@TempDir Path dir) throws Exception {
        assertThat(RunHarness.command(Map.of()).keepAudio.keptAudio()).isEqualTo(io.callscribe.session.KeptAudio.OFF);
        Path yaml = dir.resolve("keep.yaml");
        Files.writeString(yaml, "keep-audio: " + dir.resolve("kept") + "\nkeep-audio-max-seconds: 600\n");
        assertThat(RunHarness.command(Map.of(), "--config", yaml.toString()).keepAudio.keptAudio())
                .isEqualTo(io.callscribe.session.KeptAudio.keepIn(dir.resolve("kept"), 600));
        assertThat(RunHarness.command(Map.of("CALLSCRIBE_KEEP_AUDIO", "off"), "--config", yaml.toString())
                .keepAudio.keptAudio().off()).as("environment over file").isTrue();
        RunCommand bad = RunHarness.command(Map.of(), "--keep-audio", yaml.toString());
        assertThatThrownBy(bad.keepAudio::keptAudio).hasMessage("--keep-audio: " + yaml + " exists and is not a directory");
    }

    @Test
    void misspeltKeyIsRefusedNamingTheKeyAndFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "asr: ws://127.0.0.1:1\naudiosockte: off\nspool:\n  legz: x\n");
        RunCommand run = RunHarness.command(Map.of(), "--config", yaml.toString());
        assertThatThrownBy(run::start)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(yaml.toString())
                .hasMessageContaining("audiosockte")
                .hasMessageContaining("spool-legz");

        // Through the command line as an operator sees it: one line, exit code 2.
        CommandLine cl = Main.commandLine();
        cl.setDefaultValueProvider(new ConfigDefaults(Map.of(), yaml));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("run", "--config", yaml.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("callscribe: config file " + yaml).contains("audiosockte");
    }

    @Test
    void invalidYamlAndWrongShapeAndMissingFileGiveClearErrors(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "asr: [ws://x\nspool: off\n");
        assertThatThrownBy(() -> new ConfigDefaults(Map.of(), broken))
                .isInstanceOf(IOException.class).hasMessageContaining(broken + " is not valid YAML");

        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- asr\n- spool\n");
        assertThatThrownBy(() -> new ConfigDefaults(Map.of(), list))
                .isInstanceOf(IOException.class).hasMessageContaining("must be a YAML mapping");

        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> new ConfigDefaults(Map.of(), missing))
                .isInstanceOf(IOException.class).hasMessageContaining(missing + " does not exist");

        Path mapping = dir.resolve("mapping.yaml");
        Files.writeString(mapping, "asr: ws://127.0.0.1:1\nhttp: {host: 127.0.0.1, port: 80}\n");
        RunCommand run = RunHarness.command(Map.of(), "--config", mapping.toString());
        assertThatThrownBy(run::start).hasMessageContaining("unknown settings http-host, http-port");
    }

    @Test
    void chanWebSocketAndAriLimitsComeFromFlagsEnvironmentAndFileAndBadValuesAreNamed(@TempDir Path dir) throws Exception {
        RunCommand defaults = RunHarness.command(Map.of(), "--websocket", "127.0.0.1:0", "--ari", "http://127.0.0.1:8088",
                "--ari-user", "u", "--ari-password", "p");
        MediaWebSocketServer.Config ws = defaults.websocket.config(null);
        assertThat(ws.maxCalls()).isEqualTo(500);
        assertThat(ws.call().buffer()).isEqualTo(new BufferLimits("--websocket", 60, 3600, Path.of(System.getProperty("java.io.tmpdir"))));
        AriSource.Settings ari = defaults.ari.settings(new HostPort("127.0.0.1", 9092), 9092);
        assertThat(ari.maxCalls()).isEqualTo(250);
        assertThat(ari.buffer()).isEqualTo(BufferLimits.of("--ari", 60, 3600));

        Path yaml = dir.resolve("limits.yaml");
        Files.writeString(yaml, """
                websocket: 127.0.0.1:0
                websocket-max-calls: 20
                websocket-buffer-seconds: 5
                ari: http://127.0.0.1:8088
                ari-user: u
                ari-password: p
                ari-max-calls: 7
                ari-max-spill-seconds: 30
                """);
        RunCommand run = RunHarness.command(Map.of("CALLSCRIBE_WEBSOCKET_MAX_SPILL_SECONDS", "90", "CALLSCRIBE_ARI_BUFFER_SECONDS", "4"),
                "--config", yaml.toString(), "--ari-max-calls", "9");
        ws = run.websocket.config(null);
        assertThat(ws.maxCalls()).as("file").isEqualTo(20);
        assertThat(ws.call().buffer()).as("file and environment").isEqualTo(BufferLimits.of("--websocket", 5, 90));
        ari = run.ari.settings(new HostPort("127.0.0.1", 9092), 9092);
        assertThat(ari.maxCalls()).as("flag over file").isEqualTo(9);
        assertThat(ari.buffer()).as("environment and file").isEqualTo(BufferLimits.of("--ari", 4, 30));

        assertThatThrownBy(() -> RunHarness.command(Map.of(), "--websocket", "127.0.0.1:0", "--websocket-max-calls", "0")
                .websocket.config(null)).hasMessage("--websocket-max-calls must be at least 1, got 0");
        assertThatThrownBy(() -> RunHarness.command(Map.of(), "--websocket", "127.0.0.1:0", "--websocket-buffer-seconds", "0")
                .websocket.config(null)).hasMessage("--websocket-buffer-seconds must be at least 1, got 0");
        assertThatThrownBy(() -> RunHarness.command(Map.of("CALLSCRIBE_ARI_MAX_CALLS", "0"), "--config", yaml.toString())
                .ari.settings(new HostPort("127.0.0.1", 9092), 9092)).hasMessage("--ari-max-calls must be at least 1, got 0");
        assertThatThrownBy(() -> RunHarness.command(Map.of(), "--config", yaml.toString(), "--ari-max-spill-seconds", "-1")
                .ari.settings(new HostPort("127.0.0.1", 9092), 9092)).hasMessage("--ari-max-spill-seconds must be 0 or more, got -1");
    }

    @Test
    void theVoskReplyLimitAndTheFallbackDirectoryComeFromFlagsFileAndEnvironment(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("callscribe.yaml"), """
                asr-max-reply-kib: 64
                fallback-dir: /var/lib/callscribe/waiting
                """);
        RunCommand run = RunHarness.command(Map.of(), "--config", yaml.toString());
        assertThat(run.calls.engine.choice().asrMaxReplyChars()).as("file").isEqualTo(64 * 1024);
        assertThat(run.calls.output.fallbackDir()).as("file").isEqualTo(Path.of("/var/lib/callscribe/waiting"));
        run = RunHarness.command(Map.of("CALLSCRIBE_ASR_MAX_REPLY_KIB", "2", "CALLSCRIBE_FALLBACK_DIR", "off"));
        assertThat(run.calls.engine.choice().asrMaxReplyChars()).as("environment").isEqualTo(2048);
        assertThat(run.calls.output.fallbackDir()).as("off: in memory only").isNull();
        run = RunHarness.command(Map.of(), "--out-dir", "/srv/calls/transcripts");
        assertThat(run.calls.engine.choice().asrMaxReplyChars()).as("default").isEqualTo(1 << 20);
        assertThat(run.calls.output.fallbackDir().toString()).as("default: one per out-dir in the user's state directory")
                .endsWith("/callscribe/waiting/srv_calls_transcripts-" + String.format("%08x", "/srv/calls/transcripts".hashCode()));
        assertThatThrownBy(() -> RunHarness.command(Map.of(), "--asr-max-reply-kib", "0").calls.engine.choice())
                .hasMessage("--asr-max-reply-kib must be 1 to 1048576 (KiB), got 0");
    }

    @Test
    void badListenAddressIsNamed() throws Exception {
        RunCommand run = RunHarness.command(Map.of(), "--asr", "ws://127.0.0.1:1", "--spool", "off",
                "--audiosocket", "nine", "--http", "off");
        assertThatThrownBy(run::start).hasMessageContaining("--audiosocket: 'nine' is not HOST:PORT");
    }
}
