package io.callscribe.asr.vosk;

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
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.Word;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JSON messages of the Vosk WebSocket protocol, both directions: parsing server replies into
 * {@link RecognitionResult}s (client side) and writing replies in vosk-server's shapes (server side).
 * Replies are pretty-printed on the wire, so they are always parsed as JSON, never compared as strings.
 */
public final class VoskJson {

    /** End of stream; vosk-server compares this exact string, spaces included. */
    public static final String EOF = "{\"eof\" : 1}";
    /** End of the current utterance; the connection stays open. */
    public static final String RESET = "{\"reset\" : 1}";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    private static final int QUOTE_LIMIT = 200;

    private VoskJson() {
    }

    // ---------------------------------------------------------------- client side

    /**
     * Parses one server reply. An empty final ({@code {"text": ""}}) comes back as a {@link Final} whose
     * {@link Final#isEmpty()} is true. With alternatives, the first one gives the text and words.
     *
     * @param server names the server in the error message, e.g. {@code ws://127.0.0.1:2700}
     */
    public static RecognitionResult parseReply(String reply, String server) throws RecognizerException {
        JsonNode root;
        try {
            root = MAPPER.readTree(reply);
        } catch (JsonProcessingException e) {
            throw badReply(server, "a reply that is not JSON", reply);
        }
        if (root == null || !root.isObject()) {
            throw badReply(server, "a reply that is not a JSON object", reply);
        }
        if (root.has("partial")) {
            return new Partial(textOf(root.get("partial"), server, reply));
        }
        if (root.has("alternatives")) {
            return parseAlternatives(root.get("alternatives"), server, reply);
        }
        if (root.has("text")) {
            String text = textOf(root.get("text"), server, reply);
            List<Word> words = root.has("result") ? parseWords(root.get("result"), server, reply) : List.of();
            return Final.of(text, words);
        }
        throw badReply(server, "an unknown reply", reply);
    }

    private static Final parseAlternatives(JsonNode node, String server, String reply) throws RecognizerException {
        if (!node.isArray()) {
            throw badReply(server, "a reply whose alternatives are not an array", reply);
        }
        List<Alternative> alternatives = new ArrayList<>();
        for (JsonNode a : node) {
            if (!a.isObject()) {
                throw badReply(server, "a reply with a malformed alternative", reply);
            }
            String text = textOf(a.get("text"), server, reply);
            double confidence = a.path("confidence").asDouble(Double.NaN);
            List<Word> words = a.has("result") ? parseWords(a.get("result"), server, reply) : List.of();
            alternatives.add(new Alternative(text, confidence, words));
        }
        if (alternatives.isEmpty()) {
            return Final.of("", List.of());
        }
        Alternative best = alternatives.get(0);
        Final first = Final.of(best.text(), best.words());
        return new Final(first.text(), first.start(), first.end(), first.words(), alternatives);
    }

    private static List<Word> parseWords(JsonNode node, String server, String reply) throws RecognizerException {
        if (!node.isArray()) {
            throw badReply(server, "a reply whose result is not an array", reply);
        }
        List<Word> words = new ArrayList<>(node.size());
        for (JsonNode w : node) {
            if (!w.isObject() || !w.path("word").isTextual() || !w.path("start").isNumber() || !w.path("end").isNumber()) {
                throw badReply(server, "a reply with a malformed word", reply);
            }
            // Vosk omits "conf" in the alternatives form: unknown confidence counts as certain.
            words.add(new Word(w.get("word").asText(), w.get("start").asDouble(), w.get("end").asDouble(),
                    w.path("conf").asDouble(1.0)));
        }
        return words;
    }

    private static String textOf(JsonNode node, String server, String reply) throws RecognizerException {
        if (node == null || !node.isTextual()) {
            throw badReply(server, "a reply whose text is not a string", reply);
        }
        return node.asText();
    }

    private static RecognizerException badReply(String server, String what, String reply) {
        return new RecognizerException("vosk server " + server + " sent " + what + ": " + quote(reply), false);
    }

    /** The text quoted for an error message, cut to a readable length. */
    public static String quote(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= QUOTE_LIMIT ? "'" + oneLine + "'"
                : "'" + oneLine.substring(0, QUOTE_LIMIT) + "...' (" + text.length() + " chars)";
    }

    /** The optional first message: {@code {"config": {"sample_rate": R, "words": true, ...}}}. */
    public static String config(StreamOptions options) {
        ObjectNode config = MAPPER.createObjectNode();
        config.put("sample_rate", options.sampleRate());
        config.put("words", options.words());
        if (options.maxAlternatives() > 0) {
            config.put("max_alternatives", options.maxAlternatives());
        }
        if (!options.phraseList().isEmpty()) {
            ArrayNode phrases = config.putArray("phrase_list");
            options.phraseList().forEach(phrases::add);
        }
        ObjectNode root = MAPPER.createObjectNode();
        root.set("config", config);
        return root.toString();
    }

