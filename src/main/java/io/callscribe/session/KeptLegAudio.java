package io.callscribe.session;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.transcript.AtomicFiles;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The WAV of one leg's audio that {@code --keep-audio} asks for (see {@link KeptAudio}): written to
 * {@code <name>.partial.wav} like an Asterisk recording (sizes 0 until closed), then at the leg's end fsynced and
 * renamed to its name, the directory fsynced too. Never replaces a file: a name in use (or its partial) gets
 * {@code -2}, {@code -3}, ... At most {@code maxBytes} of audio; beyond it {@link #write} returns false. One thread.
 */
final class KeptLegAudio {

    private final BoundedWav wav;
    private final Path file;
    private boolean done;

    private KeptLegAudio(BoundedWav wav, Path file) {
        this.wav = wav;
        this.file = file;
    }

    /** Opens the partial WAV of a leg under the first name free both as itself and as a partial. */
    static KeptLegAudio create(KeptAudio keep, String callId, String speaker, PcmFormat format) throws IOException {
        Files.createDirectories(keep.dir());
        long maxBytes = keep.maxBytes(format.bytesPerSecond(), format.frameBytes());
        for (int n = 1; ; n++) {
            Path file = keep.fileFor(callId, speaker, n);
            if (!Files.exists(file)) {
                try {
                    return new KeptLegAudio(new BoundedWav(MixMonitorWriter.durableWav(KeptAudio.partialOf(file), format), maxBytes), file);
                } catch (FileAlreadyExistsException e) {
                    // another leg writes under this name: try the next
                }
            }
            if (n >= 1000) {
                throw new FileAlreadyExistsException(file.toString(), null, "1000 names of this call's audio are taken");
            }
        }
    }

    /** The name the WAV has once the leg ended. */
    Path file() {
        return file;
    }

    /** Where the audio is written until then. */
    Path partial() {
        return wav.file();
    }

    long dataBytes() {
        return wav.dataBytes();
    }

    /** Keeps {@code length} bytes, or as many as the limit leaves; false when not all of them fit. */
    boolean write(byte[] pcm, int offset, int length) throws IOException {
        return wav.write(pcm, offset, length);
    }

    /** True once audio beyond the limit was refused. */
    boolean full() {
        return wav.full();
    }

    /**
     * Writes what is buffered, fills in the sizes, fsyncs the file, renames it to {@link #file()} and fsyncs the
     * directory. On failure the partial file is removed (nothing half-kept is left behind) and the error thrown.
     */
    void finish() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            wav.close();
            Files.move(wav.file(), file); // no REPLACE_EXISTING: never overwrites; same directory, so a rename
            AtomicFiles.syncDirectory(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            Files.deleteIfExists(wav.file());
            throw e;
        }
    }

    /** Gives up: closes and removes the partial file. Errors here are only reported back, the file may stay. */
    void abandon() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            wav.close();
        } finally {
            Files.deleteIfExists(wav.file());
        }
    }
}
