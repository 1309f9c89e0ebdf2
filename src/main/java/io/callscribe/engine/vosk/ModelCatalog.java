package io.callscribe.engine.vosk;

import java.util.List;
import java.util.Optional;

/**
 * A few official Vosk models with their approximate download sizes as listed on
 * https://alphacephei.com/vosk/models. Sizes are only a sanity bound (a proxy's error page or a
 * half-finished file is far off); no checksums are published there, so none are claimed here.
 */
public final class ModelCatalog {

    public static final String DEFAULT_URL_BASE = "https://alphacephei.com/vosk/models";

    /**
     * @param name        file name without {@code .zip}, also the folder it unpacks to
     * @param approxBytes approximate zip size
     */
    public record Entry(String name, String language, long approxBytes, String note) {
    }

    private static final long MB = 1024 * 1024;

    private static final List<Entry> ENTRIES = List.of(
            new Entry("vosk-model-small-en-us-0.15", "en-US", 40 * MB, "small, 16 kHz only: 8 kHz calls are resampled up"),
            new Entry("vosk-model-en-us-0.22-lgraph", "en-US", 128 * MB, "medium, dynamic graph"),
            new Entry("vosk-model-en-us-0.22", "en-US", 1800 * MB, "big, most accurate; needs several GB of RAM"),
            new Entry("vosk-model-small-de-0.15", "de", 45 * MB, "small"),
            new Entry("vosk-model-small-fr-0.22", "fr", 41 * MB, "small"),
            new Entry("vosk-model-small-es-0.42", "es", 39 * MB, "small"),
            new Entry("vosk-model-small-ru-0.22", "ru", 45 * MB, "small"));

    private ModelCatalog() {
    }

    public static List<Entry> entries() {
        return ENTRIES;
    }

    public static Optional<Entry> find(String name) {
        return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** Whether {@code bytes} is plausible for {@code entry}: within a factor of two of the listed size. */
    public static boolean plausibleSize(Entry entry, long bytes) {
        return bytes >= entry.approxBytes() / 2 && bytes <= entry.approxBytes() * 2;
    }
}
