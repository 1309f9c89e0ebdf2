package io.callscribe.store;

import java.nio.file.Path;

/** Opens the store a {@code --store} value names. */
public final class Stores {

    private Stores() {
    }

    /**
     * {@code off} (null result), {@code sqlite} (the default file), {@code sqlite:FILE} or a plain file path,
     * {@code postgresql://...} / {@code postgres://...} / {@code jdbc:postgresql:...}.
     */
    public static TranscriptStore open(String spec, Path defaultSqliteFile) {
        String s = spec == null ? "sqlite" : spec.strip();
        if (s.equalsIgnoreCase("off")) {
            return null;
        }
        if (s.startsWith("postgresql:") || s.startsWith("postgres:") || s.startsWith("jdbc:postgresql:")) {
            return PostgresStore.open(s);
        }
        if (s.equalsIgnoreCase("sqlite") || s.isEmpty()) {
            return SqliteStore.open(defaultSqliteFile);
        }
        if (s.startsWith("sqlite:")) {
            return SqliteStore.open(Path.of(s.substring("sqlite:".length())));
        }
        if (s.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("--store: '" + s + "' is no store this program knows "
                    + "(off, sqlite, sqlite:FILE, FILE, postgresql://...)");
        }
        return SqliteStore.open(Path.of(s));
    }
}
