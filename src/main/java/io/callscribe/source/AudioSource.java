package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.PcmFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Live audio of one call leg, pulled by the call session on its own (virtual) thread.
 * Implementations: a growing recording, an AudioSocket connection, one channel of a 2-channel file.
 */
public interface AudioSource extends AutoCloseable {

    /** For logs and events, e.g. {@code recording /var/spool/asterisk/monitor/1234.wav}. */
    String description();

    /**
     * The audio format; blocks until it is known (a recording's header may not be written yet).
     *
     * @throws AudioFormatException when the input is not audio callscribe can take (names the problem)
     */
    PcmFormat format() throws IOException, InterruptedException;

    /**
     * Reads up to {@code length} bytes of whole sample frames into {@code buffer}. Blocks until at least
     * one frame is available or the call has ended. Returns the number of bytes read, or -1 at end of call.
     */
    int read(byte[] buffer, int offset, int length) throws IOException, InterruptedException;

    /**
     * Ends the call from outside (SIGTERM, an API hangup): audio already available is still returned,
     * then {@link #read} returns -1. Safe from any thread; idempotent.
     */
    void stop();

    /**
     * True when audio arrives at the pace of the call (AudioSocket: a 20 ms frame every 20 ms), so the
     * session collects full chunks. False for bursty sources (a recording grows 32 KiB at a time): the
     * session sends what a burst gave as soon as the source has nothing more, instead of holding a
     * partial chunk until the next burst.
     */
    default boolean realTime() {
        return false;
    }

    /**
     * The file that keeps this leg's audio for good, when there is one (a recording): a leg whose recogniser fails
     * then keeps no copy of its own, since the recording can be transcribed again. Empty for live audio.
     */
    default Optional<Path> recording() {
        return Optional.empty();
    }

    /** Why the call ended, once {@link #read} returned -1 (e.g. "recording closed", "idle 15 s", "hangup"). */
    default String endReason() {
        return "end of audio";
    }

    @Override
    void close() throws IOException;

    /**
     * Where the leg's DTMF digits go, for sources that carry them (AudioSocket); digits that came before are
     * delivered first. The default ignores it: recordings have no DTMF.
     */
    default void setDtmfListener(DtmfListener listener) {
    }
}
