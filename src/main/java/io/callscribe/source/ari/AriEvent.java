package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The ARI events callscribe acts on; every other event type is {@link Other} and ignored.
 * {@link #parse} never throws on an event it does not know; a message that is not an event is rejected by name.
 */
public sealed interface AriEvent {

    /**
     * The event type as on the wire: each event acted on is a record named after its ARI type; {@link ChannelUpdate}
     * and {@link Other} carry the type they were sent with.
     */
    default String type() {
        return getClass().getSimpleName();
    }

    record ChannelEnteredBridge(AriBridge bridge, AriChannel channel) implements AriEvent {
    }

    record ChannelLeftBridge(AriBridge bridge, AriChannel channel) implements AriEvent {
    }

    record BridgeDestroyed(AriBridge bridge) implements AriEvent {
    }

    record StasisStart(AriChannel channel) implements AriEvent {
    }

    record StasisEnd(AriChannel channel) implements AriEvent {
    }

    record ChannelHangupRequest(AriChannel channel) implements AriEvent {
    }

    record ChannelDestroyed(AriChannel channel, String cause) implements AriEvent {
    }

    /**
     * Any other event that carries a channel snapshot ({@code ChannelCreated}, {@code ChannelStateChange},
     * {@code ChannelConnectedLine}, {@code ChannelDialplan}, {@code ChannelCallerId}...): callscribe only keeps the
     * snapshot, so that picking up a bridge needs no {@code GET /channels/{id}}.
     */
    record ChannelUpdate(String type, AriChannel channel) implements AriEvent {
    }

    record Other(String type) implements AriEvent {
    }

    /** The channel snapshot an event carries, if any. */
    default java.util.Optional<AriChannel> channelSnapshot() {
        return switch (this) {
            case ChannelEnteredBridge e -> java.util.Optional.of(e.channel());
            case ChannelLeftBridge e -> java.util.Optional.of(e.channel());
            case StasisStart e -> java.util.Optional.of(e.channel());
            case StasisEnd e -> java.util.Optional.of(e.channel());
            case ChannelHangupRequest e -> java.util.Optional.of(e.channel());
            case ChannelDestroyed e -> java.util.Optional.of(e.channel());
            case ChannelUpdate e -> java.util.Optional.of(e.channel());
            case BridgeDestroyed e -> java.util.Optional.empty();
            case Other o -> java.util.Optional.empty();
        };
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
            default -> n.path("channel").isObject() ? new ChannelUpdate(type, AriChannel.from(n.get("channel"))) : new Other(type);
        };
    }

    private static AriBridge bridge(JsonNode n) {
        return AriBridge.from(object(n, "bridge"));
    }

    private static AriChannel channel(JsonNode n) {
        return AriChannel.from(object(n, "channel"));
    }

    /** The event's object field {@code name}; its absence (or another type) is rejected by name. */
    private static JsonNode object(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException(n.path("type").asText() + " event without a \"" + name + "\"");
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
