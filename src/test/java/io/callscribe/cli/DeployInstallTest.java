package io.callscribe.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/install.sh and deploy/callscribe.service (issue 11, item 8), run for real into temporary directories
 * (PREFIX, ETC, UNITS): the script installs the jar, a link to a JDK's java, the config (kept when re-run) and the
 * unit; the unit's ExecStart, with the installed paths, starts that jar with that java (never the build-on-demand
 * launcher or Maven); Restart= and the state directory fit the durability rules (transcripts and the spool state
 * file under StateDirectory, a stop timeout longer than the shutdown grace).
 *
 * <p>The jar installed is a stand-in for target/callscribe.jar (labelled: a manifest whose Class-Path is this
 * test's class path and whose Main-Class is {@link Main}, so it runs this build's code); a copy of the repository's
 * deploy/ and scripts/find-jdk.sh is used so that the real target/ is never touched or built. {@code systemctl}
 * is a recording test double on the PATH, so the host's systemd is never asked to reload.
 */
class DeployInstallTest {

    private static Map<String, List<String>> unit(Path file) throws Exception {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("[")) {
                continue;
            }
            int eq = l.indexOf('=');
            keys.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return keys;
    }

    private static String run(Path log, Map<String, String> env, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        String output = Files.readString(log);
        assertThat(p.exitValue()).as("%s: %s", cmd, output).isZero();
        return output;
    }

    /** The stand-in jar: runs {@link Main} from this test's class path. */
    private static void standInJar(Path jar) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path")
                .split(File.pathSeparator)).map(e -> Path.of(e).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
    }

    @Test
    void installScriptPutsJarJavaConfigAndUnitInPlaceAndTheUnitRunsThatJar(@TempDir Path dir) throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("scripts"));
        Files.createDirectories(repo.resolve("target"));
        Files.copy(Path.of("scripts/find-jdk.sh"), repo.resolve("scripts/find-jdk.sh"));
        Files.createDirectories(repo.resolve("deploy"));
        for (String f : List.of("install.sh", "callscribe.service", "callscribe.yaml")) {
            Files.copy(Path.of("deploy", f), repo.resolve("deploy").resolve(f));
        }
        standInJar(repo.resolve("target/callscribe.jar"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path systemctlCalls = dir.resolve("systemctl.calls");
        Path systemctl = bin.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\n# test double: records its arguments, touches nothing\necho \"$@\" >> '" + systemctlCalls + "'\n");
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path prefix = dir.resolve("opt/callscribe");
        Path etc = dir.resolve("etc/callscribe");
        Path units = dir.resolve("etc/systemd/system");
        Map<String, String> env = Map.of("PREFIX", prefix.toString(), "ETC", etc.toString(), "UNITS", units.toString(),
                "JAVA_HOME", System.getProperty("java.home"), "PATH", bin + ":" + System.getenv("PATH"));

        String output = run(dir.resolve("install-1.log"), env, List.of("bash", repo.resolve("deploy/install.sh").toString()));
        assertThat(output).contains("wrote " + etc.resolve("callscribe.yaml")).doesNotContain("building");
        assertThat(Files.readAllBytes(prefix.resolve("callscribe.jar"))).isEqualTo(Files.readAllBytes(repo.resolve("target/callscribe.jar")));
        assertThat(Files.isSymbolicLink(prefix.resolve("java"))).isTrue();
        assertThat(Files.readSymbolicLink(prefix.resolve("java"))).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java"));
        assertThat(Files.readString(etc.resolve("callscribe.yaml"))).isEqualTo(Files.readString(Path.of("deploy/callscribe.yaml")));
        assertThat(Files.readString(units.resolve("callscribe.service"))).isEqualTo(Files.readString(Path.of("deploy/callscribe.service")));

        // Re-run (an upgrade): the jar and unit are replaced, the operator's settings kept.
        Files.writeString(etc.resolve("callscribe.yaml"), "# edited by the operator\nasr: ws://10.0.0.5:2700\n");
        run(dir.resolve("install-2.log"), env, List.of("bash", repo.resolve("deploy/install.sh").toString()));
        assertThat(Files.readString(etc.resolve("callscribe.yaml"))).startsWith("# edited by the operator");

        // The unit: ExecStart is the installed java running the installed jar with the installed config.
        Map<String, List<String>> service = unit(units.resolve("callscribe.service"));
        String exec = service.get("ExecStart").get(0);
        assertThat(exec).doesNotContain("./callscribe").doesNotContain("mvn").doesNotContain("run-tests");
        List<String> words = new ArrayList<>(List.of(exec.split("\\s+")));
        assertThat(words.subList(0, 4)).containsExactly("/opt/callscribe/java", "$CALLSCRIBE_JAVA_OPTS", "-jar",
                "/opt/callscribe/callscribe.jar");
        assertThat(words.subList(4, words.size())).containsExactly("run", "--config", "/etc/callscribe/callscribe.yaml");
        assertThat(service.get("Environment")).anyMatch(e -> e.startsWith("CALLSCRIBE_JAVA_OPTS="));
        // Run the unit's command with the installed paths (asking for the version instead of starting the service).
        List<String> installed = new ArrayList<>(List.of(words.get(0).replace("/opt/callscribe", prefix.toString()), "-Xmx64m",
                "-jar", words.get(3).replace("/opt/callscribe", prefix.toString()), "--version"));
        assertThat(run(dir.resolve("version.log"), Map.of(), installed)).contains("callscribe");

        // Durability: restarted on any exit, never given up; transcripts and the state file in the state directory,
        // which is also the working directory; the stop waits longer than the config's shutdown grace.
        assertThat(service.get("Restart")).containsExactly("always");
        assertThat(service.get("StartLimitIntervalSec")).containsExactly("0");
        assertThat(service.get("KillSignal")).containsExactly("SIGTERM");
        assertThat(service.get("StateDirectory")).containsExactly("callscribe");
        assertThat(service.get("WorkingDirectory")).containsExactly("/var/lib/callscribe");
        RunCommand run = RunHarness.command(Map.of(), "--config", "deploy/callscribe.yaml");
        Path outDir = run.calls.output.outDir;
        assertThat(outDir).startsWithRaw(Path.of("/var/lib/callscribe"));
        assertThat(run.spool.stateFile(outDir)).startsWithRaw(Path.of("/var/lib/callscribe"));
        assertThat(Integer.parseInt(service.get("TimeoutStopSec").get(0))).isGreaterThan(run.shutdownGraceSeconds + 5);
    }
}
