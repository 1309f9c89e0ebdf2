package io.callscribe.vosk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Alternative;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.event.Word;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Vosk WebSocket protocol on the wire, both directions, strict: every rejection names the fault and
 * quotes what was received. Used by the WebSocket client ({@code asr.vosk}), by {@code serve}
 * ({@code server}) and, for libvosk's JSON results, by the in-process engine ({@code engine.vosk}).
 * Replies are pretty-printed like vosk-server's, so they are always parsed as JSON, never compared as strings.
 */
public final class VoskCodec {

    /** End of stream; vosk-server compares this exact string, spaces included. */
    static final String EOF = "{\"eof\" : 1}";
    /** End of the current utterance; the connection stays open. */
    static final String RESET = "{\"reset\" : 1}";
    /** Rates a config may name: below is not speech audio, above no sound card records. */
    public static final int MIN_SAMPLE_RATE = 1000;
    public static final int MAX_SAMPLE_RATE = 384_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    private static final int QUOTE_LIMIT = 200;

    private VoskCodec() {
    }

    // ---------------------------------------------------------------- client -> server

    /** The text frame of a config, eof or reset message (audio goes as a binary frame of its PCM). */
    public static String encodeText(VoskMessage message) {
        return switch (message) {
            case VoskMessage.Eof e -> EOF;
            case VoskMessage.Reset r -> RESET;
            case VoskMessage.Config c -> {
                ObjectNode config = MAPPER.createObjectNode();
                c.sampleRate().ifPresent(r -> config.put("sample_rate", r));
                c.words().ifPresent(w -> config.put("words", w));
                c.maxAlternatives().ifPresent(a -> config.put("max_alternatives", a));
                c.phraseList().ifPresent(p -> {
                    ArrayNode phrases = config.putArray("phrase_list");
                    p.forEach(phrases::add);
                });
                ObjectNode root = MAPPER.createObjectNode();
                root.set("config", config);
                yield root.toString();
            }
            case VoskMessage.Audio a -> throw new IllegalArgumentException("audio is sent as a binary frame, not text");
        };
    }

    /**
     * A binary frame from a client.
     *
     * @throws VoskProtocolException ({@link VoskCloseStatus#INVALID_DATA}) when it is not whole 16-bit samples
     */
    public static VoskMessage.Audio decodeAudio(byte[] pcm) throws VoskProtocolException {
        if ((pcm.length & 1) != 0) {
            throw new VoskProtocolException(VoskCloseStatus.INVALID_DATA, "binary message of " + pcm.length
                    + " bytes is not whole 16-bit samples");
        }
        return new VoskMessage.Audio(pcm);
    }

    /**
     * A text frame from a client: the exact eof or reset strings, or a config object.
     *
     * @throws VoskProtocolException {@link VoskCloseStatus#UNSUPPORTED_DATA} for a message of another kind,
     *                               {@link VoskCloseStatus#INVALID_DATA} for malformed JSON or config values
     */
    public static VoskMessage decodeText(String text) throws VoskProtocolException {
        if (EOF.equals(text)) {
            return new VoskMessage.Eof();
        }
        if (RESET.equals(text)) {
            return new VoskMessage.Reset();
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid("text message is not JSON: " + quote(text));
        }
        if (root == null || !root.isObject() || !root.path("config").isObject()) {
            throw new VoskProtocolException(VoskCloseStatus.UNSUPPORTED_DATA, "unknown text message (expected config, "
                    + EOF + " or " + RESET + "): " + quote(text));
        }
        JsonNode c = root.get("config");
        OptionalInt rate = OptionalInt.empty();
        if (c.has("sample_rate")) {
            rate = OptionalInt.of(sampleRate(c.get("sample_rate")));
        }
        Optional<Boolean> words = Optional.empty();
        if (c.has("words")) {
            JsonNode w = c.get("words");
            if (!w.isBoolean() && !w.isNumber()) {
                throw invalid("config words is not a boolean: " + w);
            }
            words = Optional.of(w.isBoolean() ? w.asBoolean() : w.asInt() != 0);
        }
        OptionalInt alternatives = OptionalInt.empty();
        if (c.has("max_alternatives")) {
            JsonNode a = c.get("max_alternatives");
            if (!a.canConvertToInt() || a.asInt() < 0) {
                throw invalid("config max_alternatives is not a count: " + a);
            }
            alternatives = OptionalInt.of(a.asInt());
        }
        Optional<List<String>> phrases = Optional.empty();
        if (c.has("phrase_list")) {
            JsonNode p = c.get("phrase_list");
            if (!p.isArray()) {
                throw invalid("config phrase_list is not an array: " + quote(p.toString()));
            }
            List<String> list = new ArrayList<>();
            p.forEach(e -> list.add(e.asText()));
            phrases = Optional.of(list);
        }
        return new VoskMessage.Config(rate, words, alternatives, phrases);
    }

    private static int sampleRate(JsonNode r) throws VoskProtocolException {
        // vosk-server takes the rate as a float (e.g. 16000.0); a fraction of a hertz is no rate.
        if (!r.isNumber() || r.asDouble() != Math.rint(r.asDouble())) {
            throw invalid("config sample_rate " + quote(r.toString()) + " is not a whole number of Hz");
        }
        double hz = r.asDouble();
        if (hz < MIN_SAMPLE_RATE || hz > MAX_SAMPLE_RATE) {
            throw invalid("config sample_rate " + r.asText() + " Hz is out of range (" + MIN_SAMPLE_RATE + " to "
                    + MAX_SAMPLE_RATE + " Hz)");
        }
        return (int) hz;
    }

    // ---------------------------------------------------------------- server -> client

