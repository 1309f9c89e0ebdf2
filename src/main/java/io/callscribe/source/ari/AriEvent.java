package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The ARI events callscribe acts on; every other event type is {@link Other} and ignored.
 * {@link #parse} never throws on an event it does not know; a message that is not an event is rejected by name.
 */
public sealed interface AriEvent {

    String type();

    record ChannelEnteredBridge(AriBridge bridge, AriChannel channel) implements AriEvent {
        public String type() {
            return "ChannelEnteredBridge";
        }
    }

    record ChannelLeftBridge(AriBridge bridge, AriChannel channel) implements AriEvent {
        public String type() {
            return "ChannelLeftBridge";
        }
    }

    record BridgeDestroyed(AriBridge bridge) implements AriEvent {
        public String type() {
            return "BridgeDestroyed";
        }
    }

    record StasisStart(AriChannel channel) implements AriEvent {
        public String type() {
            return "StasisStart";
        }
    }

    record StasisEnd(AriChannel channel) implements AriEvent {
        public String type() {
            return "StasisEnd";
        }
    }

    record ChannelHangupRequest(AriChannel channel) implements AriEvent {
        public String type() {
            return "ChannelHangupRequest";
        }
    }

    record ChannelDestroyed(AriChannel channel, String cause) implements AriEvent {
        public String type() {
            return "ChannelDestroyed";
        }
    }

    record Other(String type) implements AriEvent {
    }

    static AriEvent parse(JsonNode n) {
        JsonNode typeNode = n.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new IllegalArgumentException("ARI event without a \"type\": " + abbreviate(n.toString()));
        }
        String type = typeNode.asText();
        return switch (type) {
            case "ChannelEnteredBridge" -> new ChannelEnteredBridge(bridge(n), channel(n));
            case "ChannelLeftBridge" -> new ChannelLeftBridge(bridge(n), channel(n));
            case "BridgeDestroyed" -> new BridgeDestroyed(bridge(n));
            case "StasisStart" -> new StasisStart(channel(n));
            case "StasisEnd" -> new StasisEnd(channel(n));
            case "ChannelHangupRequest" -> new ChannelHangupRequest(channel(n));
            case "ChannelDestroyed" -> new ChannelDestroyed(channel(n), n.path("cause_txt").asText(""));
            default -> new Other(type);
        };
    }

    private static AriBridge bridge(JsonNode n) {
        JsonNode b = n.get("bridge");
        if (b == null || !b.isObject()) {
            throw new IllegalArgumentException(n.path("type").asText() + " event without a \"bridge\"");
        }
        return AriBridge.from(b);
    }

    private static AriChannel channel(JsonNode n) {
        JsonNode c = n.get("channel");
        if (c == null || !c.isObject()) {
            throw new IllegalArgumentException(n.path("type").asText() + " event without a \"channel\"");
        }
        return AriChannel.from(c);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
