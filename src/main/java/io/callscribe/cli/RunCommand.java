package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.service.CallManager;
import io.callscribe.service.SpoolWatcher;
import io.callscribe.service.TailingRecordingOpener;
import io.callscribe.session.CallSession;
import io.callscribe.sink.MetricsSink;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.sink.WebhookSettings;
import io.callscribe.sink.WebhookSink;
import io.callscribe.source.TailOptions;
import io.callscribe.source.ari.AriCallFilter;
import io.callscribe.source.ari.AriSettings;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.ari.MediaTransport;
import io.callscribe.source.audiosocket.AudioSocketServer;
import io.callscribe.web.CallControl;
import io.callscribe.web.CallRegistry;
import io.callscribe.web.Readiness;
import io.callscribe.web.WebServer;
import io.callscribe.web.WebSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code callscribe run}: the long-running service. Picks up every call from the MixMonitor spool and
 * from AudioSocket, transcribes them concurrently, serves the call API and live page, posts webhooks.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the transcription service for a whole PBX.",
                "Every option can also come from the config file (--config, YAML) or from an environment "
                        + "variable CALLSCRIBE_<OPTION> (e.g. CALLSCRIBE_AUDIOSOCKET); flags win, then the environment, then the file."})
public final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file (see deploy/callscribe.yaml).")
    Path config;

    @Option(names = "--spool", defaultValue = "/var/spool/asterisk/monitor", paramLabel = "DIR",
            description = "MixMonitor directory to watch for recordings, or 'off' (default ${DEFAULT-VALUE}).")
    String spool;

    Map<String, String> spoolLegs = legs("-in=caller,-out=agent");

    @Option(names = "--spool-legs", defaultValue = "-in=caller,-out=agent", paramLabel = "SUFFIX=SPEAKER,...",
            description = "File-name suffixes of r()/t() recordings and their speakers, or 'off' (default ${DEFAULT-VALUE}).")
    void spoolLegs(String text) {
        try {
            spoolLegs = legs(text);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static Map<String, String> legs(String text) {
        Map<String, String> legs = new LinkedHashMap<>();
        if (text == null || text.isBlank() || text.equalsIgnoreCase("off")) {
            return legs;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("--spool-legs: '" + pair.strip()
                        + "' is not SUFFIX=SPEAKER (for example -in=caller); use 'off' for no pairing");
            }
            legs.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return legs;
    }

    @Option(names = "--spool-include-existing",
            description = "Also transcribe finished recordings that are in the spool at start-up.")
    boolean includeExisting;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "Where handled recordings are listed (default <out-dir>/.spool-state).")
    Path stateFile;

    @Option(names = "--raw-channels", defaultValue = "1", paramLabel = "N",
            description = "Channels of .raw recordings: 2 for MixMonitor's D option (default ${DEFAULT-VALUE}).")
    int rawChannels;

    @Option(names = "--stereo-speakers", split = ",", defaultValue = "caller,agent", paramLabel = "A,B",
            description = "Speakers of the two channels of a 2-channel recording (default ${DEFAULT-VALUE}).")
    List<String> stereoSpeakers;

    @Option(names = "--idle-timeout", defaultValue = "15", paramLabel = "SECONDS",
            description = "A recording that stops growing for this long has ended (default ${DEFAULT-VALUE} s).")
    int idleTimeoutSeconds;

    @Option(names = "--audiosocket", defaultValue = "127.0.0.1:9092", paramLabel = "HOST:PORT",
            description = "AudioSocket listener, or 'off' (default ${DEFAULT-VALUE}).")
    String audiosocket;

    @Option(names = "--ari", paramLabel = "URL",
            description = "Asterisk ARI (e.g. http://127.0.0.1:8088): transcribe every two-party bridge live, by snoop + externalMedia.")
    URI ari;

    @Option(names = "--ari-user", paramLabel = "USER", description = "ARI user (ari.conf).")
    String ariUser;

    @Option(names = "--ari-password", paramLabel = "PASSWORD",
            description = "ARI password (better from CALLSCRIBE_ARI_PASSWORD or the config file than on the command line).")
    String ariPassword;

    @Option(names = "--ari-app", defaultValue = "callscribe", paramLabel = "NAME",
            description = "Stasis application name; also the prefix of the channels and bridges callscribe creates (default ${DEFAULT-VALUE}).")
    String ariApp;

    @Option(names = "--ari-transport", defaultValue = "audiosocket", paramLabel = "audiosocket|rtp",
            description = "How externalMedia streams each party to callscribe: AudioSocket over TCP to --audiosocket, or RTP over UDP (default ${DEFAULT-VALUE}).")
    String ariTransport;

    @Option(names = "--ari-media-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address Asterisk reaches callscribe at for media (AudioSocket connects there; RTP receivers bind it) (default ${DEFAULT-VALUE}).")
    String ariMediaHost;

    @Option(names = "--ari-contexts", split = ",", paramLabel = "CONTEXT",
            description = "Only calls where a party is in one of these dialplan contexts (default: all). CALLSCRIBE=on/off on a channel overrides.")
    List<String> ariContexts;

    @Option(names = "--ari-callers", paramLabel = "REGEX",
            description = "Only calls whose caller number matches (default: all). CALLSCRIBE=on/off on a channel overrides.")
    String ariCallers;

    @Option(names = "--ari-roles", split = ",", defaultValue = "caller,callee", paramLabel = "CALLER,CALLEE",
            description = "Labels of the two parties' roles (default ${DEFAULT-VALUE}).")
    List<String> ariRoles;

    @Option(names = "--ari-speakers", defaultValue = "callerid", paramLabel = "callerid|role",
            description = "Name each speaker by caller id (name, else number, else role) or by role (default ${DEFAULT-VALUE}).")
    String ariSpeakers;

    @Option(names = "--ari-variables", split = ",", paramLabel = "VAR",
            description = "Channel variables reported in each party's metadata (call_start, transcript JSON, webhooks).")
    List<String> ariVariables;

    @Option(names = "--http", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Call API, live page and /metrics, or 'off' (default ${DEFAULT-VALUE}).")
    String http;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Access token for the HTTP API and page; required when --http is not a loopback address.")
    String token;

    @Option(names = "--webhook", split = ",", paramLabel = "URL",
            description = "POST call_start, final and call_end events to these URLs.")
    List<URI> webhooks;

    @Option(names = "--webhook-partials", description = "Also POST partial results to webhooks.")
    boolean webhookPartials;

    @Option(names = "--webhook-secret", paramLabel = "SECRET",
            description = "Sign webhook bodies with HMAC-SHA256 in the X-Callscribe-Signature header.")
    String webhookSecret;

    @Option(names = "--console", description = "Also print transcripts on stdout (the console view).")
    boolean console;

    @Option(names = "--shutdown-grace", defaultValue = "20", paramLabel = "SECONDS",
            description = "On SIGTERM, how long live calls get to deliver their final results (default ${DEFAULT-VALUE} s).")
    int shutdownGraceSeconds;

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Mixin
    StreamingOptions streaming = new StreamingOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Spec
    CommandSpec spec;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Service service;

    @Override
    public Integer call() throws Exception {
        Signals.onTerminate(stopRequested::countDown);
        try (Service s = start()) {
            service = s;
            stopRequested.await();
            log.info("stopping: ending live calls");
        }
        log.info("stopped");
        return 0;
    }

    /** Stops a service started by {@link #call()} (for tests and embedding). */
    void stop() {
        stopRequested.countDown();
    }

    Service service() {
        return service;
    }

    Service start() throws Exception {
        checkConfigKeys();
        Service s = new Service();
        try {
            s.recognizer = engine.create();
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            s.registry = new CallRegistry();
            s.metrics = new MetricsSink(prometheus).lagFrom(s.registry::maxLagSeconds);
            List<TranscriptSink> sinks = new ArrayList<>(output.sinks(console, true));
            sinks.add(s.registry);
            sinks.add(s.metrics);
            for (URI url : webhooks == null ? List.<URI>of() : webhooks) {
                WebhookSettings ws = WebhookSettings.of(url).withPartials(webhookPartials);
                if (webhookSecret != null) {
                    ws = ws.withSecret(webhookSecret);
                }
                sinks.add(new WebhookSink(ws, s.metrics::webhookFailed, s.metrics::webhookDropped));
            }
            s.sinks = new SinkFanout(sinks);
            Recognizer recognizer = s.recognizer;
            s.calls = new CallManager(recognizer, streaming.settings(false), s.sinks)
                    .onStarted(session -> s.registry.attach(session.callId(), new CallControl(recognizer.name(),
                            session::stop, session::lagSeconds, session::audioSeconds)))
                    .onEnded(outcome -> s.registry.detach(outcome.callId()))
                    .onReconnect(s.metrics::reconnected);

            HostPort httpAddress = HostPort.parse(http, "--http");
            if (httpAddress != null) {
                WebSettings web = new WebSettings(httpAddress.host(), httpAddress.port(), token);
                s.web = WebServer.start(web, s.registry, prometheus).readiness(() -> recognizer.unavailableReason()
                        .map(Readiness::notReady).orElseGet(Readiness::ok));
            }
            HostPort audioSocketAddress = HostPort.parse(audiosocket, "--audiosocket");
            if (audioSocketAddress != null) {
                s.audioSocket = AudioSocketServer.start(
                        AudioSocketServer.Config.defaults(audioSocketAddress.port()).withHost(audioSocketAddress.host()),
                        call -> {
                            AriSource ariSource = s.ari;
                            if (ariSource != null && ariSource.claim(call)) {
                                return; // one party of an ARI call
                            }
                            s.calls.start(call.id().toString(), List.of(new CallSession.Leg(null, call)))
                                    .ifPresentOrElse(session -> { }, call::stop);
                        });
            }
            if (ari != null) {
                s.ari = AriSource.start(ariSettings(audioSocketAddress, s.audioSocketPort()), s.calls::start);
            }
            if (spool != null && !spool.isBlank() && !spool.equalsIgnoreCase("off")) {
                TailOptions tail = TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(idleTimeoutSeconds));
                Path dir = Path.of(spool);
                s.spool = new SpoolWatcher(new SpoolWatcher.Settings(dir, spoolLegs, Duration.ofSeconds(1), Duration.ofSeconds(2),
                        stateFile != null ? stateFile : output.outDir.resolve(".spool-state"), includeExisting),
                        new TailingRecordingOpener(tail, rawChannels, stereoSpeakers), s.calls);
                s.spool.start();
            }
            log.info("recogniser: {}; transcripts in {}", recognizer.name(), output.outDir.toAbsolutePath());
            s.shutdownGrace = Duration.ofSeconds(shutdownGraceSeconds);
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private AriSource.Settings ariSettings(HostPort audioSocketAddress, int audioSocketPort) {
        if (ariUser == null || ariPassword == null) {
            throw new IllegalArgumentException("--ari needs --ari-user and --ari-password (or CALLSCRIBE_ARI_USER / CALLSCRIBE_ARI_PASSWORD)");
        }
        MediaTransport transport = MediaTransport.parse(ariTransport);
        if (transport == MediaTransport.AUDIOSOCKET && audioSocketAddress == null) {
            throw new IllegalArgumentException("--ari-transport audiosocket needs the AudioSocket listener: --audiosocket is off");
        }
        boolean byCallerId = switch (ariSpeakers.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "callerid" -> true;
            case "role" -> false;
            default -> throw new IllegalArgumentException("--ari-speakers: '" + ariSpeakers + "' is not callerid or role");
        };
        java.util.regex.Pattern callers;
        try {
            callers = ariCallers == null || ariCallers.isBlank() ? null : java.util.regex.Pattern.compile(ariCallers);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("--ari-callers: not a regular expression: " + e.getDescription());
        }
        AriCallFilter filter = new AriCallFilter(ariContexts == null ? java.util.Set.of() : java.util.Set.copyOf(ariContexts), callers);
        return new AriSource.Settings(AriSettings.of(ari, ariUser, ariPassword, ariApp), transport,
                ariMediaHost + ":" + audioSocketPort, ariMediaHost, filter, ariRoles, byCallerId,
                ariVariables == null ? List.of() : ariVariables);
    }

    private void checkConfigKeys() throws java.io.IOException {
        if (config == null || spec == null) {
            return;
        }
        List<String> unknown = new ConfigDefaults(Map.of(), config).unknownKeys(spec);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("config file " + config + ": unknown setting" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown) + " (every key must be an option of 'callscribe run' without its dashes)");
        }
    }

    /** The running parts of the service, closed in reverse order of the audio flow. */
    static final class Service implements AutoCloseable {
        Recognizer recognizer;
        CallRegistry registry;
        MetricsSink metrics;
        SinkFanout sinks;
        CallManager calls;
        WebServer web;
        AudioSocketServer audioSocket;
        volatile AriSource ari;
        SpoolWatcher spool;
        Duration shutdownGrace = Duration.ofSeconds(20);

        /** The bound port of the call API (the real one when {@code --http} asked for port 0); -1 when off. */
        int httpPort() {
            return web == null ? -1 : web.port();
        }

        /** The bound AudioSocket port (the real one for port 0); -1 when off. */
        int audioSocketPort() {
            return audioSocket == null ? -1 : audioSocket.port();
        }

        CallManager calls() {
            return calls;
        }

        AriSource ari() {
            return ari;
        }

        @Override
        public void close() throws InterruptedException {
            if (spool != null) {
                spool.close();
            }
            if (ari != null) {
                ari.close(); // our snoops and externalMedia channels go; their audio so far is still transcribed
            }
            if (audioSocket != null) {
                audioSocket.stop(); // no new calls; live ones end with what Asterisk already sent
            }
            if (calls != null) {
                calls.shutdown(shutdownGrace);
            }
            if (sinks != null) {
                sinks.close();
            }
            if (web != null) {
                web.close();
            }
            if (recognizer != null) {
                recognizer.close();
            }
        }
    }
}
