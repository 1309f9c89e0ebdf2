package io.callscribe.session;

import io.callscribe.event.CallIds;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a leg does with its audio once its recogniser failed for good (reconnects exhausted, a connection the server
 * refuses): with {@code dir}, the audio no final confirmed and the rest of the call go to a WAV in {@code dir}
 * ({@code <call>.unrecognised.wav}, {@code <call>.unrecognised.<speaker>.wav} for a leg of a two-speaker call), at
 * most {@code maxSeconds} of it per leg, so that {@code callscribe transcribe} can transcribe it later. Off
 * ({@code dir} null): nothing is kept. Either way the leg reads its source to the end of the call. A recording keeps
 * its audio itself: its legs never write a WAV.
 *
 * @param dir        where the WAVs go (the out-dir, next to the transcripts); null = off
 * @param maxSeconds audio kept per leg at most; what comes later is read and counted, not kept
 */
public record FailedAudio(Path dir, long maxSeconds) {

    /** Whatever the rate, a WAV's 32-bit sizes cap its data at this many bytes. */
    static final long WAV_MAX_DATA_BYTES = 0xFFFF_FFFFL - 36;

    public static final FailedAudio OFF = new FailedAudio(null, 0);

    public FailedAudio {
        if (dir != null && maxSeconds <= 0) {
            throw new IllegalArgumentException("kept audio must be at least 1 s, not " + maxSeconds);
        }
    }

    public static FailedAudio keepIn(Path dir, long maxSeconds) {
        return new FailedAudio(Objects.requireNonNull(dir, "dir"), maxSeconds);
    }

    /**
     * Parses a setting: {@code off}, or seconds per leg (e.g. {@code 3600}).
     *
     * @throws IllegalArgumentException naming the setting and the value
     */
    public static FailedAudio parse(String value, Path dir) {
        String v = value == null ? "" : value.strip();
        if (v.equalsIgnoreCase("off")) {
            return OFF;
        }
        long seconds;
        try {
            seconds = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--keep-failed-audio: '" + value + "' is neither seconds nor off");
        }
        if (seconds < 1 || seconds > 86_400) {
            throw new IllegalArgumentException("--keep-failed-audio: " + seconds + " s is not within 1..86400 s (or off)");
        }
        return keepIn(dir, seconds);
    }

    public boolean off() {
        return dir == null;
    }

    /**
     * The {@code n}-th choice of name (1, then 2, 3, ... when taken) for the kept audio of a leg: {@code
     * <call>.unrecognised.wav}, {@code <call>.unrecognised.<speaker>.wav}, {@code <call>.unrecognised-2.wav}.
     */
    Path fileFor(String callId, String speaker, int n) {
        return dir.resolve(callId + ".unrecognised" + (speaker == null ? "" : "." + CallIds.sanitize(speaker))
                + (n == 1 ? "" : "-" + n) + ".wav");
    }

    /** Removes the kept audio of a call (with its transcript: {@code DELETE /calls/{id}}, retention). */
    public void delete(String callId) {
        if (off() || !CallIds.valid(callId) || !Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> kept = Files.newDirectoryStream(dir, callId + ".unrecognised*.wav")) {
            for (Path file : kept) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(FailedAudio.class).warn("call {}: cannot delete its kept audio in {}: {}", callId, dir,
                    e.getMessage());
        }
    }

    /** Bytes kept per leg at most, in whole frames, for audio of {@code bytesPerSecond}. */
    long maxBytes(int bytesPerSecond, int frameBytes) {
        long bytes = Math.min(maxSeconds * bytesPerSecond, WAV_MAX_DATA_BYTES);
        return bytes - bytes % frameBytes;
    }
}
