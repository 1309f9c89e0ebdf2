package io.callscribe.event;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class EventJsonTest {

    @Test
    void dtmfIsOneJsonLineWithDigitAndCallTime() throws Exception {
        String line = EventJson.toLine(new TranscriptEvent.Dtmf("c1", Instant.parse("2026-12-02T01:00:00Z"), null, "5", 12.25));
        assertThat(EventJson.MAPPER.readTree(line)).isEqualTo(EventJson.MAPPER.readTree(
                "{\"event\":\"dtmf\",\"call\":\"c1\",\"at\":\"2026-12-02T01:00:00Z\",\"digit\":\"5\",\"start\":12.25}"));
        String withSpeaker = EventJson.toLine(new TranscriptEvent.Dtmf("c1", Instant.EPOCH, "caller", "#", 1));
        assertThat(EventJson.MAPPER.readTree(withSpeaker).get("speaker").asText()).isEqualTo("caller");
    }
}
