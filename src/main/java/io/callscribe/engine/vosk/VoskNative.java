package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognizerException;
import org.vosk.LibVosk;
import org.vosk.LogLevel;

import java.util.concurrent.locks.ReentrantLock;

/** Loads libvosk (bundled in the vosk jar, loaded by JNA) once, turning link failures into a clear error. */
public final class VoskNative {

    /**
     * A lock, not a monitor: loading unpacks libvosk from the jar (file I/O), and on JDK 21-23 a virtual thread blocked
     * on or inside {@code synchronized} pins its carrier.
     */
    private static final ReentrantLock LOADING = new ReentrantLock();
    private static volatile boolean loaded;

    private VoskNative() {
    }

    /**
     * Loads the native library and quiets its per-model INFO logging (warnings and errors still reach stderr).
     *
     * @throws RecognizerException when the library cannot be loaded on this OS/architecture
     */
    public static void load() throws RecognizerException {
        if (loaded) {
            return;
        }
        LOADING.lock();
        try {
            if (loaded) {
                return;
            }
            LibVosk.setLogLevel(LogLevel.WARNINGS);
            loaded = true;
        } catch (LinkageError e) {
            // UnsatisfiedLinkError, or NoClassDefFoundError after a failed static initialiser
            throw new RecognizerException("cannot load the Vosk native library (libvosk via JNA) on "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ": " + e.getMessage()
                    + "; the vosk jar bundles it for linux-x86-64, darwin and win32-x86-64 only"
                    + " (on Linux it also needs glibc and libstdc++)", false, e);
        } finally {
            LOADING.unlock();
        }
    }
}
