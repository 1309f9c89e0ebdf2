package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.service.CallIdAllocator;
import io.callscribe.service.CallManager;
import io.callscribe.service.SpoolWatcher;
import io.callscribe.service.TailingRecordingOpener;
import io.callscribe.session.CallSession;
import io.callscribe.session.FailedAudio;
import io.callscribe.sink.KafkaSink;
import io.callscribe.sink.MetricsSink;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.StoreSink;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.store.Retention;
import io.callscribe.store.Stores;
import io.callscribe.store.TranscriptStore;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.sink.WebhookSettings;
import io.callscribe.sink.WebhookSink;
import io.callscribe.source.TailOptions;
import io.callscribe.source.ari.AriCallFilter;
import io.callscribe.source.ari.AriSettings;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.ari.MediaTransport;
import io.callscribe.source.audiosocket.AudioSocketServer;
import io.callscribe.source.websocket.MediaWebSocketServer;
import io.callscribe.web.CallArchive;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code callscribe run}: the long-running service. Picks up every call from the MixMonitor spool and
 * from AudioSocket and chan_websocket, transcribes them concurrently, serves the call API and live page, posts webhooks.
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

    @Option(names = "--spool-max-calls", defaultValue = "200", paramLabel = "N",
            description = "Spool recordings transcribed at once; more wait in the spool (default ${DEFAULT-VALUE}).")
    int spoolMaxCalls;

    @Option(names = "--audiosocket-max-calls", defaultValue = "500", paramLabel = "N",
            description = "AudioSocket calls connected at once; more are refused (default ${DEFAULT-VALUE}).")
    int audioSocketMaxCalls;

    @Option(names = "--audiosocket-buffer-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "Audio per AudioSocket call kept in memory while the recogniser lags (default ${DEFAULT-VALUE}).")
    int audioSocketBufferSeconds;

    @Option(names = "--audiosocket-max-spill-seconds", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Audio per AudioSocket call kept in a temp file beyond that; beyond both, the call ends with an error "
                    + "and what arrived is transcribed (default ${DEFAULT-VALUE}).")
    int audioSocketMaxSpillSeconds;

    @Option(names = "--audiosocket-read-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "An AudioSocket call that sends nothing for this long has ended (default ${DEFAULT-VALUE}).")
    int audioSocketReadTimeoutSeconds;

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

    @Option(names = "--ari-transport", defaultValue = "audiosocket", paramLabel = "audiosocket|rtp|websocket",
            description = "How externalMedia streams each party to callscribe: AudioSocket over TCP to --audiosocket, RTP over UDP, "
                    + "or chan_websocket (callscribe connects to Asterisk's /media/ID; Asterisk 22.6+/23) (default ${DEFAULT-VALUE}).")
    String ariTransport;

    @Option(names = "--ari-media-host", defaultValue = "127.0.0.1", paramLabel = "HOST[:PORT]",
            description = "Address Asterisk reaches callscribe at for media: AudioSocket connects there (PORT: when Asterisk reaches "
                    + "the --audiosocket listener through another port, e.g. a port forward; default the listener's), RTP "
                    + "receivers bind HOST (default ${DEFAULT-VALUE}).")
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

    @Option(names = "--websocket", defaultValue = "off", paramLabel = "HOST:PORT",
            description = "chan_websocket listener that Asterisk connects to (websocket_client.conf uri = ws://HOST:PORT), "
                    + "or 'off' (default ${DEFAULT-VALUE}).")
    String websocket;

    @Option(names = "--websocket-token", paramLabel = "TOKEN",
            description = "Token Asterisk must send (websocket_client.conf password); default --token. "
                    + "Required when --websocket is not a loopback address.")
    String websocketToken;

    @Option(names = "--http", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Call API, live page and /metrics, or 'off' (default ${DEFAULT-VALUE}).")
    String http;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Access token for the HTTP API and page; required when --http is not a loopback address.")
    String token;

    @Option(names = "--http-allowed-hosts", split = ",", paramLabel = "NAME",
            description = "Extra names the HTTP Host header may carry (e.g. a reverse proxy's name; '*' for any). "
                    + "The bound address, and localhost on loopback, are always allowed; others are refused (DNS rebinding).")
    List<String> httpAllowedHosts;

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

    @Option(names = "--store", defaultValue = "sqlite", paramLabel = "STORE",
            description = {"Where calls are kept and searched: sqlite (the file calls.db next to the spool state file), "
                    + "sqlite:FILE, postgresql://[user[:password]@]host[:port]/database (shared by several instances), "
                    + "or off (default ${DEFAULT-VALUE})."})
    String store;

    @Option(names = "--retain", paramLabel = "DURATION",
            description = "Delete calls (store and files) that ended longer ago than this: 90d, 12h, P90D (default: keep all).")
    String retain;

    @Option(names = "--kafka", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Publish every event (JSON lines, keyed by call id) to Kafka at these bootstrap servers.")
    String kafka;

    @Option(names = "--kafka-topic", defaultValue = "callscribe.events", paramLabel = "TOPIC",
            description = "Kafka topic for --kafka (default ${DEFAULT-VALUE}).")
    String kafkaTopic;

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

    /**
     * Calls this instance left live in the store when it stopped without ending them (killed, crashed) would look
     * live forever: they end now as incomplete, before this instance takes its first call. Calls of other instances
     * sharing the store are theirs. A store that fails here is logged; calls go on.
     */
    private static void endCallsLeftOpen(TranscriptStore store) {
        try {
            List<String> ended = store.endLeftOpen(java.time.Instant.now(), TranscriptEvent.CallEnded.INCOMPLETE
                    + ": callscribe stopped before the call ended; finals up to then");
            for (String id : ended) {
                log.warn("call {}: callscribe stopped before the call ended; the store has it as incomplete", id);
            }
        } catch (RuntimeException e) {
            log.error("transcript store {}: cannot end the calls this instance left open: {}", store.describe(), e.getMessage());
        }
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
            Duration keep = retain == null || retain.isBlank() ? null : Retention.parse(retain);
            FailedAudio failedAudio = output.failedAudio();
            TranscriptFileSink transcriptFiles = output.files;
            java.util.function.Consumer<String> removeFiles = id -> {
                transcriptFiles.delete(id);
                failedAudio.delete(id);
            };
            Path stateDir = (stateFile != null ? stateFile : output.outDir.resolve(".spool-state")).toAbsolutePath().getParent();
            // this instance's name in a shared store: host and state directory (stable across restarts)
            s.store = Stores.open(store, stateDir.resolve("calls.db"), Stores.defaultInstance() + ":" + stateDir);
            if (s.store != null) {
                endCallsLeftOpen(s.store);
                String recognizerName = s.recognizer.name();
                s.storeSink = new StoreSink(s.store, id -> recognizerName, StoreSink.DEFAULT_QUEUE, prometheus);
                sinks.add(s.storeSink);
                log.info("transcript store: {}", s.store.describe());
                if (keep != null) {
                    s.retention = Retention.start(s.store, keep, removeFiles, Clock.systemUTC(), Duration.ofHours(1));
                }
            } else if (keep != null) {
                throw new IllegalArgumentException("--retain needs a store (--store is off)");
            }
            if (kafka != null && !kafka.isBlank() && !kafka.equalsIgnoreCase("off")) {
                sinks.add(new KafkaSink(KafkaSink.Settings.of(kafka.strip(), kafkaTopic), prometheus));
            }
            s.sinks = new SinkFanout(sinks);
            TranscriptFileSink outputFiles = output.files;
            // An ended call whose transcript cannot be written: an error event to every other sink (event log, feed,
            // store, Kafka), before its call_end, since the files are the first sink.
            outputFiles.reportErrorsTo(new SinkFanout(sinks.stream().filter(x -> x != outputFiles).toList())::accept);
            io.micrometer.core.instrument.Gauge.builder("callscribe.transcripts.unwritten", outputFiles, f -> f.pending().size())
                    .description("ended calls whose transcript files wait because the out-dir cannot be written")
                    .register(prometheus);
            CallIdAllocator callIds = new CallIdAllocator(id -> s.calls.isLive(id) || outputFiles.exists(id));
            Recognizer recognizer = s.recognizer;
            s.calls = new CallManager(recognizer, streaming.settings(false).withFailedAudio(failedAudio), s.sinks)
                    .onStarted(session -> s.registry.attach(session.callId(), new CallControl(recognizer.name(),
                            session::stop, session::lagSeconds, session::audioSeconds)))
                    .onEnded(outcome -> s.registry.detach(outcome.callId()))
                    .onReconnect(s.metrics::reconnected)
                    .onGatedAudio(s.metrics::gatedAudio);

            HostPort httpAddress = HostPort.parse(http, "--http");
            if (httpAddress != null) {
                WebSettings web = new WebSettings(httpAddress.host(), httpAddress.port(), token, httpAllowedHosts);
                TranscriptFileSink files = output.files;
                s.web = WebServer.start(web, s.registry, prometheus).readiness(() -> recognizer.unavailableReason()
                        .or(files::problem).map(Readiness::notReady).orElseGet(Readiness::ok)).removeFiles(removeFiles);
                if (s.store != null) {
                    s.web.archive(new CallArchive(s.store));
                }
            }
            HostPort audioSocketAddress = HostPort.parse(audiosocket, "--audiosocket");
            if (audioSocketAddress != null) {
                s.audioSocket = AudioSocketServer.start(
                        AudioSocketServer.Config.defaults(audioSocketAddress.port()).withHost(audioSocketAddress.host())
                                .withMaxCalls(audioSocketMaxCalls).withBufferSeconds(audioSocketBufferSeconds)
                                .withMaxSpillSeconds(audioSocketMaxSpillSeconds)
                                .withReadTimeout(Duration.ofSeconds(audioSocketReadTimeoutSeconds)),
                        call -> {
                            AriSource ariSource = s.ari;
                            if (ariSource != null && ariSource.claim(call)) {
                                return; // one party of an ARI call
                            }
                            s.calls.start(callIds.allocate(call.id().toString()), List.of(new CallSession.Leg(null, call)))
                                    .ifPresentOrElse(session -> { }, call::stop);
                        });
            }
            if (ari != null) {
                s.ari = AriSource.start(ariSettings(audioSocketAddress, s.audioSocketPort()), callIds, s.calls::start);
            }
            HostPort websocketAddress = HostPort.parse(websocket, "--websocket");
            if (websocketAddress != null) {
                s.websocket = MediaWebSocketServer.start(MediaWebSocketServer.Config.loopback(websocketAddress.port())
                                .withHost(websocketAddress.host()).withToken(websocketToken != null ? websocketToken : token),
                        // A second connection for a live id is refused (CallManager.start); an id whose call ended gets a fresh one.
                        call -> s.calls.start(s.calls.isLive(call.callId()) ? call.callId() : callIds.allocate(call.callId()),
                                        List.of(new CallSession.Leg(call.speaker(), call)))
                                .ifPresentOrElse(session -> { }, call::stop));
            }
            if (spool != null && !spool.isBlank() && !spool.equalsIgnoreCase("off")) {
                TailOptions tail = TailOptions.defaults().withIdleTimeout(Duration.ofSeconds(idleTimeoutSeconds));
                Path dir = Path.of(spool);
                s.spool = new SpoolWatcher(new SpoolWatcher.Settings(dir, spoolLegs, Duration.ofSeconds(1), Duration.ofSeconds(2),
                        stateFile != null ? stateFile : output.outDir.resolve(".spool-state"), includeExisting),
                        new TailingRecordingOpener(tail, rawChannels, stereoSpeakers), s.calls, outputFiles).maxCalls(spoolMaxCalls);
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
        HostPort media = mediaAddress(ariMediaHost.strip(), audioSocketPort);
        return new AriSource.Settings(AriSettings.of(ari, ariUser, ariPassword, ariApp), transport,
                media.toString(), media.host(), filter, ariRoles, byCallerId,
                ariVariables == null ? List.of() : ariVariables);
    }

    /** {@code --ari-media-host}: HOST, HOST:PORT, [IPV6] or [IPV6]:PORT (a bare IPv6 address is a host); no PORT: {@code port}. */
    static HostPort mediaAddress(String text, int port) {
        boolean bracketed = text.startsWith("[") && text.contains("]");
        boolean withPort = bracketed ? text.substring(text.indexOf(']') + 1).startsWith(":") : text.chars().filter(c -> c == ':').count() == 1;
        if (withPort) {
            return HostPort.parse(text, "--ari-media-host");
        }
        return new HostPort(bracketed ? text.substring(1, text.indexOf(']')) : text, port);
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
        TranscriptStore store;
        StoreSink storeSink;
        Retention retention;
        CallManager calls;
        WebServer web;
        AudioSocketServer audioSocket;
        volatile AriSource ari;
        MediaWebSocketServer websocket;
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

        /** The bound chan_websocket listener port (the real one for port 0); -1 when off. */
        int websocketPort() {
            return websocket == null ? -1 : websocket.port();
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
            if (websocket != null) {
                websocket.stop();
            }
            if (calls != null) {
                calls.shutdown(shutdownGrace);
            }
            if (retention != null) {
                retention.close();
            }
            if (sinks != null) {
                sinks.close(); // the store sink writes what is queued
            }
            if (web != null) {
                web.close();
            }
            if (store != null) {
                store.close();
            }
            if (recognizer != null) {
                recognizer.close();
            }
        }
    }
}
