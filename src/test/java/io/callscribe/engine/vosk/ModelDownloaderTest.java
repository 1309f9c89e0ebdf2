package io.callscribe.engine.vosk;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs against a local HTTP server serving {@link FakeVoskModel} zips (test fixtures), never the internet. */
class ModelDownloaderTest {

    static final String NAME = "vosk-model-test-0.1";

    @TempDir
    Path tmp;

    private HttpServer http;
    private final List<Thread> rawServers = new CopyOnWriteArrayList<>();
    private Path models;

    @BeforeEach
    void startServer() throws IOException {
        models = tmp.resolve("models");
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // A big incompressible-ish entry so the body arrives in several reads and progress has steps.
        StringBuilder padding = new StringBuilder();
        for (int i = 0; padding.length() < 400_000; i++) {
            padding.append(Integer.toHexString(i * 0x9E3779B9)).append('\n');
        }
        serve("/good/" + NAME + ".zip", FakeVoskModel.zip(NAME, 16000, Map.of(NAME + "/am/padding.txt", padding.toString())));
        serve("/slip/" + NAME + ".zip", FakeVoskModel.zip(NAME, 16000, Map.of("../evil.txt", "escaped")));
        serve("/notzip/" + NAME + ".zip", "<html>captive portal</html>".getBytes(StandardCharsets.UTF_8));
        serve("/notmodel/" + NAME + ".zip", zipOf(Map.of(NAME + "/README", "hello")));
        http.start();
    }

    private void serve(String path, byte[] body) {
        http.createContext(path, ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
    }

    private static byte[] zipOf(Map<String, String> entries) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @AfterEach
    void stop() {
        http.stop(0);
        rawServers.forEach(Thread::interrupt);
    }

    private String base(String prefix) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/" + prefix;
    }

