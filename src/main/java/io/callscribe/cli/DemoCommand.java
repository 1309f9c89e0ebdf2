package io.callscribe.cli;

import io.callscribe.asr.Recognizer;
import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.audio.WavHeader;
import io.callscribe.audio.WavHeaderParser;
import io.callscribe.engine.sphinx.Sphinx4Recognizer;
import io.callscribe.session.CallSession;
import io.callscribe.sink.SinkFanout;
import io.callscribe.sink.TranscriptSink;
import io.callscribe.source.RecordingTailer;
import io.callscribe.source.TailOptions;
import io.callscribe.web.CallControl;
import io.callscribe.web.CallRegistry;
import io.callscribe.web.WebServer;
import io.callscribe.web.WebSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code callscribe demo}: the whole job in one command. A bundled support call is played into a
 * recording exactly as Asterisk's MixMonitor writes one, and transcribed live while it grows.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Play a sample call into a growing MixMonitor-style recording and transcribe it live.",
                "Needs nothing installed: the default engine (sphinx4) runs inside callscribe."})
public final class DemoCommand implements Callable<Integer> {

    private static final String CALL_ID = "demo-call";
    private static final String SAMPLE = "/samples/support-call.wav";
    private static final String SAMPLE_IN = "/samples/support-call-in.wav";
    private static final String SAMPLE_OUT = "/samples/support-call-out.wav";

    @Option(names = "--audio", paramLabel = "WAV", description = "Play this WAV file instead of the bundled sample call.")
    Path audio;

    @Option(names = "--mixed", description = "Play the call as one mixed recording instead of its two sides "
            + "(MixMonitor r()/t()), so without speaker names.")
    boolean mixed;

