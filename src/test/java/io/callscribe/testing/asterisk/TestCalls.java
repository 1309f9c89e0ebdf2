package io.callscribe.testing.asterisk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The standard test call on a {@link PrivateAsterisk}: two parties bridged through Local channel pairs, no SIP.
 * {@code channel originate Local/ID@CONTEXT/n application Playback CALLER_FILE}: the originated channel plays
 * the caller's audio; the extension {@code ID} of {@code CONTEXT} runs on the other half of that Local pair and
 * must end with {@code Dial(Local/${EXTEN}@callscribe-callee/n)} (the built-in context {@code callscribe-bridge}
 * does only that); the callee answers, plays the callee's audio and waits for the caller to hang up. {@code bridge show all} then shows one
 * simple bridge with two channels, each carrying one speaker. Both sides are padded with silence to the longer
 * clip's length, the caller's by 0.5 s more: the caller's Playback ending hangs the call up.
 * In the dialplan at {@code ID@CONTEXT}, what the channel receives ({@code MixMonitor r()}) is the caller.
 */
public final class TestCalls {

    /** Extensions made of these characters match the built-in contexts' pattern; at least two of them. */
    private static final Pattern ID = Pattern.compile("[0-9a-zA-Z][0-9a-zA-Z._-]+");

    private TestCalls() {
    }

    /** What was placed: the call's id, the audio each side plays (after padding) and its length. */
    public record BridgedCall(String id, Path callerFile, Path calleeFile, double seconds) {
    }

    /** A bridged call through the built-in context {@code callscribe-bridge} (nothing in between). */
    public static BridgedCall bridged(PrivateAsterisk asterisk, String id, TestAudio.Clip callerAudio,
                                      TestAudio.Clip calleeAudio) throws IOException {
        return bridged(asterisk, id, "callscribe-bridge", callerAudio, calleeAudio);
    }

    /**
     * A bridged call whose first leg runs {@code id@context} of the test's dialplan (e.g. a MixMonitor before
     * the Dial to {@code callscribe-callee}).
     */
    public static BridgedCall bridged(PrivateAsterisk asterisk, String id, String context, TestAudio.Clip callerAudio,
                                      TestAudio.Clip calleeAudio) throws IOException {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("call id '" + id + "' must match " + ID.pattern());
        }
        double seconds = Math.max(callerAudio.seconds(), calleeAudio.seconds());
        Path caller = TestAudio.place(asterisk, id + "-caller", callerAudio.paddedTo(seconds + 0.5));
        Path callee = TestAudio.place(asterisk, id + "-callee", calleeAudio.paddedTo(seconds));
        asterisk.originateApplication("Local/" + id + "@" + context + "/n", "Playback", caller.toString());
        return new BridgedCall(id, caller, callee, seconds + 0.5);
    }

    /**
     * One party: {@code Local/ID@CONTEXT/n} plays {@code audio} into extension {@code id@context} of the test's
     * dialplan (which e.g. runs {@code AudioSocket()}); returns the path played.
     */
    public static Path single(PrivateAsterisk asterisk, String id, String context, TestAudio.Clip audio)
            throws IOException {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("call id '" + id + "' must match " + ID.pattern());
        }
        Path file = TestAudio.place(asterisk, id + "-caller", audio);
        asterisk.originateApplication("Local/" + id + "@" + context + "/n", "Playback", file.toString());
        return file;
    }
}
