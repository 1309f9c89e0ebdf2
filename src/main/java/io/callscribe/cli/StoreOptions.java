package io.callscribe.cli;

import io.callscribe.store.Retention;
import io.callscribe.store.Stores;
import io.callscribe.store.TranscriptStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** {@code run}'s transcript store, where calls are kept and searched, and how long. */
final class StoreOptions {

    @Option(names = "--store", defaultValue = "sqlite", paramLabel = "STORE",
            description = {"Where calls are kept and searched: sqlite (the file calls.db next to the spool state file), "
                    + "sqlite:FILE, postgresql://[user[:password]@]host[:port]/database (shared by several instances), "
                    + "or off (default ${DEFAULT-VALUE})."})
    String store;

    @Option(names = "--retain", paramLabel = "DURATION",
            description = "Delete calls (store and files) that ended longer ago than this: 90d, 12h, P90D (default: keep all).")
    String retain;

    /** How long ended calls are kept; null to keep them all. */
    Duration retention() {
        return retain == null || retain.isBlank() ? null : Retention.parse(retain);
    }

    /**
     * Opens the store (null with {@code --store off}): the default SQLite file lives in {@code stateDir}, and this
     * instance's name in a shared store is its host and state directory (stable across restarts).
     */
    TranscriptStore open(Path stateDir) {
        TranscriptStore opened = Stores.open(store, stateDir.resolve("calls.db"), Stores.defaultInstance() + ":" + stateDir);
        if (opened == null && retention() != null) {
            throw new IllegalArgumentException("--retain needs a store (--store is off)");
        }
        return opened;
    }
}
