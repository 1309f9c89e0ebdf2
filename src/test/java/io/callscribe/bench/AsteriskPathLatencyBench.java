package io.callscribe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.cli.RunningService;
import io.callscribe.event.EventJson;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.TestAudio;
import io.callscribe.testing.asterisk.TestAudio.Clip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 9, item 6: time from the end of a spoken phrase to its final event, per way in, on the same real call
 * through a real (private) Asterisk. The caller's channel plays a recording (default samples/support-call.wav,
 * 15 phrases); its dialplan records it with MixMonitor and dials an AudioSocket channel, so both ways carry the
 * same audio at the same moment into one {@code callscribe run} (real engine, Sphinx4 unless other engine options
 * are given). Phrase ends come from the recording's energy (a phrase ends where 0.5 s of near-silence begins); the
 * moment the phrase ended in the call is Asterisk's "Playing" log line plus that offset. Each final event is matched
 * to the phrase whose end is nearest its own audio end time (within 0.8 s), taking a call's audio to begin at its
 * {@code call_start} event.
 *
 * <p>ARI live is the third way: the same service also runs {@code --ari} against the private Asterisk, so it snoops on
 * the caller's channel of that same call (the two parties of the bridge are the caller's Local channel and the
 * AudioSocket channel). Calls are told apart by the {@code source} of their {@code call_start} event.
 *
 * <p>Usage: {@code bench/asterisk/run.sh [calls=2] [recording.wav] [-- extra callscribe run options]}
 */
public final class AsteriskPathLatencyBench {

    /** The ways in that this bench times. */
    enum Way {
        MIXMONITOR, AUDIOSOCKET, ARI
    }

