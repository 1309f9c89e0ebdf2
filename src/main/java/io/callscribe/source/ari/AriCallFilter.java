package io.callscribe.source.ari;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which two-party bridges are transcribed. By default all. The channel variable {@code CALLSCRIBE} on either
 * party decides first ({@code off} wins over {@code on}); then the dialplan contexts (either party's) and a
 * pattern on the caller's number, when configured, must match.
 */
public record AriCallFilter(Set<String> contexts, Pattern callers) {

    public static final String VARIABLE = "CALLSCRIBE";

    public AriCallFilter {
        contexts = Set.copyOf(contexts);
    }

    public static AriCallFilter all() {
        return new AriCallFilter(Set.of(), null);
    }

    /** Empty to transcribe, else why not (for the log). */
    Optional<String> reject(AriChannel caller, AriChannel callee, List<Optional<String>> switches) {
        boolean forcedOn = false;
        for (Optional<String> s : switches) {
            String v = s.map(x -> x.strip().toLowerCase(Locale.ROOT)).orElse("");
            if (v.equals("off") || v.equals("no") || v.equals("0") || v.equals("false")) {
                return Optional.of(VARIABLE + "=" + s.get() + " on a party");
            }
            if (v.equals("on") || v.equals("yes") || v.equals("1") || v.equals("true")) {
                forcedOn = true;
            }
        }
        if (forcedOn) {
            return Optional.empty();
        }
        if (!contexts.isEmpty() && !contexts.contains(caller.context()) && !contexts.contains(callee.context())) {
            return Optional.of("contexts " + caller.context() + "/" + callee.context() + " are not in " + contexts);
        }
        if (callers != null && !callers.matcher(caller.callerNumber()).matches()) {
            return Optional.of("caller number '" + caller.callerNumber() + "' does not match " + callers.pattern());
        }
        return Optional.empty();
    }
}