    /**
     * A reply in vosk-server's shape, pretty-printed: {@code {"partial" : "..."}}; a final as
     * {@code {"result": [...], "text": "..."}} ({@code result} only with words on and some words), or with
     * {@code maxAlternatives > 0} {@code {"alternatives": [{"confidence", "result", "text"}...]}}.
     */
    public static String encodeReply(RecognitionResult result, boolean words, int maxAlternatives) {
        ObjectNode root = MAPPER.createObjectNode();
        switch (result) {
            case Partial p -> root.put("partial", p.text());
            case Final f when maxAlternatives > 0 -> {
                List<Alternative> alternatives = f.alternatives().isEmpty()
                        ? List.of(new Alternative(f.text(), meanConfidence(f.words()), f.words()))
                        : f.alternatives();
                ArrayNode array = root.putArray("alternatives");
                for (Alternative a : alternatives.subList(0, Math.min(maxAlternatives, alternatives.size()))) {
                    ObjectNode o = array.addObject();
                    o.put("confidence", a.confidence());
                    if (words && !a.words().isEmpty()) {
                        o.set("result", wordArray(a.words()));
                    }
                    o.put("text", a.text());
                }
            }
            case Final f -> {
                if (words && !f.words().isEmpty()) {
                    root.set("result", wordArray(f.words()));
                }
                root.put("text", f.text());
            }
        }
        try {
            return PRETTY.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON tree", e);
        }
    }

    /** {@code {"text" : ""}}: nothing was recognised. */
    public static String emptyFinalReply() {
        return encodeReply(Final.of("", List.of()), false, 0);
    }

    /**
     * Parses one reply (a vosk-server message or a libvosk result). An empty final ({@code {"text": ""}})
     * is a {@link Final} whose {@link Final#isEmpty()} is true. With alternatives, the first one gives the
     * text and words.
     *
     * @throws VoskProtocolException ({@link VoskCloseStatus#INVALID_DATA}) naming what is wrong and quoting the reply
     */
    public static RecognitionResult decodeReply(String reply) throws VoskProtocolException {
        JsonNode root;
        try {
            root = MAPPER.readTree(reply);
        } catch (JsonProcessingException e) {
            throw badReply("a reply that is not JSON", reply);
        }
        if (root == null || !root.isObject()) {
            throw badReply("a reply that is not a JSON object", reply);
        }
        if (root.has("partial")) {
            return new Partial(textOf(root.get("partial"), reply));
        }
        if (root.has("alternatives")) {
            return alternatives(root.get("alternatives"), reply);
        }
        if (root.has("text")) {
            String text = textOf(root.get("text"), reply);
            List<Word> words = root.has("result") ? words(root.get("result"), reply) : List.of();
            return Final.of(text, words);
        }
        throw badReply("an unknown reply", reply);
    }

    private static Final alternatives(JsonNode node, String reply) throws VoskProtocolException {
        if (!node.isArray()) {
            throw badReply("a reply whose alternatives are not an array", reply);
        }
        List<Alternative> alternatives = new ArrayList<>();
        for (JsonNode a : node) {
            if (!a.isObject()) {
                throw badReply("a reply with a malformed alternative", reply);
            }
            String text = textOf(a.get("text"), reply);
            double confidence = a.path("confidence").asDouble(Double.NaN);
            List<Word> words = a.has("result") ? words(a.get("result"), reply) : List.of();
            alternatives.add(new Alternative(text, confidence, words));
        }
        if (alternatives.isEmpty()) {
            return Final.of("", List.of());
        }
        Alternative best = alternatives.get(0);
        Final first = Final.of(best.text(), best.words());
        return new Final(first.text(), first.start(), first.end(), first.words(), alternatives);
    }

    private static List<Word> words(JsonNode node, String reply) throws VoskProtocolException {
        if (!node.isArray()) {
            throw badReply("a reply whose result is not an array", reply);
        }
        List<Word> words = new ArrayList<>(node.size());
        for (JsonNode w : node) {
            if (!w.isObject() || !w.path("word").isTextual() || !w.path("start").isNumber() || !w.path("end").isNumber()) {
                throw badReply("a reply with a malformed word", reply);
            }
            // Vosk omits "conf" in the alternatives form: unknown confidence counts as certain.
            words.add(new Word(w.get("word").asText(), w.get("start").asDouble(), w.get("end").asDouble(),
                    w.path("conf").asDouble(1.0)));
        }
        return words;
    }

    private static String textOf(JsonNode node, String reply) throws VoskProtocolException {
        if (node == null || !node.isTextual()) {
            throw badReply("a reply whose text is not a string", reply);
        }
        return node.asText();
    }

    private static ArrayNode wordArray(List<Word> words) {
        ArrayNode array = MAPPER.createArrayNode();
        for (Word w : words) {
            ObjectNode o = array.addObject();
            o.put("conf", w.conf());
            o.put("end", w.end());
            o.put("start", w.start());
            o.put("word", w.word());
        }
        return array;
    }

    private static double meanConfidence(List<Word> words) {
        return words.stream().mapToDouble(Word::conf).average().orElse(1.0);
    }

    private static VoskProtocolException badReply(String what, String reply) {
        return invalid(what + ": " + quote(reply));
    }

    private static VoskProtocolException invalid(String message) {
        return new VoskProtocolException(VoskCloseStatus.INVALID_DATA, message);
    }

    /** The text quoted for an error message, on one line and cut to a readable length. */
    public static String quote(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= QUOTE_LIMIT ? "'" + oneLine + "'"
                : "'" + oneLine.substring(0, QUOTE_LIMIT) + "...' (" + text.length() + " chars)";
    }
}
