package io.callscribe.store;

import java.nio.file.Path;

/** Opens the store a {@code --store} value names. */
public final class Stores {

    private Stores() {
    }

    /**
     * This host's name: the instance name of a store opened without one. {@code callscribe run} adds its state
     * directory ({@code host:/var/lib/callscribe}), so two instances on one host stay apart.
     */
    public static String defaultInstance() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /**
     * {@code off} (null result), {@code sqlite} (the default file), {@code sqlite:FILE} or a plain file path,
     * {@code postgresql://...} / {@code postgres://...} / {@code jdbc:postgresql:...}, for the callscribe
     * {@code instance} (see {@link TranscriptStore#instance()}).
     */
    public static TranscriptStore open(String spec, Path defaultSqliteFile, String instance) {
        String s = spec == null ? "sqlite" : spec.strip();
        if (s.equalsIgnoreCase("off")) {
            return null;
        }
        if (s.startsWith("postgresql:") || s.startsWith("postgres:") || s.startsWith("jdbc:postgresql:")) {
            return PostgresStore.open(s, instance);
        }
        if (s.equalsIgnoreCase("sqlite") || s.isEmpty()) {
            return SqliteStore.open(defaultSqliteFile, instance);
        }
        if (s.startsWith("sqlite:")) {
            return SqliteStore.open(Path.of(s.substring("sqlite:".length())), instance);
        }
        if (s.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("--store: '" + s + "' is no store this program knows "
                    + "(off, sqlite, sqlite:FILE, FILE, postgresql://...)");
        }
        return SqliteStore.open(Path.of(s), instance);
    }
}
