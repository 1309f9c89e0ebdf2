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

    @Test
    void everyEventReadsBackAsItWasWritten() {
        Instant at = Instant.parse("2026-12-02T01:00:00Z");
        var party = new CallParty("caller", "caller", "PJSIP/100-0001", "1.1", "1.1", "100", "Ann", "200", "Bob",
                "200", "internal", java.util.Map.of("QUEUE", "sales"));
        java.util.List<TranscriptEvent> events = java.util.List.of(
                new TranscriptEvent.CallStarted("c1", at, "ari", java.util.List.of(party)),
                new TranscriptEvent.CallStarted("c1", at, null),
                new TranscriptEvent.Partial("c1", at, "caller", "hel"),
                new TranscriptEvent.Final("c1", at, null, "hello there", 0.5, 1.25,
                        java.util.List.of(new Word("hello", 0.5, 0.9, 0.98), new Word("there", 0.9, 1.25, 0.91))),
                new TranscriptEvent.Final("c1", at, "agent", "no times", Double.NaN, Double.NaN, java.util.List.of()),
                new TranscriptEvent.Dtmf("c1", at, "caller", "#", 3.5),
                new TranscriptEvent.CallError("c1", at, "recogniser gone"),
                new TranscriptEvent.CallEnded("c1", at, 4.0, TranscriptEvent.CallEnded.SHUT_DOWN));
        for (TranscriptEvent e : events) {
            assertThat(EventJson.fromNode(EventJson.toNode(e))).as(e.kind()).isEqualTo(e);
        }
    }

    @Test
    void aNodeThatIsNoEventIsRefusedNamingWhy() throws Exception {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventJson.fromNode(EventJson.MAPPER.readTree("{\"event\":\"final\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"call\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventJson.fromNode(EventJson.MAPPER.readTree(
                        "{\"event\":\"hello\",\"call\":\"c\",\"at\":\"2026-12-02T01:00:00Z\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown event \"hello\"");
    }
}
