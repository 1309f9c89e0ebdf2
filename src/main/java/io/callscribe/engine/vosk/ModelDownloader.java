package io.callscribe.engine.vosk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Downloads an official Vosk model zip and unpacks it into {@code DIR/NAME}, atomically: the zip goes
 * to a hidden part file and is unpacked into a hidden temp directory, checked (full length, valid zip,
 * no entry escaping the directory, Vosk model layout), and only then renamed into place. On any failure
 * nothing is left behind.
 */
public final class ModelDownloader {

    /** Download progress; called often, from the downloading thread. {@code total} is -1 when unknown. */
    @FunctionalInterface
    public interface Progress {
        void update(long bytes, long total);

        Progress NONE = (bytes, total) -> {
        };
    }

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final String urlBase;
    private final HttpClient http;
    private final Duration readTimeout;

    public ModelDownloader() {
        this(ModelCatalog.DEFAULT_URL_BASE, Duration.ofSeconds(15), Duration.ofSeconds(60));
    }

    /**
     * @param urlBase        the models are fetched from {@code urlBase/NAME.zip}
     * @param connectTimeout how long to try reaching the host
     * @param readTimeout    how long to wait for response headers
     */
    public ModelDownloader(String urlBase, Duration connectTimeout, Duration readTimeout) {
        this.urlBase = urlBase.endsWith("/") ? urlBase.substring(0, urlBase.length() - 1) : urlBase;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.readTimeout = readTimeout;
    }

    public URI urlOf(String name) {
        return URI.create(urlBase + "/" + name + ".zip");
    }

