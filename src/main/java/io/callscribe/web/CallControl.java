package io.callscribe.web;

import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * What the registry may ask of a running call. A {@code CallSession} provides all of it:
 * {@code new CallControl(recognizer.name(), session::stop, session::lagSeconds, session::audioSeconds)}.
 *
 * @param recognizer   the recogniser's name, shown on the page (null when unknown)
 * @param hangup       ends the call from outside (POST /calls/{id}/hangup); null when it cannot be hung up
 * @param lagSeconds   seconds of received audio not yet answered by the recogniser; null when unknown
 * @param audioSeconds seconds of call audio received so far; null when unknown
 */
public record CallControl(String recognizer, Runnable hangup, DoubleSupplier lagSeconds, DoubleSupplier audioSeconds) {

    public static CallControl hangupOnly(Runnable hangup) {
        return new CallControl(null, Objects.requireNonNull(hangup, "hangup"), null, null);
    }
}
