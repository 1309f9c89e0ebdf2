package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The parts of ARI's {@code Channel} callscribe uses. {@code id} is the channel's uniqueid; ARI's model has
 * no linkedid, it is read as {@code CHANNEL(linkedid)} when a call is picked up.
 */
public record AriChannel(String id, String name, String state, String callerName, String callerNumber,
                         String connectedName, String connectedNumber, String context, String exten,
                         Instant created) {

    private static final DateTimeFormatter ARI_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    static AriChannel from(JsonNode n) {
        JsonNode caller = n.path("caller");
        JsonNode connected = n.path("connected");
        JsonNode dialplan = n.path("dialplan");
        return new AriChannel(n.path("id").asText(), n.path("name").asText(), n.path("state").asText(),
                caller.path("name").asText(""), caller.path("number").asText(""),
                connected.path("name").asText(""), connected.path("number").asText(""),
                dialplan.path("context").asText(""), dialplan.path("exten").asText(""),
                time(n.path("creationtime").asText("")));
    }

    static Instant time(String text) {
        try {
            return text.isEmpty() ? Instant.EPOCH : ARI_TIME.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
