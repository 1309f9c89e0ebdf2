package io.callscribe.source.ari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AriEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static final String CHANNEL = "\"channel\":{\"id\":\"1.5\",\"name\":\"PJSIP/alice-1\",\"state\":\"Up\"}";
    private static final String BRIDGE = "\"bridge\":{\"id\":\"b1\",\"channels\":[\"1.5\",\"1.6\"]}";

    @ParameterizedTest
    @ValueSource(strings = {"ChannelEnteredBridge", "ChannelLeftBridge", "BridgeDestroyed", "StasisStart", "StasisEnd",
            "ChannelHangupRequest", "ChannelDestroyed", "ChannelStateChange", "PlaybackStarted"})
    void everyEventReportsTheTypeItWasSentWith(String type) throws Exception {
        AriEvent e = AriEvent.parse(json("{\"type\":\"" + type + "\"," + CHANNEL + "," + BRIDGE + "}"));
        assertThat(e.type()).isEqualTo(type);
    }

    @Test
    void eventsCarryTheirBridgeAndChannel() throws Exception {
        AriEvent e = AriEvent.parse(json("{\"type\":\"ChannelEnteredBridge\"," + CHANNEL + "," + BRIDGE + "}"));
        assertThat(e).isInstanceOfSatisfying(AriEvent.ChannelEnteredBridge.class, b -> {
            assertThat(b.bridge().id()).isEqualTo("b1");
            assertThat(b.channel().name()).isEqualTo("PJSIP/alice-1");
        });
        assertThat(AriEvent.parse(json("{\"type\":\"ChannelCreated\"," + CHANNEL + "}")))
                .isEqualTo(new AriEvent.ChannelUpdate("ChannelCreated", e.channelSnapshot().orElseThrow()));
        assertThat(AriEvent.parse(json("{\"type\":\"PlaybackStarted\"}"))).isEqualTo(new AriEvent.Other("PlaybackStarted"));
    }

    @Test
    void aMissingOrMistypedFieldIsRejectedByName() {
        assertThatThrownBy(() -> AriEvent.parse(json("{\"type\":\"ChannelLeftBridge\"," + CHANNEL + "}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ChannelLeftBridge event without a \"bridge\"");
        assertThatThrownBy(() -> AriEvent.parse(json("{\"type\":\"StasisStart\",\"channel\":\"1.5\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("StasisStart event without a \"channel\"");
        assertThatThrownBy(() -> AriEvent.parse(json("{\"channel\":{}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ARI event without a \"type\"");
    }
}
