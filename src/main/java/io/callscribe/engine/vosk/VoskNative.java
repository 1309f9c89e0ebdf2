package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognizerException;
import org.vosk.LibVosk;
import org.vosk.LogLevel;

/** Loads libvosk (bundled in the vosk jar, loaded by JNA) once, turning link failures into a clear error. */
public final class VoskNative {

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
        synchronized (VoskNative.class) {
            if (loaded) {
                return;
            }
            try {
                LibVosk.setLogLevel(LogLevel.WARNINGS);
                loaded = true;
            } catch (LinkageError e) {
                // UnsatisfiedLinkError, or NoClassDefFoundError after a failed static initialiser
                throw new RecognizerException("cannot load the Vosk native library (libvosk via JNA) on "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ": " + e.getMessage()
                        + "; the vosk jar bundles it for linux-x86-64, darwin and win32-x86-64 only"
                        + " (on Linux it also needs glibc and libstdc++)", false, e);
            }
        }
    }
}
