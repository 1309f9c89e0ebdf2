package io.callscribe.source;

import io.callscribe.audio.PcmFormat;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How much audio one live call (AudioSocket, chan_websocket, RTP) may hold while its session lags behind the connection:
 * {@code memorySeconds} in memory, then up to {@code maxSpillSeconds} more in a temp file in {@code spillDir}. Beyond
 * both the call ends with an {@link AudioBufferFullException} after the audio held until then, which the session still
 * transcribes ({@link LiveAudioSource#offer}).
 *
 * @param settingPrefix the option the settings' names start with ({@code --audiosocket}: {@code
 *                      --audiosocket-buffer-seconds} and {@code --audiosocket-max-spill-seconds}), for errors and logs
 */
public record BufferLimits(String settingPrefix, int memorySeconds, int maxSpillSeconds, Path spillDir) {

    public static final int DEFAULT_MEMORY_SECONDS = 60;
    public static final int DEFAULT_MAX_SPILL_SECONDS = 3600;

    public BufferLimits {
        Objects.requireNonNull(settingPrefix, "settingPrefix");
        Objects.requireNonNull(spillDir, "spillDir");
        if (memorySeconds < 1) {
            throw new IllegalArgumentException(settingPrefix + "-buffer-seconds must be at least 1, got " + memorySeconds);
        }
        if (maxSpillSeconds < 0) {
            throw new IllegalArgumentException(settingPrefix + "-max-spill-seconds must be 0 or more, got " + maxSpillSeconds);
        }
    }

    /** The defaults (60 s in memory, 3600 s on disk, the system temp directory) of the settings named {@code settingPrefix-...}. */
    public static BufferLimits defaults(String settingPrefix) {
        return of(settingPrefix, DEFAULT_MEMORY_SECONDS, DEFAULT_MAX_SPILL_SECONDS);
    }

    /** These limits, spilling into the system temp directory. */
    public static BufferLimits of(String settingPrefix, int memorySeconds, int maxSpillSeconds) {
        return new BufferLimits(settingPrefix, memorySeconds, maxSpillSeconds, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Memory and disk together: the most audio a call may have waiting for its session. */
    public long totalSeconds() {
        return (long) memorySeconds + maxSpillSeconds;
    }

    long memoryBytes(PcmFormat f) {
        return (long) memorySeconds * f.bytesPerSecond();
    }

    long capacityBytes(PcmFormat f) {
        return totalSeconds() * f.bytesPerSecond();
    }

    /** {@code --x-buffer-seconds + --x-max-spill-seconds}: what an operator raises when the limit is hit. */
    String settings() {
        return settingPrefix + "-buffer-seconds + " + settingPrefix + "-max-spill-seconds";
    }
}
