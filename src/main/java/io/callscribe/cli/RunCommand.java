package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.service.CallIdAllocator;
import io.callscribe.service.CallManager;
import io.callscribe.service.SpoolWatcher;
import io.callscribe.session.CallSession;
import io.callscribe.session.FailedAudio;
import io.callscribe.session.KeptAudio;
import io.callscribe.sink.KafkaSink;
import io.callscribe.sink.MetricsSink;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.StoreSink;
import io.callscribe.sink.TranscriptFileSink;
import io.callscribe.store.Retention;
import io.callscribe.store.TranscriptStore;
import io.callscribe.event.TranscriptEvent;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.sink.WebhookSettings;
import io.callscribe.sink.WebhookSink;
import io.callscribe.source.ari.AriSource;
import io.callscribe.source.audiosocket.AudioSocketServer;
import io.callscribe.source.websocket.MediaWebSocketServer;
import io.callscribe.web.CallArchive;
import io.callscribe.web.CallControl;
import io.callscribe.web.CallRegistry;
import io.callscribe.web.Readiness;
import io.callscribe.web.WebServer;
import io.callscribe.web.WebSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

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

    @Mixin CallOptions calls = new CallOptions();
    @Mixin SpoolOptions spool = new SpoolOptions();
    @Mixin AudioSocketOptions audioSocket = new AudioSocketOptions();
    @Mixin AriOptions ari = new AriOptions();
    @Mixin WebSocketOptions websocket = new WebSocketOptions();
    @Mixin HttpOptions http = new HttpOptions();
    @Mixin StoreOptions store = new StoreOptions();
    @Mixin WebhookOptions webhooks = new WebhookOptions();
    @Mixin KafkaOptions kafka = new KafkaOptions();
    @Mixin KeepAudioOptions keepAudio = new KeepAudioOptions();

    @Option(names = "--console", description = "Also print transcripts on stdout (the console view).")
    boolean console;

    @Option(names = "--shutdown-grace", defaultValue = "20", paramLabel = "SECONDS",
            description = "On SIGTERM, how long live calls get to deliver their final results (default ${DEFAULT-VALUE} s).")
    int shutdownGraceSeconds;

    @Spec CommandSpec spec;

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
        OutputOptions output = calls.output;
        Service s = new Service();
        try {
            s.recognizer = calls.engine.create();
            Recognizer recognizer = s.recognizer;
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            s.registry = new CallRegistry();
            s.metrics = new MetricsSink(prometheus).lagFrom(s.registry::maxLagSeconds);
            List<TranscriptSink> sinks = new ArrayList<>(output.sinks(console, true));
            sinks.add(s.registry);
            sinks.add(s.metrics);
            for (WebhookSettings webhook : webhooks.settings()) {
                sinks.add(new WebhookSink(webhook, s.metrics::webhookFailed, s.metrics::webhookDropped));
            }
            Duration keep = store.retention();
            FailedAudio failedAudio = output.failedAudio();
            KeptAudio keptAudio = keepAudio.keptAudio();
            TranscriptFileSink files = output.files;
            Consumer<String> removeFiles = id -> {
                files.delete(id);
                failedAudio.delete(id);
                keptAudio.delete(id);
            };
            s.store = store.open(spool.stateFile(output.outDir).toAbsolutePath().getParent());
            if (s.store != null) {
                endCallsLeftOpen(s.store);
                s.storeSink = new StoreSink(s.store, id -> recognizer.name(), StoreSink.DEFAULT_QUEUE, prometheus);
                sinks.add(s.storeSink);
                log.info("transcript store: {}", s.store.describe());
                if (keep != null) {
                    s.retention = Retention.start(s.store, keep, removeFiles, Clock.systemUTC(), Duration.ofHours(1));
                }
            }
            KafkaSink.Settings toKafka = kafka.settings();
            if (toKafka != null) {
                sinks.add(new KafkaSink(toKafka, prometheus));
            }
            s.sinks = new SinkFanout(sinks);
            // An ended call whose transcript cannot be written: an error event to every other sink (event log, feed,
            // store, Kafka), before its call_end, since the files are the first sink.
            files.reportErrorsTo(new SinkFanout(sinks.stream().filter(x -> x != files).toList())::accept);
            Gauge.builder("callscribe.transcripts.unwritten", files, f -> f.pending().size())
                    .description("ended calls whose transcript files wait because the out-dir cannot be written")
                    .register(prometheus);
            CallIdAllocator callIds = new CallIdAllocator(id -> s.calls.isLive(id) || files.exists(id));
            s.calls = new CallManager(recognizer, calls.session(false, keptAudio), s.sinks)
                    .onStarted(session -> s.registry.attach(session.callId(), new CallControl(recognizer.name(),
                            session::stop, session::lagSeconds, session::audioSeconds)))
                    .onEnded(outcome -> s.registry.detach(outcome.callId()))
                    .onReconnect(s.metrics::reconnected)
                    .onGatedAudio(s.metrics::gatedAudio);

            WebSettings web = http.settings();
            if (web != null) {
                s.web = WebServer.start(web, s.registry, prometheus).readiness(() -> recognizer.unavailableReason()
                        .or(files::problem).map(Readiness::notReady).orElseGet(Readiness::ok)).removeFiles(removeFiles);
                if (s.store != null) {
                    s.web.archive(new CallArchive(s.store));
                }
            }
            AudioSocketServer.Config audioSocketConfig = audioSocket.config();
            if (audioSocketConfig != null) {
                s.audioSocket = AudioSocketServer.start(audioSocketConfig, call -> {
                    AriSource ariSource = s.ari;
                    if (ariSource != null && ariSource.claim(call)) {
                        return; // one party of an ARI call
                    }
                    s.calls.start(callIds.allocate(call.id().toString()), List.of(new CallSession.Leg(null, call)))
                            .ifPresentOrElse(session -> { }, call::stop);
                });
            }
            if (ari.on()) {
                s.ari = AriSource.start(ari.settings(audioSocket.listen(), s.audioSocketPort()), callIds, s.calls::start);
            }
            MediaWebSocketServer.Config websocketConfig = websocket.config(http.token);
            if (websocketConfig != null) {
                s.websocket = MediaWebSocketServer.start(websocketConfig,
                        // A second connection for a live id is refused (CallManager.start); an id whose call ended gets a fresh one.
                        call -> s.calls.start(s.calls.isLive(call.callId()) ? call.callId() : callIds.allocate(call.callId()),
                                        List.of(new CallSession.Leg(call.speaker(), call)))
                                .ifPresentOrElse(session -> { }, call::stop));
            }
            s.spool = spool.watcher(output.outDir, s.calls, files);
            if (s.spool != null) {
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