    /**
     * Downloads and unpacks model {@code name} into {@code dir/name}.
     *
     * @return the model directory
     * @throws IOException with an operator-readable message (offline, HTTP error, truncated, bad zip, not a model)
     */
    public Path pull(String name, Path dir, Progress progress) throws IOException, InterruptedException {
        if (!SAFE_NAME.matcher(name).matches() || name.contains("..")) {
            throw new IOException("'" + name + "' is not a Vosk model name (letters, digits, '.', '_', '-')");
        }
        Path target = dir.resolve(name);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "already exists; delete it to download " + name + " again");
        }
        Path part = dir.resolve("." + name + ".zip.part");
        Path unpack = null;
        try {
            download(name, dir, part, progress);
            unpack = Files.createTempDirectory(dir, "." + name + ".unpack-");
            unzip(part, unpack, name);
            Path root = modelRoot(unpack);
            Optional<String> problem = VoskModelDirectory.problem(root);
            if (problem.isPresent()) {
                throw new IOException(name + ".zip from " + urlOf(name) + " does not hold a Vosk model: " + problem.get());
            }
            try {
                Files.move(root, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(root, target);
            }
            return target;
        } finally {
            Files.deleteIfExists(part);
            if (unpack != null) {
                deleteTree(unpack);
            }
        }
    }

    private void download(String name, Path dir, Path part, Progress progress) throws IOException, InterruptedException {
        URI url = urlOf(name);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(readTimeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | UnknownHostException | HttpConnectTimeoutException e) {
            throw offline(name, dir, url, e);
        } catch (HttpTimeoutException e) {
            throw new IOException(url.getHost() + " did not answer within " + readTimeout.toSeconds() + " s for " + url
                    + "; download " + name + ".zip elsewhere and unzip it into " + dir, e);
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException || e.getCause() instanceof UnknownHostException) {
                throw offline(name, dir, url, e);
            }
            throw new IOException("download of " + url + " failed: " + describe(e), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() == 404) {
                throw new IOException("no model named " + name + " at " + url
                        + " (HTTP 404); see `callscribe model list` or https://alphacephei.com/vosk/models");
            }
            if (response.statusCode() != 200) {
                throw new IOException("download of " + url + " failed: HTTP " + response.statusCode());
            }
            OptionalLong declared = response.headers().firstValueAsLong("Content-Length");
            long total = declared.orElse(-1);
            Optional<ModelCatalog.Entry> known = ModelCatalog.find(name);
            if (total >= 0 && known.isPresent() && !ModelCatalog.plausibleSize(known.get(), total)) {
                throw new IOException(url + " announces " + megabytes(total) + " but " + name + " is about "
                        + megabytes(known.get().approxBytes()) + "; refusing (proxy page or wrong file?)");
            }
            Files.createDirectories(dir); // only now: a failed request leaves no empty models directory behind
            long got = 0;
            progress.update(0, total);
            // HttpClient has no timeout for reading the body: a watchdog closes a stream that stalls.
            AtomicLong lastRead = new AtomicLong(System.nanoTime());
            AtomicBoolean stalled = new AtomicBoolean();
            Thread watchdog = Thread.ofVirtual().start(() -> watch(body, lastRead, stalled));
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = body.read(buf)) >= 0) {
                    lastRead.set(System.nanoTime());
                    out.write(buf, 0, n);
                    got += n;
                    progress.update(got, total);
                }
            } catch (IOException e) {
                throw stalled.get()
                        ? truncated(url, got, total, new IOException("no data for " + readTimeout.toSeconds() + " s"))
                        : truncated(url, got, total, e);
            } finally {
                watchdog.interrupt();
            }
            if (total >= 0 && got != total) {
                throw truncated(url, got, total, null);
            }
            if (total < 0 && known.isPresent() && !ModelCatalog.plausibleSize(known.get(), got)) {
                throw new IOException("download of " + url + " gave " + megabytes(got) + " but " + name + " is about "
                        + megabytes(known.get().approxBytes()) + "; it was probably cut short");
            }
        }
    }

    private void watch(InputStream body, AtomicLong lastRead, AtomicBoolean stalled) {
        try {
            while (true) {
                Thread.sleep(Math.min(1000, Math.max(10, readTimeout.toMillis() / 4)));
                if (System.nanoTime() - lastRead.get() > readTimeout.toNanos()) {
                    stalled.set(true);
                    body.close();
                    return;
                }
            }
        } catch (InterruptedException | IOException e) {
            // download finished (interrupted) or the stream is already closed
        }
    }

    private static IOException offline(String name, Path dir, URI url, Exception e) {
        return new IOException("cannot reach " + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "") + ": "
                + describe(e) + "; this machine may be offline; download " + name + ".zip elsewhere (" + url
                + ") and unzip it into " + dir, e);
    }

    private static IOException truncated(URI url, long got, long total, IOException cause) {
        String expected = total >= 0 ? " of " + total : "";
        return new IOException("download of " + url + " was cut short: got " + got + expected + " bytes"
                + (cause == null ? "" : " (" + describe(cause) + ")") + "; try again", cause);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof ConnectException && (m == null || m.isBlank())) {
            return "connection refused";
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Unpacks {@code zip} into {@code into}, refusing any entry that would land outside it (zip slip). */
    static void unzip(Path zip, Path into, String name) throws IOException {
        Path base = into.toAbsolutePath().normalize();
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            var entries = zf.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                Path out = base.resolve(e.getName()).normalize();
                if (!out.startsWith(base) || out.equals(base) && !e.isDirectory()) {
                    throw new IOException(name + ".zip has an entry '" + e.getName()
                            + "' that points outside the model directory; refusing to unpack it");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                Files.createDirectories(out.getParent());
                try (InputStream in = zf.getInputStream(e)) {
                    Files.copy(in, out);
                }
            }
        } catch (ZipException e) {
            throw new IOException(name + ".zip is not a valid zip file (" + e.getMessage() + ")", e);
        }
    }

    /** Official zips hold one top folder named like the model; tolerate a zip without it. */
    private static Path modelRoot(Path unpacked) throws IOException {
        try (Stream<Path> children = Files.list(unpacked)) {
            var list = children.filter(p -> !p.getFileName().toString().equals("__MACOSX")).toList();
            if (list.size() == 1 && Files.isDirectory(list.get(0))) {
                return list.get(0);
            }
        }
        return unpacked;
    }

    static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1048576.0);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
