package io.callscribe.session;

import io.callscribe.event.CallIds;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Whether live calls keep their audio ({@code --keep-audio}): with {@code dir}, each leg of a live call (AudioSocket,
 * ARI, chan_websocket) writes the audio its source delivered, before the voice-activity gate, to a WAV in {@code dir}:
 * {@code <call>.audio.wav}, {@code <call>.audio.<speaker>.wav} for a leg of a two-speaker call ({@code -2}, {@code -3},
 * ... when the name is taken), at most {@code maxSeconds} per leg. While the call goes on the WAV is
 * {@code <name>.partial.wav} (sizes 0, like a recording being written); at the leg's end it is fsynced and renamed,
 * so a file under its final name is complete. {@code callscribe transcribe} re-runs either. A recording keeps its
 * audio itself: its legs write nothing. Off ({@code dir} null): nothing is written.
 *
 * @param dir        where the WAVs go; null = off
 * @param maxSeconds audio kept per leg at most; what comes later is transcribed, not kept
 */
public record KeptAudio(Path dir, long maxSeconds) {

    public static final KeptAudio OFF = new KeptAudio(null, 0);

    static final String PARTIAL = ".partial";

    public KeptAudio {
        if (dir != null && (maxSeconds < 1 || maxSeconds > 86_400)) {
            throw new IllegalArgumentException("--keep-audio-max-seconds: " + maxSeconds + " s is not within 1..86400 s");
        }
    }

    public static KeptAudio keepIn(Path dir, long maxSeconds) {
        return new KeptAudio(Objects.requireNonNull(dir, "dir"), maxSeconds);
    }

    /**
     * Parses the settings: {@code dir} a directory or {@code off} (null or blank: off).
     *
     * @throws IllegalArgumentException naming the setting and the value
     */
    public static KeptAudio parse(String dir, long maxSeconds) {
        String d = dir == null ? "" : dir.strip();
        if (d.isEmpty() || d.equalsIgnoreCase("off")) {
            return OFF;
        }
        Path path;
        try {
            path = Path.of(d);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("--keep-audio: '" + dir + "' is neither a directory nor off: " + e.getReason());
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new IllegalArgumentException("--keep-audio: " + path + " exists and is not a directory");
        }
        return keepIn(path, maxSeconds);
    }

    public boolean off() {
        return dir == null;
    }

    /**
     * The {@code n}-th choice of name (1, then 2, 3, ... when taken) for the audio of a leg: {@code <call>.audio.wav},
     * {@code <call>.audio.<speaker>.wav}, {@code <call>.audio-2.wav}.
     */
    Path fileFor(String callId, String speaker, int n) {
        return dir.resolve(callId + ".audio" + (speaker == null ? "" : "." + CallIds.sanitize(speaker))
                + (n == 1 ? "" : "-" + n) + ".wav");
    }

    /** Where the audio of {@code file} is written while its leg goes on. */
    static Path partialOf(Path file) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.length() - ".wav".length()) + PARTIAL + ".wav");
    }

    /** Removes the kept audio of a call (with its transcript: {@code DELETE /calls/{id}}, retention). */
    public void delete(String callId) {
        if (off() || !CallIds.valid(callId) || !Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> kept = Files.newDirectoryStream(dir, callId + ".audio{,-*,.*}.wav")) {
            for (Path file : kept) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(KeptAudio.class).warn("call {}: cannot delete its kept audio in {}: {}", callId, dir,
                    e.getMessage());
        }
    }

    /** Bytes kept per leg at most, in whole frames, for audio of {@code bytesPerSecond}. */
    long maxBytes(int bytesPerSecond, int frameBytes) {
        long bytes = Math.min(maxSeconds * bytesPerSecond, FailedAudio.WAV_MAX_DATA_BYTES);
        return bytes - bytes % frameBytes;
    }
}
