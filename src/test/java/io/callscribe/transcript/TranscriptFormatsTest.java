package io.callscribe.transcript;

import io.callscribe.event.TranscriptEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TranscriptFormatsTest {

    @Test
    void twoSpeakersInterleaveByTimeNotByArrival() {
        Instant t = Instant.EPOCH;
        CallTranscript ct = new CallTranscript("c");
        ct.apply(new TranscriptEvent.CallStarted("c", t, "two files"));
        ct.apply(new TranscriptEvent.Final("c", t, "agent", "how can i help", 1.0, 2.0, List.of()));
        ct.apply(new TranscriptEvent.Final("c", t, "agent", "sure", 6.0, 6.5, List.of()));
        ct.apply(new TranscriptEvent.Final("c", t, "caller", "my parcel is late", 3.0, 5.0, List.of()));
        ct.apply(new TranscriptEvent.Partial("c", t, "caller", "thank"));
        var snap = ct.snapshot();
        assertThat(snap.live()).isTrue();
        assertThat(snap.partials()).containsEntry("caller", "thank");
        assertThat(TranscriptFormats.text(snap)).isEqualTo("how can i help\nmy parcel is late\nsure\n");
        assertThat(TranscriptFormats.webVtt(snap)).contains("00:00:03.000 --> 00:00:05.000\n<v caller>my parcel is late");
    }

    @Test
    void vttTimesRollOverMinutesAndHours() {
        assertThat(TranscriptFormats.vttTime(3723.4567)).isEqualTo("01:02:03.457");
    }

    @Test
    void vttCueTextCannotMakeTagsOrEndTheCue() {
        Instant t = Instant.EPOCH;
        CallTranscript ct = new CallTranscript("c");
        ct.apply(new TranscriptEvent.CallStarted("c", t, "x"));
        ct.apply(new TranscriptEvent.Final("c", t, "a>b", "<b>bold</b> & --> next\n\nWEBVTT", 1.0, 2.0, List.of()));
        String vtt = TranscriptFormats.webVtt(ct.snapshot());
        assertThat(vtt).contains("<v a&gt;b>&lt;b&gt;bold&lt;/b&gt; &amp; --&gt; next  WEBVTT\n");
        assertThat(vtt).doesNotContain("-->  next").doesNotContain("<b>");
        assertThat(vtt.split("\n\n")).hasSize(2); // header, one cue: no blank line inside the cue
    }
}
