package io.callscribe.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON-lines wire form of {@link TranscriptEvent}:
 * {@code {"event","call","at","speaker","text","start","end","words":[{word,start,end,conf}],"message"}},
 * fields that do not apply omitted.
 */
public final class EventJson {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private EventJson() {
    }

    public static ObjectNode toNode(TranscriptEvent event) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("event", event.kind());
        n.put("call", event.call());
        n.put("at", event.at().toString());
        switch (event) {
            case TranscriptEvent.CallStarted s -> {
                if (s.source() != null) {
                    n.put("source", s.source());
                }
                if (!s.parties().isEmpty()) {
                    n.set("parties", parties(s.parties()));
                }
            }
            case TranscriptEvent.Partial p -> {
                speaker(n, p.speaker());
                n.put("text", p.text());
            }
            case TranscriptEvent.Final f -> {
                speaker(n, f.speaker());
                n.put("text", f.text());
                seconds(n, "start", f.start());
                seconds(n, "end", f.end());
                n.set("words", words(f.words()));
            }
            case TranscriptEvent.CallEnded e -> {
                seconds(n, "end", e.end());
                if (e.reason() != null) {
                    n.put("message", e.reason());
                }
            }
            case TranscriptEvent.Dtmf d -> {
                speaker(n, d.speaker());
                n.put("digit", d.digit());
                seconds(n, "start", d.start());
            }
            case TranscriptEvent.CallError e -> n.put("message", e.message());
        }
        return n;
    }

    /** One line, no trailing newline. */
    public static String toLine(TranscriptEvent event) {
        return toNode(event).toString();
    }

    /**
     * The event a {@link #toNode} node stands for (times rounded as written). Throws {@link IllegalArgumentException}
     * naming what is wrong for a node that is not one: no or an unknown {@code event}, no {@code call} or {@code at}.
     */
    public static TranscriptEvent fromNode(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String kind = text(n, "event");
        String call = text(n, "call");
        String at = text(n, "at");
        if (kind == null || call == null || at == null) {
            throw new IllegalArgumentException("an event needs \"event\", \"call\" and \"at\"");
        }
        Instant time;
        try {
            time = Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("\"at\" is not an ISO-8601 instant: " + at);
        }
        return switch (kind) {
            case "call_start" -> new TranscriptEvent.CallStarted(call, time, text(n, "source"), parties(n.get("parties")));
            case "partial" -> new TranscriptEvent.Partial(call, time, text(n, "speaker"), text(n, "text"));
            case "final" -> new TranscriptEvent.Final(call, time, text(n, "speaker"), text(n, "text"),
                    seconds(n, "start"), seconds(n, "end"), words(n.get("words")));
            case "call_end" -> new TranscriptEvent.CallEnded(call, time, seconds(n, "end"), text(n, "message"));
            case "dtmf" -> new TranscriptEvent.Dtmf(call, time, text(n, "speaker"), text(n, "digit"), seconds(n, "start"));
            case "error" -> new TranscriptEvent.CallError(call, time, text(n, "message"));
            default -> throw new IllegalArgumentException("unknown event \"" + kind + "\"");
        };
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static double seconds(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }

    private static List<Word> words(JsonNode a) {
        List<Word> words = new ArrayList<>();
        if (a != null) {
            for (JsonNode w : a) {
                words.add(new Word(text(w, "word"), seconds(w, "start"), seconds(w, "end"), seconds(w, "conf")));
            }
        }
        return words;
    }

    private static List<CallParty> parties(JsonNode a) {
        List<CallParty> parties = new ArrayList<>();
        if (a != null) {
            for (JsonNode p : a) {
                Map<String, String> vars = new LinkedHashMap<>();
                JsonNode v = p.get("variables");
                if (v != null) {
                    v.fields().forEachRemaining(f -> vars.put(f.getKey(), f.getValue().asText()));
                }
                parties.add(new CallParty(text(p, "speaker"), text(p, "role"), text(p, "channel"), text(p, "uniqueid"),
                        text(p, "linkedid"), text(p, "caller_number"), text(p, "caller_name"), text(p, "connected_number"),
                        text(p, "connected_name"), text(p, "dialed_exten"), text(p, "context"), vars));
            }
        }
        return parties;
    }

    public static ArrayNode words(List<Word> words) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Word w : words) {
            ObjectNode o = a.addObject();
            o.put("word", w.word());
            o.put("start", round(w.start()));
            o.put("end", round(w.end()));
            o.put("conf", round(w.conf()));
        }
        return a;
    }

    /** {@code [{speaker, role, channel, uniqueid, linkedid, caller_number, ..., variables:{}}]}. */
    public static ArrayNode parties(List<CallParty> parties) {
        ArrayNode a = MAPPER.createArrayNode();
        for (CallParty p : parties) {
            ObjectNode o = a.addObject();
            o.put("speaker", p.speaker());
            o.put("role", p.role());
            o.put("channel", p.channel());
            o.put("uniqueid", p.uniqueid());
            o.put("linkedid", p.linkedid());
            o.put("caller_number", p.callerNumber());
            o.put("caller_name", p.callerName());
            o.put("connected_number", p.connectedNumber());
            o.put("connected_name", p.connectedName());
            o.put("dialed_exten", p.dialedExten());
            o.put("context", p.context());
            ObjectNode vars = o.putObject("variables");
            new java.util.TreeMap<>(p.variables()).forEach(vars::put);
        }
        return a;
    }

    private static void speaker(ObjectNode n, String speaker) {
        if (speaker != null) {
            n.put("speaker", speaker);
        }
    }

    private static void seconds(ObjectNode n, String field, double value) {
        if (!Double.isNaN(value)) {
            n.put(field, round(value));
        }
    }

    /** Millisecond precision is all a transcript needs and keeps lines short. */
    static double round(double seconds) {
        return Math.round(seconds * 1000.0) / 1000.0;
    }
}
