package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.testing.ScriptedVoskServer;
import io.callscribe.testing.asterisk.PrivateAsterisk;
import io.callscribe.testing.asterisk.TestAudio;

import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * BENCHMARK: N concurrent two-party calls on a real private Asterisk, every one found by {@code callscribe run --ari}
 * and snooped (a snoop and an AudioSocket externalMedia channel per party), transcribed by the labelled Vosk
 * protocol double {@link ScriptedVoskServer} (recognises nothing; the figures are callscribe's and Asterisk's cost).
 * Calls are ARI-originated Local pairs at slin16, each side playing the speech clip padded to CALL_S seconds; call
 * starts are spread over RAMP_S seconds.
 *
 * <pre>
 * java -cp ... io.callscribe.cli.AriConcurrencyBench N CALL_S RAMP_S WORKDIR [audiosocket|rtp]
 * </pre>
 * prints one result line (key=value).
 */
public final class AriConcurrencyBench {

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int callSeconds = Integer.parseInt(args[1]);
        double rampSeconds = Double.parseDouble(args[2]);
        Path work = Path.of(args[3]);
        String transport = args.length > 4 ? args[4] : "audiosocket";
        Files.createDirectories(work);
        try (PrivateAsterisk asterisk = PrivateAsterisk.builder(work.resolve("asterisk")).extensions("""
                [bench]
                exten => _[0-9a-zA-Z].,1,Dial(Local/${EXTEN}@bench-callee/n)
                 same => n,Hangup()
                [bench-callee]
                exten => _[0-9a-zA-Z].,1,Answer()
                 same => n,Playback(SOUNDS/bench-callee)
                 same => n,Wait(600)
                [bench-play]
                exten => _[0-9a-zA-Z].,1,Playback(SOUNDS/bench-caller)
                 same => n,Hangup()
                """.replace("SOUNDS", work.resolve("asterisk").resolve("sounds").toString())).start();
             ScriptedVoskServer vosk = ScriptedVoskServer.start()) {
            TestAudio.Clip speech = TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
            TestAudio.place(asterisk, "bench-caller", speech.paddedTo(callSeconds));
            TestAudio.place(asterisk, "bench-callee", speech.paddedTo(callSeconds - 0.5));
            Path out = work.resolve("out");
            long asteriskPid = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains(work.resolve("asterisk").toString())
                            && p.info().command().orElse("").endsWith("asterisk"))
                    .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            try (RunCommand.Service service = RunHarness.start("--ari", asterisk.httpBaseUri().toString(),
                    "--ari-user", asterisk.ariUser(), "--ari-password", asterisk.ariPassword(), "--ari-transport", transport,
                    "--asr", vosk.uri().toString(), "--audiosocket", "127.0.0.1:0", "--http", "off", "--spool", "off",
                    "--out-dir", out.toString())) {
                while (!service.ari().connected()) {
                    Thread.sleep(50);
                }
                long t0 = System.nanoTime();
                long[] placed = new long[n];
                SetupWatch watch = new SetupWatch(asterisk, placed, n);
                Thread watcher = Thread.ofPlatform().daemon().name("bench-setup-watch").start(watch);
                for (int i = 0; i < n; i++) {
                    long due = t0 + (long) (rampSeconds * 1e9 * i / n);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String id = "b" + i;
                    placed[i] = System.nanoTime();
                    String q = "endpoint=" + URLEncoder.encode("Local/" + id + "@bench/n", StandardCharsets.UTF_8)
                            + "&extension=" + id + "&context=bench-play&priority=1&formats=slin16";
                    HttpResponse<String> r = asterisk.ari("POST", "/channels?" + q);
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("originate " + id + ": " + r.statusCode() + " " + r.body());
                    }
                }
                double placedAfter = (System.nanoTime() - t0) / 1e9;
                // All parties snooped: how long after the last call was placed.
                while (service.ari().activeParties() < 2 * n && System.nanoTime() - t0 < (rampSeconds + callSeconds) * 1e9) {
                    Thread.sleep(20);
                }
                double allSnoopedAfter = (System.nanoTime() - t0) / 1e9 - placedAfter;
                int peakParties = service.ari().activeParties();
                watcher.join((long) ((callSeconds + rampSeconds) * 1000));
                watch.stop = true;
                List<Double> setup = watch.setupSeconds();
                // Steady state: every call up. CPU of both processes over the window.
                long cpu0 = processCpuNanos();
                long ast0 = asteriskCpuTicks(asteriskPid);
                long w0 = System.nanoTime();
                List<String> chans = asterisk.channels();
                int peakChannels = chans.size();
                long ours = chans.stream().filter(c -> c.startsWith("Snoop/") || c.startsWith("AudioSocket/")
                        || c.startsWith("UnicastRTP/")).count();
                double windowSeconds = Math.max(1, callSeconds - rampSeconds - allSnoopedAfter - 3);
                Thread.sleep((long) (windowSeconds * 1000));
                double wall = (System.nanoTime() - w0) / 1e9;
                double serviceCores = (processCpuNanos() - cpu0) / 1e9 / wall;
                double asteriskCores = (asteriskCpuTicks(asteriskPid) - ast0) / 100.0 / wall;
                // The end: every call ended, nothing of ours left.
                long deadline = System.nanoTime() + (long) ((callSeconds + rampSeconds + 60) * 1e9);
                while ((service.calls().liveCalls().size() > 0 || service.calls().callsStarted() < n)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                Thread.sleep(500);
                List<String> left = asterisk.channels();
                List<Double> audio = new ArrayList<>();
                int withErrors = 0;
                try (Stream<Path> files = Files.list(out)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                        JsonNode t = RunHarness.readJson(f);
                        audio.add(t.get("audio_seconds").asDouble());
                        if (t.has("errors")) {
                            withErrors++;
                        }
                    }
                }
                Collections.sort(audio);
                long bytesToEngine = vosk.binarySizes().stream().mapToLong(Integer::longValue).sum();
                System.out.printf(java.util.Locale.ROOT, "n=%d transport=%s call_s=%d started=%d transcripts=%d with_errors=%d "
                                + "snooped_after_last_placed_s=%.2f parties_peak=%d asterisk_channels_peak=%d ours=%d "
                                + "service_cpu_cores=%.2f asterisk_cpu_cores=%.2f audio_s_min=%.2f audio_s_p50=%.2f "
                                + "engine_bytes=%d channels_left=%d parties_left=%d load=%.1f "
                                + "media_bridged=%d setup_p50_s=%.2f setup_p90_s=%.2f setup_max_s=%.2f%n",
                        n, transport, callSeconds, service.calls().callsStarted(), audio.size(), withErrors, allSnoopedAfter,
                        peakParties, peakChannels, ours, serviceCores, asteriskCores,
                        audio.isEmpty() ? 0 : audio.get(0), audio.isEmpty() ? 0 : audio.get(audio.size() / 2),
                        bytesToEngine, left.size(),
                        service.ari().activeParties(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        setup.size(), pct(setup, 0.5), pct(setup, 0.9), pct(setup, 1.0));
            }
        }
    }

    private static double pct(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /**
     * Measured from Asterisk's side, so that it needs nothing of callscribe's API: polls ARI every 200 ms and notes, per
     * party, when its snoop and externalMedia channel first share one of our bridges ({@code callscribe-br-*} with two
     * channels); the snoop's name ({@code Snoop/<uniqueid>-<n>}) names the party, whose channel name names the call.
     * Setup time = that moment minus when the call's originate was sent (a 200 ms resolution).
     */
    private static final class SetupWatch implements Runnable {
        private static final java.util.regex.Pattern CALL = java.util.regex.Pattern.compile("^Local/b(\\d+)@");
        private final PrivateAsterisk asterisk;
        private final long[] placed;
        private final int n;
        private final java.util.Map<String, Double> bridged = new java.util.concurrent.ConcurrentHashMap<>();
        volatile boolean stop;

        SetupWatch(PrivateAsterisk asterisk, long[] placed, int n) {
            this.asterisk = asterisk;
            this.placed = placed;
            this.n = n;
        }

        List<Double> setupSeconds() {
            List<Double> l = new ArrayList<>(bridged.values());
            Collections.sort(l);
            return l;
        }

        @Override
        public void run() {
            java.util.Map<String, String> names = new java.util.HashMap<>();
            while (!stop && bridged.size() < 2 * n) {
                try {
                    long now = System.nanoTime();
                    JsonNode chans = get("/channels");
                    for (JsonNode c : chans) {
                        names.put(c.path("id").asText(), c.path("name").asText());
                    }
                    for (JsonNode b : get("/bridges")) {
                        JsonNode members = b.path("channels");
                        if (!b.path("id").asText().startsWith("callscribe-br-") || members.size() < 2) {
                            continue;
                        }
                        for (JsonNode m : members) {
                            String name = names.getOrDefault(m.asText(), "");
                            if (!name.startsWith("Snoop/")) {
                                continue;
                            }
                            String party = name.substring(6, name.lastIndexOf('-'));
                            java.util.regex.Matcher call = CALL.matcher(names.getOrDefault(party, ""));
                            if (call.find() && !bridged.containsKey(party)) {
                                int i = Integer.parseInt(call.group(1));
                                bridged.put(party, (now - placed[i]) / 1e9);
                            }
                        }
                    }
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a poll failed under load: try again
                }
            }
        }

        private JsonNode get(String path) throws Exception {
            return io.callscribe.event.EventJson.MAPPER.readTree(asterisk.ariOk("GET", path));
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** utime + stime of a process in clock ticks (USER_HZ = 100 on Linux). */
    private static long asteriskCpuTicks(long pid) throws java.io.IOException {
        if (pid < 0) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