    private static final Pattern PLAYING = Pattern.compile(
            "^\\[(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3})].*<(Local/[^>]+)> Playing '([^']+)'");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path recording = Path.of(args.length > 1 ? args[1] : "samples/support-call.wav");
        List<String> extra = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if (!args[i].equals("--")) {
                extra.add(args[i]);
            }
        }
        if (extra.isEmpty()) {
            extra.addAll(List.of("--engine", "sphinx4"));
        }
        Clip clip = TestAudio.read(recording).at(8000);
        List<Double> phraseEnds = phraseEnds(clip);
        System.out.printf(Locale.ROOT, "recording %s: %.1f s, %d phrases; %d call(s) one after the other; engine %s%n",
                recording, clip.seconds(), phraseEnds.size(), calls, String.join(" ", extra));

        Path dir = Files.createTempDirectory("callscribe-bench-asterisk");
        Path spool = Files.createDirectories(dir.resolve("ast/spool/monitor"));
        Path events = dir.resolve("events.jsonl");
        List<String> runArgs = new ArrayList<>(List.of("--spool", spool.toString(), "--audiosocket", "127.0.0.1:0",
                "--http", "127.0.0.1:0", "--out-dir", dir.resolve("out").toString(), "--events", events.toString()));
        runArgs.addAll(extra);
        Map<Way, List<Double>> latencies = new LinkedHashMap<>();
        Map<Way, Integer> unmatched = new LinkedHashMap<>();
        int httpPort = PrivateAsterisk.freePort();
        String ariPassword = "bench" + System.nanoTime();
        runArgs.addAll(List.of("--ari", "http://127.0.0.1:" + httpPort, "--ari-user", "bench", "--ari-password", ariPassword));
        try (RunningService service = RunningService.start(runArgs.toArray(String[]::new))) {
            String dialplan = """
                    [bench]
                    exten => _X.,1,Set(CALLID=${UNIQUEID})
                     same => n,MixMonitor(${CALLID}.wav,,curl -s -X POST http://127.0.0.1:%d/calls/${CALLID}/hangup)
                     same => n,Dial(AudioSocket/127.0.0.1:%d/${UUID()})
                    """.formatted(service.httpPort(), service.audioSocketPort());
            try (PrivateAsterisk asterisk = PrivateAsterisk.builder(dir.resolve("ast")).extensions(dialplan)
                    .httpPort(httpPort).ariCredentials("bench", ariPassword).start()) {
                Path file = TestAudio.place(asterisk, "bench-caller", clip);
                for (int c = 0; c < calls; c++) {
                    int before = lines(events).size();
                    String exten = String.valueOf(5000 + c);
                    asterisk.originateApplication("Local/" + exten + "@bench/n", "Playback", file.toString());
                    awaitNoChannels(asterisk, Duration.ofSeconds((long) clip.seconds() + 30));
                    Thread.sleep(20_000); // the engine may lag behind the call; its last finals come after the hang-up
                    Instant played = playStart(asterisk.log(), "Local/" + exten + "@bench");
                    List<JsonNode> ev = lines(events).subList(before, lines(events).size());
                    match(ev, played, phraseEnds, latencies, unmatched);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-12s %8s %8s %8s %8s %10s%n", "way", "phrases", "p50 ms", "p90 ms", "max ms", "unmatched");
        for (Map.Entry<Way, List<Double>> e : latencies.entrySet()) {
            List<Double> l = new ArrayList<>(e.getValue());
            Collections.sort(l);
            System.out.printf(Locale.ROOT, "%-12s %8d %8.0f %8.0f %8.0f %10d%n", e.getKey(), l.size(), pct(l, 50), pct(l, 90),
                    l.isEmpty() ? Double.NaN : l.getLast(), unmatched.getOrDefault(e.getKey(), 0));
        }
    }

    /** Offsets (s) where a phrase ends: the start of 0.5 s below 2 % of full scale after at least 0.3 s of speech. */
    static List<Double> phraseEnds(Clip clip) {
        int rate = clip.rate();
        int window = rate / 100; // 10 ms
        byte[] pcm = clip.pcm();
        int frames = pcm.length / 2 / window;
        boolean[] loud = new boolean[frames];
        for (int f = 0; f < frames; f++) {
            int peak = 0;
            for (int i = 0; i < window; i++) {
                int at = 2 * (f * window + i);
                peak = Math.max(peak, Math.abs((short) ((pcm[at] & 0xFF) | pcm[at + 1] << 8)));
            }
            loud[f] = peak > 655;
        }
        List<Double> ends = new ArrayList<>();
        int speech = 0;
        int quiet = 0;
        for (int f = 0; f < frames; f++) {
            if (loud[f]) {
                speech += 1 + quiet;
                quiet = 0;
            } else if (speech > 0) {
                quiet++;
                if (quiet == 50) {
                    if (speech >= 30) {
                        ends.add((f - 49) / 100.0);
                    }
                    speech = 0;
                    quiet = 0;
                }
            }
        }
        if (speech >= 30) {
            ends.add((frames - quiet) / 100.0);
        }
        return ends;
    }

    private static void match(List<JsonNode> events, Instant played, List<Double> phraseEnds,
                              Map<Way, List<Double>> latencies, Map<Way, Integer> unmatched) {
        Map<String, Way> ways = new LinkedHashMap<>();
        Map<String, Double> startOffsets = new LinkedHashMap<>(); // call start - playback start, s
        for (JsonNode n : events) {
            if (n.get("event").asText().equals("call_start")) {
                startOffsets.put(n.get("call").asText(),
                        Duration.between(played, Instant.parse(n.get("at").asText())).toNanos() / 1e9);
                String source = n.path("source").asText("");
                ways.put(n.get("call").asText(), source.startsWith("ari ") || source.contains(" ari ") ? Way.ARI
                        : source.contains("audiosocket") ? Way.AUDIOSOCKET : Way.MIXMONITOR);
            }
        }
        for (JsonNode n : events) {
            if (!n.get("event").asText().equals("final")) {
                continue;
            }
            Way way = ways.get(n.get("call").asText());
            if (way == null) {
                continue;
            }
            // The final's end in the recording's time: its end in the call's audio, plus when the call's audio began.
            double end = n.get("end").asDouble() + startOffsets.get(n.get("call").asText());
            double best = Double.NaN;
            for (double e : phraseEnds) {
                if (Math.abs(e - end) <= 0.8 && (Double.isNaN(best) || Math.abs(e - end) < Math.abs(best - end))) {
                    best = e;
                }
            }
            if (Double.isNaN(best)) {
                unmatched.merge(way, 1, Integer::sum);
                continue;
            }
            Instant phraseEnd = played.plusNanos((long) (best * 1e9));
            Instant at = Instant.parse(n.get("at").asText());
            latencies.computeIfAbsent(way, w -> new ArrayList<>()).add(Duration.between(phraseEnd, at).toNanos() / 1e6);
        }
    }

    private static Instant playStart(String log, String channelPrefix) {
        for (String line : log.split("\n")) {
            Matcher m = PLAYING.matcher(line);
            if (m.find() && m.group(2).startsWith(channelPrefix)) {
                return LocalDateTime.parse(m.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant();
            }
        }
        throw new IllegalStateException("no 'Playing' line for " + channelPrefix + " in Asterisk's log");
    }

    private static void awaitNoChannels(PrivateAsterisk asterisk, Duration timeout) throws InterruptedException {
        Thread.sleep(1000);
        asterisk.awaitNoChannels(timeout);
    }

    private static List<JsonNode> lines(Path events) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (Files.exists(events)) {
            for (String line : Files.readAllLines(events)) {
                try {
                    nodes.add(EventJson.MAPPER.readTree(line));
                } catch (IOException partial) {
                    break;
                }
            }
        }
        return nodes;
    }

    private static double pct(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
