package io.callscribe.session;

import io.callscribe.audio.MixMonitorWriter;
import io.callscribe.audio.PcmFormat;
import io.callscribe.transcript.AtomicFiles;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The WAV a leg writes once its recogniser failed for good (see {@link FailedAudio}). It is written like an Asterisk
 * recording: a 44-byte header whose sizes stay 0 until {@link #close()} fills them in and fsyncs the file and its
 * directory, so {@code callscribe transcribe} reads it as a recording still being written until then (and a file left
 * by a crash can still be transcribed). Never overwrites a file: a name in use gets {@code -2}, {@code -3}, ...
 * At most {@code maxBytes} of audio; what comes beyond is refused ({@link #write} returns false). One thread.
 */
final class UnrecognisedAudio implements Closeable {

    private final BoundedWav wav;
    private boolean closed;

    private UnrecognisedAudio(BoundedWav wav) {
        this.wav = wav;
    }

    /** The kept audio of one leg, under the first free name {@link FailedAudio#fileFor} gives. */
    static UnrecognisedAudio create(FailedAudio keep, String callId, String speaker, PcmFormat format)
            throws IOException {
        Files.createDirectories(keep.dir());
        long maxBytes = keep.maxBytes(format.bytesPerSecond(), format.frameBytes());
        for (int n = 1; ; n++) {
            Path file = keep.fileFor(callId, speaker, n);
            try {
                return new UnrecognisedAudio(new BoundedWav(MixMonitorWriter.durableWav(file, format), maxBytes));
            } catch (FileAlreadyExistsException e) {
                if (n >= 1000) {
                    throw e;
                }
            }
        }
    }

    Path file() {
        return wav.file();
    }

    /** Audio bytes kept so far. */
    long dataBytes() {
        return wav.dataBytes();
    }

    /** Keeps {@code length} bytes, or as many as the limit leaves; false when not all of them fit (the limit is reached). */
    boolean write(byte[] pcm, int offset, int length) throws IOException {
        return wav.write(pcm, offset, length);
    }

    /** True once audio beyond the limit was refused. */
    boolean full() {
        return wav.full();
    }

    /** Writes what is buffered, fills in the sizes (the "recording closed" signal) and makes the file durable. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        wav.close();
        AtomicFiles.syncDirectory(wav.file().toAbsolutePath().getParent());
    }
}