    // ---------------------------------------------------------------- server side

    /** A text message from a client, as vosk-server understands it. */
    public sealed interface ClientText {
        /** Fields absent from the message are empty. */
        record Config(Optional<Integer> sampleRate, Optional<Boolean> words, Optional<Integer> maxAlternatives,
                      Optional<List<String>> phraseList) implements ClientText {
        }

        record Eof() implements ClientText {
        }

        record Reset() implements ClientText {
        }
    }

    /**
     * Parses a client text message: the exact {@link #EOF} or {@link #RESET} strings, or a config object.
     *
     * @throws IllegalArgumentException with a message for the close reason when it is none of them
     */
    public static ClientText parseClientText(String text) {
        if (EOF.equals(text)) {
            return new ClientText.Eof();
        }
        if (RESET.equals(text)) {
            return new ClientText.Reset();
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("text message is not JSON: " + quote(text));
        }
        if (root == null || !root.isObject() || !root.path("config").isObject()) {
            throw new IllegalArgumentException("unknown text message (expected config, " + EOF + " or " + RESET + "): "
                    + quote(text));
        }
        JsonNode c = root.get("config");
        Optional<Integer> rate = Optional.empty();
        if (c.has("sample_rate")) {
            JsonNode r = c.get("sample_rate");
            if (!r.isNumber() || r.asDouble() < 1000 || r.asDouble() > 384_000) {
                throw new IllegalArgumentException("config sample_rate is not a sample rate: " + r);
            }
            rate = Optional.of((int) r.asDouble());
        }
        Optional<Boolean> words = Optional.empty();
        if (c.has("words")) {
            JsonNode w = c.get("words");
            if (!w.isBoolean() && !w.isNumber()) {
                throw new IllegalArgumentException("config words is not a boolean: " + w);
            }
            words = Optional.of(w.isBoolean() ? w.asBoolean() : w.asInt() != 0);
        }
        Optional<Integer> alternatives = Optional.empty();
        if (c.has("max_alternatives")) {
            JsonNode a = c.get("max_alternatives");
            if (!a.canConvertToInt() || a.asInt() < 0) {
                throw new IllegalArgumentException("config max_alternatives is not a count: " + a);
            }
            alternatives = Optional.of(a.asInt());
        }
        Optional<List<String>> phrases = Optional.empty();
        if (c.has("phrase_list")) {
            JsonNode p = c.get("phrase_list");
            if (!p.isArray()) {
                throw new IllegalArgumentException("config phrase_list is not an array: " + quote(p.toString()));
            }
            List<String> list = new ArrayList<>();
            p.forEach(e -> list.add(e.asText()));
            phrases = Optional.of(List.copyOf(list));
        }
        return new ClientText.Config(rate, words, alternatives, phrases);
    }

    /** {@code {"partial" : "..."}}, pretty-printed. */
    public static String partialReply(String text) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("partial", text);
        return pretty(root);
    }

    /**
     * A final reply in vosk-server's shape: {@code {"result": [...], "text": "..."}} ({@code result} only
     * with words on and non-empty), or with {@code maxAlternatives > 0}
     * {@code {"alternatives": [{"confidence", "result", "text"}...]}}.
     */
    public static String finalReply(Final result, boolean words, int maxAlternatives) {
        ObjectNode root = MAPPER.createObjectNode();
        if (maxAlternatives > 0) {
            List<Alternative> alternatives = result.alternatives().isEmpty()
                    ? List.of(new Alternative(result.text(), meanConfidence(result.words()), result.words()))
                    : result.alternatives();
            ArrayNode array = root.putArray("alternatives");
            for (Alternative a : alternatives.subList(0, Math.min(maxAlternatives, alternatives.size()))) {
                ObjectNode o = array.addObject();
                o.put("confidence", a.confidence());
                if (words && !a.words().isEmpty()) {
                    o.set("result", wordArray(a.words()));
                }
                o.put("text", a.text());
            }
            return pretty(root);
        }
        if (words && !result.words().isEmpty()) {
            root.set("result", wordArray(result.words()));
        }
        root.put("text", result.text());
        return pretty(root);
    }

    /** {@code {"text" : ""}}: nothing was recognised. */
    public static String emptyFinalReply() {
        return finalReply(Final.of("", List.of()), false, 0);
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

    private static String pretty(JsonNode node) {
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON tree", e);
        }
    }
}
