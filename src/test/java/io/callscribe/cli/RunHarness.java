package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.callscribe.event.EventJson;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test support for {@code callscribe run}: builds the real {@link RunCommand} through picocli (with the config
 * file and environment defaults, as {@link Main#main} does), talks to its HTTP API, reads its transcript files,
 * and knows what {@code ScriptedVoskServer} with its defaults (one word per 3200 bytes, a final every 3 words)
 * must answer for a given amount of 8 kHz audio.
 */
final class RunHarness {

    /** ScriptedVoskServer's default: one word per 3200 bytes = 0.2 s of 8 kHz audio. */
    static final int BYTES_PER_WORD = 3200;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RunHarness() {
    }

    static RunCommand command(Map<String, String> env, String... args) throws IOException {
        String[] full = new String[args.length + 1];
        full[0] = "run";
        System.arraycopy(args, 0, full, 1, args.length);
        CommandLine cl = Main.commandLine();
        cl.setDefaultValueProvider(new ConfigDefaults(env, ConfigDefaults.configArgument(full)));
        cl.parseArgs(full);
        return cl.getSubcommands().get("run").getCommand();
    }

    static RunCommand.Service start(String... args) throws Exception {
        return command(Map.of(), args).start();
    }

    static HttpResponse<String> get(RunCommand.Service s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(s, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(RunCommand.Service s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(s, path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(RunCommand.Service s, String path) throws Exception {
        HttpResponse<String> r = get(s, path);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return EventJson.MAPPER.readTree(r.body());
    }

    private static URI uri(RunCommand.Service s, String path) {
        return URI.create("http://127.0.0.1:" + s.httpPort() + path);
    }

    static JsonNode readJson(Path file) throws IOException {
        return EventJson.MAPPER.readTree(file.toFile());
    }

    /**
     * The audio {@code --keep-audio DIR} kept of the party of {@code transcript} whose channel name starts with
     * {@code channelPrefix} ({@code DIR/<call>.audio.<speaker>.wav}).
     */
    static io.callscribe.testing.asterisk.TestAudio.Clip keptAudio(Path dir, JsonNode transcript, String channelPrefix)
            throws IOException {
        for (JsonNode p : transcript.get("parties")) {
            if (p.path("channel").asText().startsWith(channelPrefix)) {
                Path file = dir.resolve(transcript.get("call").asText() + ".audio."
                        + io.callscribe.event.CallIds.sanitize(p.get("speaker").asText()) + ".wav");
                if (!Files.exists(file)) {
                    throw new AssertionError("no kept audio " + file + " of " + p);
                }
                return io.callscribe.testing.asterisk.TestAudio.read(file);
            }
        }
        throw new AssertionError("no party " + channelPrefix + "* in " + transcript.get("parties"));
    }

    /** Processes {@link #startProcess} started that are still running: killed when the test JVM exits, whatever failed. */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "kill-test-services"));
    }

    /**
     * {@code callscribe args} in a JVM of its own ({@link Main} on this test class path: the jar's code), its output
     * and errors to {@code log}; for tests that kill the process. Returns at once: waiting until it is ready is the
     * caller's. A process a failed test leaves running is killed when the test JVM exits.
     */
    static Process startProcess(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RUNNING.add(p);
        p.onExit().thenRun(() -> RUNNING.remove(p));
        return p;
    }

    /** Stops a process {@link #startProcess} started: SIGTERM, and SIGKILL when it has not exited 20 s later. */
    static void stopProcess(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** The channel names of the transcript's parties, in its order. */
    static List<String> channels(JsonNode transcript) {
        List<String> names = new ArrayList<>();
        transcript.get("parties").forEach(p -> names.add(p.path("channel").asText()));
        return names;
    }

    /** Every word of the transcript's finals (of one speaker, or all when null), in transcript order. */
    static List<String> words(JsonNode transcript, String speaker) {
        List<String> words = new ArrayList<>();
        for (JsonNode f : transcript.get("finals")) {
            if (speaker == null || speaker.equals(f.path("speaker").asText(null))) {
                for (String w : f.get("text").asText().split(" ")) {
                    if (!w.isEmpty()) {
                        words.add(w);
                    }
                }
            }
        }
        return words;
    }

    /** The words the scripted server gives for {@code bytes} of audio on one stream: w1 .. wN. */
    static List<String> expectedWords(long bytes) {
        List<String> words = new ArrayList<>();
        for (long i = 1; i <= bytes / BYTES_PER_WORD; i++) {
            words.add("w" + i);
        }
        return words;
    }

    /** Words for the audio the transcript says was received (its audio_seconds, 8 kHz 16-bit). */
    static List<String> expectedWordsFor(JsonNode transcript) {
        return expectedWords(Math.round(transcript.get("audio_seconds").asDouble() * 16000));
    }

    /** Call ids of the call_start events in a JSON-lines event log. */
    static List<String> startedCalls(Path events) throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.exists(events)) {
            return ids;
        }
        for (String line : Files.readAllLines(events)) {
            if (!line.isBlank()) {
                JsonNode n = EventJson.MAPPER.readTree(line);
                if (n.get("event").asText().equals("call_start")) {
                    ids.add(n.get("call").asText());
                }
            }
        }
        return ids;
    }

    /** Deterministic non-silent 8 kHz audio. */
    static byte[] audio8k(double seconds, int seed) {
        byte[] pcm = new byte[(int) Math.round(seconds * 8000) * 2];
        for (int i = 0; i < pcm.length / 2; i++) {
            short v = (short) (6000 * Math.sin(i * 0.03 * (seed + 1)) + (i % 11) * 50);
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        return pcm;
    }
}
