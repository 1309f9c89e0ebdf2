package io.callscribe.testing;

import io.callscribe.source.audiosocket.AudioSocketCodec;
import io.callscribe.source.audiosocket.AudioSocketServer;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Test support: an AudioSocket listener's settings through {@link AudioSocketServer.Config}'s constructor, starting
 * from {@code callscribe run}'s defaults on 127.0.0.1, any free port, spilling into {@code spillDir}.
 */
public final class AudioSocketConfigBuilder {

    private final Path spillDir;
    private int bufferSeconds = AudioSocketServer.Config.DEFAULT_BUFFER_SECONDS;
    private Duration handshakeTimeout = AudioSocketServer.Config.DEFAULT_HANDSHAKE_TIMEOUT;
    private int maxCalls = AudioSocketServer.Config.DEFAULT_MAX_CALLS;
    private int maxSpillSeconds = AudioSocketServer.Config.DEFAULT_MAX_SPILL_SECONDS;
    private Duration readTimeout = AudioSocketServer.Config.DEFAULT_READ_TIMEOUT;

    private AudioSocketConfigBuilder(Path spillDir) {
        this.spillDir = spillDir;
    }

    public static AudioSocketConfigBuilder spillingInto(Path spillDir) {
        return new AudioSocketConfigBuilder(spillDir);
    }

    public AudioSocketConfigBuilder bufferSeconds(int seconds) {
        bufferSeconds = seconds;
        return this;
    }

    public AudioSocketConfigBuilder handshakeTimeout(Duration timeout) {
        handshakeTimeout = timeout;
        return this;
    }

    public AudioSocketConfigBuilder maxCalls(int calls) {
        maxCalls = calls;
        return this;
    }

    public AudioSocketConfigBuilder maxSpillSeconds(int seconds) {
        maxSpillSeconds = seconds;
        return this;
    }

    public AudioSocketConfigBuilder readTimeout(Duration timeout) {
        readTimeout = timeout;
        return this;
    }

    public AudioSocketServer.Config build() {
        return new AudioSocketServer.Config("127.0.0.1", 0, AudioSocketCodec.DEFAULT_MAX_PAYLOAD, bufferSeconds, spillDir,
                handshakeTimeout, maxCalls, maxSpillSeconds, readTimeout);
    }
}
