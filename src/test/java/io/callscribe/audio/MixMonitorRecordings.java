package io.callscribe.audio;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Test support: MixMonitor-like recordings callscribe itself never writes (it writes WAV only): headerless
 * {@code .sln}/{@code .raw} files, and writers with any buffer size to provoke odd-sized file growth.
 */
public final class MixMonitorRecordings {

    private MixMonitorRecordings() {
    }

    /** A headerless recording like MixMonitor's {@code .sln}/{@code .raw}, with the 32 KiB buffer. */
    public static MixMonitorWriter headerless(Path file, PcmFormat format) throws IOException {
        return new MixMonitorWriter(file, format, false, MixMonitorWriter.ASTERISK_BUFFER_BYTES, null);
    }

    /** Any buffer size (at least the header's, for WAV). */
    public static MixMonitorWriter create(Path file, PcmFormat format, boolean wavHeader, int bufferBytes)
            throws IOException {
        if (bufferBytes < (wavHeader ? WavHeader.CANONICAL_SIZE : 1)) {
            throw new IllegalArgumentException("buffer of " + bufferBytes + " bytes is too small");
        }
        return new MixMonitorWriter(file, format, wavHeader, bufferBytes, null);
    }
}
