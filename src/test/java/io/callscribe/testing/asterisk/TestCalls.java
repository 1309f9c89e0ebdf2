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
     * Like {@link #bridged(PrivateAsterisk, String, String, TestAudio.Clip, TestAudio.Clip)}, but originated by ARI
     * with {@code formats=slin16}: the CLI's originate gives the Local channels 8 kHz slin, so 16 kHz clips would be
     * resampled twice; at 16 kHz end to end the audio the parties send is the clips' samples. {@code context} must
     * hold the playing side {@code ari-play} ({@code Playback(SOUNDS/${EXTEN}-caller)}) next to the test's dialplan.
     * The caller's party in the bridge (the Local pair's ;2 half, running {@code id@context}) gets the channel id
     * {@code callerPartyId} when not null (e.g. for a fault aimed at its ARI requests).
     */
    public static BridgedCall bridgedByAri(PrivateAsterisk asterisk, String id, String context, TestAudio.Clip callerAudio,
                                           TestAudio.Clip calleeAudio, String callerPartyId) throws IOException, InterruptedException {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("call id '" + id + "' must match " + ID.pattern());
        }
        double seconds = Math.max(callerAudio.seconds(), calleeAudio.seconds());
        Path caller = TestAudio.place(asterisk, id + "-caller", callerAudio.paddedTo(seconds + 0.5));
        Path callee = TestAudio.place(asterisk, id + "-callee", calleeAudio.paddedTo(seconds));
        String query = "endpoint=" + enc("Local/" + id + "@" + context + "/n") + "&extension=" + enc(id)
                + "&context=ari-play&priority=1&formats=slin16" + (callerPartyId == null ? "" : "&otherChannelId=" + enc(callerPartyId));
        java.net.http.HttpResponse<String> r = asterisk.ari("POST", "/channels?" + query);
        if (r.statusCode() != 200) {
            throw new IOException("ARI originate of " + id + ": " + r.statusCode() + " " + r.body());
        }
        return new BridgedCall(id, caller, callee, seconds + 0.5);
    }

    /**
     * The dialplan context the ARI-originated calls play the caller's side from (see {@link #bridgedByAri}), for the
     * instance built in {@code asteriskWorkDir} ({@link PrivateAsterisk#builder}).
     */
    public static String ariPlayContext(Path asteriskWorkDir) {
        return """
                ; ARI-originated calls (formats=slin16: the whole call runs at 16 kHz, nothing is resampled)
                [ari-play]
                exten => _[0-9a-zA-Z].,1,Playback(%s/${EXTEN}-caller)
                 same => n,Hangup()

                """.formatted(asteriskWorkDir.resolve("sounds"));
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
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
