package io.callscribe.transcript;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.event.EventJson;
import io.callscribe.event.TranscriptEvent;

import java.util.List;
import java.util.Locale;

/** Renders a call transcript as JSON (finals with words and metadata), plain text, or WebVTT subtitles. */
public final class TranscriptFormats {

    private TranscriptFormats() {
    }

    public static ObjectNode json(CallTranscript.Snapshot t) {
        ObjectNode root = EventJson.MAPPER.createObjectNode();
        root.put("call", t.callId());
        if (t.source() != null) {
            root.put("source", t.source());
        }
        if (t.startedAt() != null) {
            root.put("started", t.startedAt().toString());
        }
        if (t.endedAt() != null) {
            root.put("ended", t.endedAt().toString());
        }
        if (!t.parties().isEmpty()) {
            root.set("parties", EventJson.parties(t.parties()));
        }
        root.put("audio_seconds", Math.round(t.audioSeconds() * 1000) / 1000.0);
        if (t.endReason() != null) {
            root.put("end_reason", t.endReason());
        }
        root.set("finals", inCall(t.finals()));
        if (!t.dtmf().isEmpty()) {
            root.set("dtmf", inCall(t.dtmf()));
        }
        if (!t.errors().isEmpty()) {
            ArrayNode errors = root.putArray("errors");
            t.errors().forEach(errors::add);
        }
        return root;
    }

    /** The events as their JSON lines without what the transcript says once for all ("event", "call"). */
    private static ArrayNode inCall(List<? extends TranscriptEvent> events) {
        ArrayNode a = EventJson.MAPPER.createArrayNode();
        for (TranscriptEvent e : events) {
            ObjectNode n = EventJson.toNode(e);
            n.remove("event");
            n.remove("call");
            a.add(n);
        }
        return a;
    }

    /** One final per line, no labels or times: what a person pastes into a ticket. */
    public static String text(CallTranscript.Snapshot t) {
        return t.text();
    }

    public static String webVtt(CallTranscript.Snapshot t) {
        StringBuilder sb = new StringBuilder("WEBVTT\n");
        int cue = 1;
        for (TranscriptEvent.Final f : t.finals()) {
            if (Double.isNaN(f.start()) || Double.isNaN(f.end())) {
                continue;
            }
            sb.append('\n').append(cue++).append('\n')
                    .append(vttTime(f.start())).append(" --> ").append(vttTime(Math.max(f.end(), f.start()))).append('\n');
            if (f.speaker() != null) {
                sb.append("<v ").append(vttText(f.speaker())).append('>');
            }
            sb.append(vttText(f.text())).append('\n');
        }
        return sb.toString();
    }

    /**
     * Cue text as WebVTT wants it: {@code &}, {@code <} and {@code >} as character references (so no text makes a
     * tag or ends a voice span), line breaks as spaces (a blank line would end the cue), never {@code -->}.
     */
    static String vttText(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\n', '\r', '\t' -> sb.append(' ');
                default -> sb.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        return sb.toString();
    }

    static String vttTime(double seconds) {
        long ms = Math.round(seconds * 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }
}