    @Option(names = "--speed", defaultValue = "1.0", paramLabel = "X",
            description = "Play the call X times faster than real time (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--http", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Live page address, or 'off' (default ${DEFAULT-VALUE}; a free port is used when it is taken).")
    String http;

    @Option(names = "--stay", description = "Keep the live page up after the call, until Ctrl-C.")
    boolean stay;

    @Mixin CallOptions calls = new CallOptions();

    @Override
    public Integer call() throws Exception {
        Logging.warningsOnly();
        if (!(speed > 0 && speed <= 100)) {
            throw new IllegalArgumentException("--speed must be between 0 and 100, not " + speed);
        }
        PrintStream out = System.out;
        List<Track> tracks = tracks();
        Path spool = Files.createTempDirectory("callscribe-demo");
        double seconds = tracks.get(0).format().secondsOf(tracks.get(0).pcm().length);
        if (tracks.size() == 1) {
            out.printf(Locale.ROOT, "callscribe demo: a %.0f s support call is played into %s%n", seconds,
                    spool.resolve(tracks.get(0).file()));
            out.printf(Locale.ROOT, "  exactly as Asterisk MixMonitor writes it (zero-size header, 32 KiB flushes)%s,%n", pace());
        } else {
            out.printf(Locale.ROOT, "callscribe demo: a %.0f s support call is played into %s and %s in %s%n", seconds,
                    tracks.get(0).file(), tracks.get(1).file(), spool);
            out.printf(Locale.ROOT, "  exactly as Asterisk MixMonitor r()/t() writes a call's two sides (zero-size header, "
                    + "32 KiB flushes)%s,%n", pace());
        }
        out.printf("  and transcribed live while it grows by %s.%n", calls.engine.describe());
        out.println("  loading the speech engine ...");

        CallRegistry registry = new CallRegistry();
        List<Thread> players = new ArrayList<>();
        try (Recognizer recognizer = calls.engine.create();
             WebServer web = startWeb(registry)) {
            if (recognizer instanceof Sphinx4Recognizer sphinx) {
                sphinx.preload(tracks.size());
            }
            if (web != null) {
                out.println("  live page: " + web.url() + "  (open it now to watch the transcript grow)");
            }
            out.println();
            List<TranscriptSink> sinks = new ArrayList<>(calls.output.sinks(true, false));
            sinks.add(registry);
            List<CallSession.Leg> legs = new ArrayList<>();
            for (Track track : tracks) {
                Path recording = spool.resolve(track.file());
                players.add(Thread.ofPlatform().name("demo-mixmonitor-" + track.file()).start(() -> play(recording, track)));
                legs.add(new CallSession.Leg(track.speaker(), RecordingTailer.open(recording, 0, 1, TailOptions.defaults())));
            }
            try (SinkFanout fanout = new SinkFanout(sinks)) {
                CallSession session = new CallSession(CALL_ID, legs, recognizer, calls.session(false), fanout);
                registry.attach(CALL_ID, new CallControl(recognizer.name(), session::stop, session::lagSeconds,
                        session::audioSeconds));
                Signals.onTerminate(session::stop);
                var outcome = session.run();
                fanout.close();
                out.println();
                out.println("transcript: " + calls.output.files.textPath(CALL_ID).toAbsolutePath()
                        + " (also .json with word timings and .vtt subtitles)");
                if (web != null && stay) {
                    out.println("live page still up at " + web.url() + "; Ctrl-C to quit");
                    var quit = new java.util.concurrent.CountDownLatch(1);
                    Signals.onTerminate(quit::countDown);
                    quit.await();
                }
                return outcome.ok() ? 0 : 1;
            }
        } finally {
            for (Thread player : players) {
                player.interrupt();
                player.join();
            }
            for (Track track : tracks) {
                deleteQuietly(spool.resolve(track.file()));
            }
            deleteQuietly(spool);
        }
    }

    /** One recording to play: the whole call, or one side of it. */
    private record Track(String speaker, String file, PcmFormat format, byte[] pcm) {
    }

    private List<Track> tracks() throws IOException {
        if (audio != null) {
            return List.of(track(null, CALL_ID + ".wav", audio.toString(), Files.readAllBytes(audio)));
        }
        if (mixed) {
            return List.of(track(null, CALL_ID + ".wav", SAMPLE, bundled(SAMPLE)));
        }
        return List.of(track("caller", CALL_ID + "-in.wav", SAMPLE_IN, bundled(SAMPLE_IN)),
                track("agent", CALL_ID + "-out.wav", SAMPLE_OUT, bundled(SAMPLE_OUT)));
    }

    private static Track track(String speaker, String file, String name, byte[] wav) throws IOException {
        WavHeader header = WavHeaderParser.tryParse(name, wav, wav.length);
        if (header == null || header.format().channels() != 1) {
            throw new IllegalArgumentException(name + ": needs a complete mono WAV file");
        }
        long end = header.dataSize() == WavHeader.UNKNOWN ? wav.length
                : Math.min(wav.length, header.dataOffset() + header.dataSize());
        end -= (end - header.dataOffset()) % 2;
        return new Track(speaker, file, header.format(), Arrays.copyOfRange(wav, (int) header.dataOffset(), (int) end));
    }

    private String pace() {
        return speed == 1.0 ? ", in real time" : String.format(Locale.ROOT, ", %.1fx real time", speed);
    }

    private WebServer startWeb(CallRegistry registry) {
        HostPort address = HostPort.parse(http, "--http");
        if (address == null) {
            return null;
        }
        try {
            return WebServer.start(new WebSettings(address.host(), address.port(), null), registry, null);
        } catch (RuntimeException e) {
            if (address.port() == 0) {
                throw e;
            }
            System.err.println("callscribe demo: " + address + " is not available (" + e.getMessage() + "); using a free port");
            return WebServer.start(new WebSettings(address.host(), 0, null), registry, null);
        }
    }

    /** Plays a track like Asterisk would record it; closing the writer finalises the header (end of call). */
    private void play(Path recording, Track track) {
        try (MixMonitorWriter writer = MixMonitorWriter.wav(recording, track.format(), null)) {
            writer.writeRealTime(track.pcm(), speed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.err.println("callscribe demo: cannot write " + recording + ": " + e.getMessage());
        }
    }

    private static byte[] bundled(String resource) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the sample call is missing from this build (" + resource + ")");
            }
            return in.readAllBytes();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it up eventually
        }
    }
}