    private ModelDownloader downloader(String urlBase) {
        return new ModelDownloader(urlBase, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private List<String> leftovers() throws IOException {
        if (!Files.exists(models)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(models)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void downloadsUnpacksAndReportsProgress() throws Exception {
        List<long[]> updates = new CopyOnWriteArrayList<>();
        Path model = downloader(base("good")).pull(NAME, models, (b, t) -> updates.add(new long[] {b, t}));

        assertThat(model).isEqualTo(models.resolve(NAME));
        assertThat(VoskModelDirectory.open(model).sampleRate()).hasValue(16000);
        assertThat(Files.readString(model.resolve("conf/mfcc.conf"))).contains("--sample-frequency=16000");
        assertThat(leftovers()).as("no part file or temp dir left").containsExactly(NAME);

        long total = updates.get(0)[1];
        assertThat(total).isGreaterThan(100_000);
        assertThat(updates.get(0)[0]).isZero();
        assertThat(updates.get(updates.size() - 1)).containsExactly(total, total);
        assertThat(updates).extracting(u -> u[0]).isSorted();
    }

    @Test
    void existingModelIsNotOverwritten() throws Exception {
        Files.createDirectories(models.resolve(NAME));
        assertThatThrownBy(() -> downloader(base("good")).pull(NAME, models, ModelDownloader.Progress.NONE))
                .hasMessageContaining(models.resolve(NAME) + ": already exists; delete it to download " + NAME + " again");
    }

    @Test
    void truncatedDownloadIsAClearErrorAndLeavesNothing() throws Exception {
        int port = rawServer("HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 50000\r\n\r\n", 20000);
        assertThatThrownBy(() -> downloader("http://127.0.0.1:" + port).pull(NAME, models, ModelDownloader.Progress.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("download of http://127.0.0.1:" + port + "/" + NAME + ".zip was cut short: got 20000 of 50000 bytes");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void stalledDownloadTimesOut() throws Exception {
        int port = rawServer("HTTP/1.1 200 OK\r\nContent-Length: 50000\r\n\r\n", -1000);
        ModelDownloader d = new ModelDownloader("http://127.0.0.1:" + port, Duration.ofSeconds(5), Duration.ofMillis(300));
        assertThatThrownBy(() -> d.pull(NAME, models, ModelDownloader.Progress.NONE))
                .hasMessageContaining("was cut short: got 1000 of 50000 bytes (no data for 0 s)");
        assertThat(leftovers()).isEmpty();
    }

    /**
     * A one-shot raw HTTP responder: sends {@code head}, then {@code bodyBytes} zero bytes and closes; a negative
     * count sends that many bytes and then stalls with the connection open.
     */
    private int rawServer(String head, int bodyBytes) throws IOException {
        ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        Thread t = Thread.ofVirtual().start(() -> {
            try (ss; Socket s = ss.accept()) {
                s.getInputStream().read(new byte[4096]); // the request; its content does not matter
                OutputStream o = s.getOutputStream();
                o.write(head.getBytes(StandardCharsets.US_ASCII));
                o.write(new byte[Math.abs(bodyBytes)]);
                o.flush();
                if (bodyBytes < 0) {
                    Thread.sleep(10_000);
                }
            } catch (IOException | InterruptedException e) {
                // test server ends with the test
            }
        });
        rawServers.add(t);
        return ss.getLocalPort();
    }

    @Test
    void zipSlipEntryIsRejectedAndNothingEscapes() {
        assertThatThrownBy(() -> downloader(base("slip")).pull(NAME, models, ModelDownloader.Progress.NONE))
                .hasMessageContaining(NAME + ".zip has an entry '../evil.txt' that points outside the model directory");
        assertThat(tmp.resolve("evil.txt")).doesNotExist();
        assertThat(models.resolve("evil.txt")).doesNotExist();
        assertThat(models.resolve(NAME)).doesNotExist();
    }

    @Test
    void nonZipIsRejected() throws Exception {
        assertThatThrownBy(() -> downloader(base("notzip")).pull(NAME, models, ModelDownloader.Progress.NONE))
                .hasMessageContaining(NAME + ".zip is not a valid zip file");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void zipWithoutModelLayoutIsRejected() throws Exception {
        assertThatThrownBy(() -> downloader(base("notmodel")).pull(NAME, models, ModelDownloader.Progress.NONE))
                .hasMessageContaining(NAME + ".zip from " + base("notmodel") + "/" + NAME + ".zip does not hold a Vosk model: ")
                .hasMessageContaining("missing am/final.mdl");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void missingModelIs404WithAHint() {
        assertThatThrownBy(() -> downloader(base("good")).pull("vosk-model-nope", models, ModelDownloader.Progress.NONE))
                .hasMessageContaining("no model named vosk-model-nope at " + base("good") + "/vosk-model-nope.zip (HTTP 404)")
                .hasMessageContaining("callscribe model list");
    }

    @Test
    void unreachableHostSaysTheMachineMayBeOffline() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> downloader("http://127.0.0.1:" + closed).pull(NAME, models, ModelDownloader.Progress.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot reach 127.0.0.1:" + closed + ": ")
                .hasMessageContaining("this machine may be offline; download " + NAME + ".zip elsewhere")
                .hasMessageContaining("and unzip it into " + models);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void badNamesAreRefusedBeforeAnyRequest() {
        assertThatThrownBy(() -> downloader(base("good")).pull("../etc", models, ModelDownloader.Progress.NONE))
                .hasMessageContaining("'../etc' is not a Vosk model name");
    }

    @Test
    void implausibleSizeForAKnownModelIsRefused() {
        // The catalog says the small English model is about 40 MB; a 2 kB answer is not it.
        serve("/tiny/vosk-model-small-en-us-0.15.zip", new byte[2048]);
        assertThatThrownBy(() -> downloader(base("tiny")).pull("vosk-model-small-en-us-0.15", models, ModelDownloader.Progress.NONE))
                .hasMessageContaining("announces 0.0 MB but vosk-model-small-en-us-0.15 is about 40.0 MB");
    }
}
