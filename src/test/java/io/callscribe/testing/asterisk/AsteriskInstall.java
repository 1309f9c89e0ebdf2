package io.callscribe.testing.asterisk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An Asterisk install usable for tests: the folder holding {@code sbin/asterisk}, {@code lib/} (libasteriskssl)
 * and {@code lib/asterisk/modules}. Found where {@code scripts/asterisk/install.sh} puts it:
 * {@code $CALLSCRIBE_ASTERISK_HOME}, else {@code ~/.cache/callscribe/asterisk}, else {@code /opt/asterisk-test}.
 */
public record AsteriskInstall(Path home) {

    static final String HOME_ENV = "CALLSCRIBE_ASTERISK_HOME";

    public Path binary() {
        return home.resolve("sbin/asterisk");
    }

    public Path modulesDir() {
        return home.resolve("lib/asterisk/modules");
    }

    public Path libDir() {
        return home.resolve("lib");
    }

    /** Where Asterisk's read-only data (documentation XML, keys) lives in the install. */
    public Path dataDir() {
        return home.resolve("var/lib/asterisk");
    }

    static List<Path> candidates() {
        List<Path> dirs = new ArrayList<>();
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) {
            dirs.add(Path.of(env));
        } else {
            dirs.add(Path.of(System.getProperty("user.home"), ".cache", "callscribe", "asterisk"));
            dirs.add(Path.of("/opt/asterisk-test"));
        }
        return dirs;
    }

    static String searched() {
        return String.join(", ", candidates().stream().map(Path::toString).toList());
    }

    /** The first candidate with an executable {@code sbin/asterisk} and a modules folder. */
    public static Optional<AsteriskInstall> find() {
        for (Path dir : candidates()) {
            AsteriskInstall install = new AsteriskInstall(dir);
            if (Files.isExecutable(install.binary()) && Files.isDirectory(install.modulesDir())) {
                return Optional.of(install);
            }
        }
        return Optional.empty();
    }
}
