package io.callscribe.testing.asterisk;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Asterisk for one test class: every folder it writes (config, run, spool, log, astdb) under the
 * test's {@code workDir}, modules from the install ({@link AsteriskInstall}), HTTP and ARI on 127.0.0.1 at a free
 * port with a generated user and password, timerfd timing (playback runs in real time), no SIP.
 * <pre>{@code
 * try (PrivateAsterisk asterisk = PrivateAsterisk.builder(dir)
 *         .extensions("[test]\nexten => echo,1,Answer()\n same => n,Echo()\n")
 *         .start()) {
 *     asterisk.originate("Local/echo@test/n", "echo@test");
 *     asterisk.awaitNoChannels(Duration.ofSeconds(5));
 * }
 * }</pre>
 * The dialplan always holds the contexts {@link TestCalls} uses ({@code callscribe-bridge},
 * {@code callscribe-callee}). Several instances may run on one machine at once (each its own ports and folders).
 * Not thread-safe for {@link #close()} against other calls; the query methods may be called from any thread.
 */
public final class PrivateAsterisk implements AutoCloseable {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(15);
    /** sockaddr_un.sun_path is 108 bytes: the control socket lives in the run folder. */
    private static final int MAX_SOCKET_PATH = 100;
    private static final java.net.http.HttpClient ARI_HTTP = java.net.http.HttpClient.newHttpClient();

    private final AsteriskInstall install;
    private final Path workDir;
    private final Path config;
    private final int httpPort;
    private final String ariUser;
    private final String ariPassword;
    private final Process process;

    private PrivateAsterisk(AsteriskInstall install, Path workDir, int httpPort, String ariUser, String ariPassword,
                            Process process) {
        this.install = install;
        this.workDir = workDir;
        this.config = workDir.resolve("etc/asterisk.conf");
        this.httpPort = httpPort;
        this.ariUser = ariUser;
        this.ariPassword = ariPassword;
        this.process = process;
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Configures and starts a {@link PrivateAsterisk}. */
    public static final class Builder {
        private final Path workDir;
        private String extensions = "";
        private final Map<String, String> files = new LinkedHashMap<>();
        private final List<String> noload = new ArrayList<>();
        private int fixedHttpPort;
        private String user;
        private String password;

        private Builder(Path workDir) {
            this.workDir = workDir.toAbsolutePath();
        }

        /** Dialplan appended to extensions.conf (after the contexts {@link TestCalls} needs). */
        public Builder extensions(String extensionsConfBody) {
            this.extensions = extensionsConfBody;
            return this;
        }

        /** An extra config file (e.g. {@code websocket_client.conf}), or a replacement for a generated one. */
        public Builder file(String confName, String body) {
            if (confName.contains("/") || confName.equals("asterisk.conf")) {
                throw new IllegalArgumentException("not a replaceable config file name: " + confName);
            }
            files.put(confName, body);
            return this;
        }

        /** HTTP port to use instead of a free one picked at start (for a test of a given http.conf). */
        public Builder httpPort(int port) {
            this.fixedHttpPort = port;
            return this;
        }

        /** ARI user and password instead of generated ones (what the given ari.conf holds). */
        public Builder ariCredentials(String ariUser, String ariPassword) {
            this.user = ariUser;
            this.password = ariPassword;
            return this;
        }

        /** Modules not to load (modules.conf autoloads every other one of the install). */
        public Builder noload(String... modules) {
            noload.addAll(List.of(modules));
            return this;
        }

        /**
         * Writes the configuration and starts Asterisk; returns once {@code core waitfullybooted} says so and HTTP
         * is bound (a port taken by another process between choosing and binding makes it retry with another).
         */
        public PrivateAsterisk start() throws IOException, InterruptedException {
            AsteriskInstall install = AsteriskInstall.find().orElseThrow(() -> new IllegalStateException(
                    "no Asterisk: run scripts/asterisk/install.sh (looked in " + AsteriskInstall.searched() + ")"));
            Path run = workDir.resolve("run");
            if (run.resolve("asterisk.ctl").toString().length() > MAX_SOCKET_PATH) {
                throw new IllegalArgumentException("work folder path too long for Asterisk's control socket: " + run);
            }
            String user = this.user != null ? this.user : "test" + hex(4);
            String password = this.password != null ? this.password : hex(16);
            IllegalStateException last = null;
            for (int attempt = 0; attempt < (fixedHttpPort > 0 ? 1 : 3); attempt++) {
                int port = fixedHttpPort > 0 ? fixedHttpPort : freePort();
                writeConfig(install, port, user, password);
                PrivateAsterisk asterisk = launch(install, port, user, password);
                try {
                    asterisk.awaitBooted();
                } catch (IllegalStateException e) {
                    asterisk.close();
                    throw e;
                }
                if (asterisk.cli("http show status").contains("127.0.0.1:" + port)) {
                    return asterisk;
                }
                last = new IllegalStateException("Asterisk's HTTP server did not bind 127.0.0.1:" + port
                        + "\n" + asterisk.log());
                asterisk.close();
            }
            throw last;
        }

        private void writeConfig(AsteriskInstall install, int port, String user, String password) throws IOException {
            Path etc = Files.createDirectories(workDir.resolve("etc"));
            for (String d : List.of("run", "log", "spool", "lib", "db", "sounds", "agi")) {
                Files.createDirectories(workDir.resolve(d));
            }
            Map<String, String> conf = new LinkedHashMap<>();
            conf.put("asterisk.conf", """
                    [directories]
                    astetcdir => %1$s/etc
                    astmoddir => %2$s
                    astvarlibdir => %1$s/lib
                    astdbdir => %1$s/db
                    astkeydir => %1$s/lib
                    astdatadir => %3$s
                    astagidir => %1$s/agi
                    astspooldir => %1$s/spool
                    astrundir => %1$s/run
                    astlogdir => %1$s/log
                    astsbindir => %4$s

                    [options]
                    documentation_language = en_US
                    """.formatted(workDir, install.modulesDir(), install.dataDir(), install.home().resolve("sbin")));
            StringBuilder modules = new StringBuilder("[modules]\nautoload = yes\n");
            for (String m : noload) {
                modules.append("noload => ").append(m).append('\n');
            }
            conf.put("modules.conf", modules.toString());
            conf.put("logger.conf", """
                    [general]
                    dateformat = %F %T.%3q

                    [logfiles]
                    messages.log => notice,warning,error,verbose(3)
                    """);
            conf.put("http.conf", """
                    [general]
                    enabled = yes
                    bindaddr = 127.0.0.1
                    bindport = %d
                    """.formatted(port));
            conf.put("ari.conf", """
                    [general]
                    enabled = yes

                    [%s]
                    type = user
                    read_only = no
                    password = %s
                    password_format = plain
                    """.formatted(user, password));
            conf.put("extensions.conf", """
                    [general]
                    static = yes
                    writeprotect = yes

                    ; TestCalls: Local/ID@callscribe-bridge/n dials ID@callscribe-callee, which plays SOUNDS/ID-callee
; and then waits for the caller to hang up.
                    [callscribe-bridge]
                    exten => _[0-9a-zA-Z].,1,Dial(Local/${EXTEN}@callscribe-callee/n)
                     same => n,Hangup()

                    [callscribe-callee]
                    exten => _[0-9a-zA-Z].,1,Answer()
                     same => n,Playback(%s/${EXTEN}-callee)
                     same => n,Wait(600)

                    """.formatted(workDir.resolve("sounds")) + extensions);
            conf.putAll(files);
            for (Map.Entry<String, String> e : conf.entrySet()) {
                Files.writeString(etc.resolve(e.getKey()), e.getValue());
            }
        }

        private PrivateAsterisk launch(AsteriskInstall install, int port, String user, String password)
                throws IOException {
            Path out = workDir.resolve("log/asterisk.out");
            ProcessBuilder pb = new ProcessBuilder(install.binary().toString(), "-C",
                    workDir.resolve("etc/asterisk.conf").toString(), "-f", "-n", "-q")
                    .redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
            environment(pb, install);
            Process process = pb.start();
            // A test JVM that exits without close() (killed, or a failure before it) must not leave Asterisk behind.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "private-asterisk-kill"));
            return new PrivateAsterisk(install, workDir, port, user, password, process);
        }
    }

    private static void environment(ProcessBuilder pb, AsteriskInstall install) {
        String old = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", install.libDir() + (old == null || old.isEmpty() ? "" : ":" + old));
    }

    /** A port free on 127.0.0.1 now (another process may take it before it is bound). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void awaitBooted() throws InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Asterisk exited with status " + process.exitValue()
                        + " while starting\n" + log());
            }
            Result r = run("core waitfullybooted", Duration.ofSeconds(10));
            if (r.status == 0 && r.output.contains("fully booted")) {
                return;
            }
            last = r.output;
            Thread.sleep(100);
        }
        throw new IllegalStateException("Asterisk did not boot within " + BOOT_TIMEOUT.toSeconds() + " s (" + last.strip()
                + ")\n" + log());
    }

    private record Result(int status, String output) {
    }

    private Result run(String command, Duration timeout) throws InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(install.binary().toString(), "-C", config.toString(), "-rx", command)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true);
        environment(pb, install);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs one CLI command ({@code asterisk -rx}) and returns its output; fails when it cannot be run. */
    public String cli(String command) {
        try {
            Result r = run(command, CLI_TIMEOUT);
            if (r.status != 0) {
                throw new IllegalStateException("asterisk -rx '" + command + "' exited with " + r.status + ": "
                        + r.output.strip());
            }
            return r.output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running '" + command + "'", e);
        }
    }

    /**
     * One ARI request as this Asterisk's ARI user, e.g. {@code ari("POST", "/channels?endpoint=...")} or
     * {@code ari("GET", "/channels/ID")}: {@code pathAndQuery} follows {@code /ari}, already URL-encoded. Returns the
     * response whatever its status (checking it is the caller's); 10 s at most.
     */
    public java.net.http.HttpResponse<String> ari(String method, String pathAndQuery) throws IOException, InterruptedException {
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("ARI path must start with '/': " + pathAndQuery);
        }
        String auth = java.util.Base64.getEncoder().encodeToString((ariUser + ":" + ariPassword).getBytes(StandardCharsets.UTF_8));
        return ARI_HTTP.send(java.net.http.HttpRequest.newBuilder(URI.create(ariBaseUri() + pathAndQuery))
                        .header("Authorization", "Basic " + auth).timeout(Duration.ofSeconds(10))
                        .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** Like {@link #ari(String, String)}, failing unless the status is 2xx; returns the body. */
    public String ariOk(String method, String pathAndQuery) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = ari(method, pathAndQuery);
        if (r.statusCode() / 100 != 2) {
            throw new IOException("ARI " + method + " " + pathAndQuery + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    public URI ariBaseUri() {
        return URI.create("http://127.0.0.1:" + httpPort + "/ari");
    }

    /** The HTTP server's base (for {@code --ari}), without the {@code /ari} path. */
    public URI httpBaseUri() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public String ariUser() {
        return ariUser;
    }

    public String ariPassword() {
        return ariPassword;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path workDir() {
        return workDir;
    }

    /** Where test audio goes ({@link TestAudio#place}); {@link TestCalls} plays files from here. */
    public Path soundsDir() {
        return workDir.resolve("sounds");
    }

    /** Asterisk's spool folder; its {@code monitor} subfolder is where MixMonitor writes relative file names. */
    public Path spoolDir() {
        return workDir.resolve("spool");
    }

    public AsteriskInstall install() {
        return install;
    }

    /** {@code channel originate CHANNEL extension EXTEN@CONTEXT}: returns at once, the call runs on. */
    public void originate(String channel, String extensionAtContext) {
        checkNoError(cli("channel originate " + channel + " extension " + extensionAtContext));
    }

    /** {@code channel originate CHANNEL application APP DATA}: returns at once, the call runs on. */
    public void originateApplication(String channel, String app, String data) {
        checkNoError(cli("channel originate " + channel + " application " + app + " " + data));
    }

    private static void checkNoError(String output) {
        if (output.contains("Usage:") || output.contains("No such command")) {
            throw new IllegalStateException("Asterisk refused the originate: " + output.strip());
        }
    }

    /** Names of the channels up now ({@code core show channels concise}). */
    public List<String> channels() {
        List<String> names = new ArrayList<>();
        for (String line : cli("core show channels concise").split("\n")) {
            int bang = line.indexOf('!');
            if (bang > 0) {
                names.add(line.substring(0, bang));
            }
        }
        return names;
    }

    /** Waits until no channel is up; fails naming the ones left (and the log) when some stay. */
    public void awaitNoChannels(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = channels();
        while (!left.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("channels still up after " + timeout.toMillis() + " ms: " + left
                        + "\n" + cli("core show channels verbose") + "\n" + logTail(60));
            }
            Thread.sleep(100);
            left = channels();
        }
    }

    /** Hangs up every channel (cleanup after a failed test). */
    public void hangupAll() {
        cli("channel request hangup all");
    }

    /** Asterisk's log (messages.log, notice and up plus verbose 3) and its console output. */
    public String log() {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("log/messages.log", "log/asterisk.out")) {
            Path f = workDir.resolve(name);
            try {
                if (Files.exists(f)) {
                    sb.append("---- ").append(f).append('\n').append(Files.readString(f));
                }
            } catch (IOException e) {
                sb.append("(cannot read ").append(f).append(": ").append(e.getMessage()).append(")\n");
            }
        }
        return sb.toString();
    }

    /** The last {@code lines} lines of {@link #log()}, for failure messages. */
    public String logTail(int lines) {
        String[] all = log().split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops Asterisk ({@code core stop now}, then kills it); keeps every file under {@link #workDir()}. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                run("core stop now", Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // killed below
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
