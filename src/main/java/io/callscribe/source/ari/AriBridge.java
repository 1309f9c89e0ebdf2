package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** The parts of ARI's {@code Bridge} callscribe uses: its id, kind, and the ids of the channels in it. */
public record AriBridge(String id, String technology, String bridgeType, String creator, List<String> channels) {

    public AriBridge {
        channels = List.copyOf(channels);
    }

    static AriBridge from(JsonNode n) {
        List<String> ids = new ArrayList<>();
        n.path("channels").forEach(c -> ids.add(c.asText()));
        return new AriBridge(n.path("id").asText(), n.path("technology").asText(""),
                n.path("bridge_type").asText(""), n.path("creator").asText(""), ids);
    }
}
