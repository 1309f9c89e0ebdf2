package io.callscribe.engine.vosk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.Word;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns libvosk's JSON results into {@link RecognitionResult}s: {@code {"partial": ..}},
 * {@code {"text": .., "result": [words]}}, or {@code {"alternatives": [{"text", "confidence", "result"}]}}.
 */
public final class VoskResultParser {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VoskResultParser() {
    }

    /** @throws IllegalArgumentException when {@code json} is not a Vosk result */
    public static RecognitionResult parse(String json) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a Vosk result (bad JSON): " + abbreviate(json), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a Vosk result (not a JSON object): " + abbreviate(json));
        }
        if (n.has("partial")) {
            return new RecognitionResult.Partial(n.get("partial").asText());
        }
        if (n.has("alternatives")) {
            List<RecognitionResult.Alternative> alts = new ArrayList<>();
            for (JsonNode a : n.get("alternatives")) {
                alts.add(new RecognitionResult.Alternative(a.path("text").asText(""), a.path("confidence").asDouble(Double.NaN),
                        words(a.path("result"))));
            }
            if (alts.isEmpty()) {
                return RecognitionResult.Final.of("", List.of());
            }
            RecognitionResult.Alternative best = alts.get(0);
            RecognitionResult.Final f = RecognitionResult.Final.of(best.text(), best.words());
            return new RecognitionResult.Final(f.text(), f.start(), f.end(), f.words(), alts);
        }
        if (n.has("text")) {
            return RecognitionResult.Final.of(n.get("text").asText(), words(n.path("result")));
        }
        throw new IllegalArgumentException("not a Vosk result (no partial, text or alternatives): " + abbreviate(json));
    }

    private static List<Word> words(JsonNode array) {
        List<Word> words = new ArrayList<>();
        for (JsonNode w : array) {
            words.add(new Word(w.path("word").asText(), w.path("start").asDouble(), w.path("end").asDouble(),
                    w.path("conf").asDouble(1.0)));
        }
        return words;
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
