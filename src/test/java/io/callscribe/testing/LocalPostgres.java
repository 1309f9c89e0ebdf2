package io.callscribe.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, from Debian's package ({@code apt-get install postgresql}): {@code initdb} in
 * a temp directory and {@code pg_ctl start} on a free loopback port, one server per test JVM, a fresh database per
 * {@link #newDatabase()}. Run as root, the server runs as the {@code postgres} user (PostgreSQL refuses root).
 * {@link #stop()} and {@link #start()} take it away and bring it back on the same port and data.
 */
public final class LocalPostgres {

    private static LocalPostgres shared;
    private static String unavailable;
    private static final AtomicInteger databases = new AtomicInteger();

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;

    private LocalPostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** The JVM's server, started on first use; skips or fails the test (see {@link RequiredService}) when none can be had. */
    public static synchronized LocalPostgres get() {
        if (shared == null && unavailable == null) {
            try {
                shared = startNew();
                LocalPostgres s = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(s::destroy));
            } catch (Exception e) {
                unavailable = e.getMessage();
            }
        }
        if (shared == null) {
            RequiredService.unavailable("PostgreSQL", unavailable);
        }
        return shared;
    }

    private static LocalPostgres startNew() throws IOException, InterruptedException {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("callscribe-pg", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        LocalPostgres pg = new LocalPostgres(bin, dir, freePort(), root);
        if (root) {
            pg.exec(List.of("chown", "postgres:postgres", dir.toString()), false, 10);
        }
        pg.exec(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust",
                "-U", "callscribe", "-E", "UTF8", "--locale=C", "--no-sync"), root, 120);
        pg.start();
        return pg;
    }

    private static Path findBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            throw new IOException("no /usr/lib/postgresql: apt-get install postgresql");
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(p -> p.getParent().getFileName().toString(), Comparator.comparingInt(v -> {
                        try {
                            return Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            return 0;
                        }
                    }))).orElseThrow(() -> new IOException("no pg_ctl under /usr/lib/postgresql/*/bin"));
        }
    }

    public int port() {
        return port;
    }

    /** Starts (again) the server on its port; waits until it accepts connections. */
    public void start() throws IOException, InterruptedException {
        exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                // fsync off: a test server need not survive a power cut; a process crash (stop -m immediate) loses nothing
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                        + " -c max_connections=200", "start"), asPostgresUser, 90);
    }

    /** Stops the server at once (open connections break, as when a database host goes away). */
    public void stop() throws IOException, InterruptedException {
        exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
                "stop"), asPostgresUser, 60);
    }

    /** A new empty database; its {@code postgresql://} URL. */
    public String newDatabase() throws SQLException {
        String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "callscribe", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgresql://callscribe@127.0.0.1:" + port + "/" + name;
    }

    private void destroy() {
        try {
            stop();
        } catch (Exception ignored) {
            // the JVM is exiting
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir: the system cleans it
        }
    }

    private void exec(List<String> command, boolean asPostgres, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + new String(out).strip());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
