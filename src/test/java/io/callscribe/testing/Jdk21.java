package io.callscribe.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Java runtime of version 21, 22 or 23 for {@link RequiresJdk21} tests (the build itself may run on a newer
 * JDK, where monitors no longer pin virtual threads and {@code -Djdk.tracePinnedThreads} reports nothing). Looked for,
 * in order: {@code $CALLSCRIBE_JDK21_HOME}, {@code ~/.cache/callscribe/jdk21} (where {@code scripts/jdk21/install.sh}
 * puts one), every JDK under {@code /usr/lib/jvm}. A candidate counts when its {@code bin/java} runs and reports
 * {@code java.specification.version} 21..23.
 */
public final class Jdk21 {

    static final String REQUIRE_ENV = "CALLSCRIBE_REQUIRE_JDK21";
    private static final Pattern SPEC = Pattern.compile("(?m)^\\s*java\\.specification\\.version = (\\d+)");

    private Jdk21() {
    }

    /** The {@code bin/java} of a Java 21-23 runtime, if one is here. */
    public static Optional<Path> java() {
        return Found.JAVA;
    }

    /** Looked for once per test JVM, on first use. */
    private static final class Found {
        static final Optional<Path> JAVA = candidates().stream().map(home -> home.resolve("bin/java"))
                .filter(Jdk21::pins).findFirst();
    }

    /** Where {@link #java()} looks, for messages. */
    public static List<Path> candidates() {
        List<Path> homes = new ArrayList<>();
        String env = System.getenv("CALLSCRIBE_JDK21_HOME");
        if (env != null && !env.isBlank()) {
            homes.add(Path.of(env));
        }
        homes.add(Path.of(System.getProperty("user.home"), ".cache", "callscribe", "jdk21"));
        Path jvm = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvm)) {
            try (Stream<Path> dirs = Files.list(jvm)) {
                dirs.filter(Files::isDirectory).sorted().forEach(homes::add);
            } catch (IOException ignored) {
                // nothing more to look at
            }
        }
        return homes;
    }

    /** The feature version {@code java} reports, or -1 when it does not run. */
    public static int featureVersion(Path java) {
        if (!Files.isExecutable(java)) {
            return -1;
        }
        try {
            Process p = new ProcessBuilder(java.toString(), "-XshowSettings:properties", "-version")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return -1;
            }
            Matcher m = SPEC.matcher(out);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean pins(Path java) {
        int v = featureVersion(java);
        return v >= 21 && v <= 23;
    }

    /** JUnit condition behind {@link RequiresJdk21}. */
    public static final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<Path> java = java();
            if (java.isPresent()) {
                return ConditionEvaluationResult.enabled("Java 21-23 at " + java.get());
            }
            String why = "no Java 21-23 runtime: run scripts/jdk21/install.sh (looked in " + candidates() + ")";
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                throw new IllegalStateException(why + "; " + REQUIRE_ENV + "=1 forbids skipping " + context.getDisplayName());
            }
            return ConditionEvaluationResult.disabled(why);
        }
    }
}
