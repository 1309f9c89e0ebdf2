package io.callscribe.event;

import java.util.Map;
import java.util.Objects;

/**
 * Who one speaker of a call is, as the PBX knows it (ARI mode): the Asterisk channel's uniqueid and the
 * call's linkedid, caller id, connected line, the extension dialled, and the channel variables the
 * configuration asked for. Empty strings for what Asterisk did not say.
 *
 * @param speaker the speaker label used in this call's events
 * @param role    {@code caller} or {@code callee} (the labels are configurable)
 */
public record CallParty(String speaker, String role, String channel, String uniqueid, String linkedid,
                        String callerNumber, String callerName, String connectedNumber, String connectedName,
                        String dialedExten, String context, Map<String, String> variables) {

    public CallParty {
        Objects.requireNonNull(speaker, "speaker");
        variables = Map.copyOf(variables);
    }
}
