package io.callscribe.vad;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a call's legs go through a {@link VadGate} before the recogniser. {@code AUTO} (the default) gates the legs of
 * two-leg calls (each side is silent while the other talks) and leaves single-leg calls alone.
 */
public enum VadMode {
    AUTO, OFF, ON, AGGRESSIVE;

    /** The tuning for a call with {@code legs} legs, or empty when its audio is sent ungated. */
    public Optional<VadTuning> tuningFor(int legs) {
        return switch (this) {
            case OFF -> Optional.empty();
            case AUTO -> legs >= 2 ? Optional.of(VadTuning.STANDARD) : Optional.empty();
            case ON -> Optional.of(VadTuning.STANDARD);
            case AGGRESSIVE -> Optional.of(VadTuning.AGGRESSIVE);
        };
    }

    /** Parses {@code auto|off|on|aggressive}; the error names what is accepted. */
    public static VadMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vad must be auto, off, on or aggressive, not '" + text + "'");
        }
    }
}
