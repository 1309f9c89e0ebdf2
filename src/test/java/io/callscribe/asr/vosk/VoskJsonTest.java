package io.callscribe.asr.vosk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.asr.RecognizerException;
import io.callscribe.asr.StreamOptions;
import io.callscribe.asr.Word;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VoskJsonTest {

    private static final String SERVER = "ws://127.0.0.1:2700";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void parsesPrettyPrintedPartial() throws Exception {
        RecognitionResult r = VoskJson.parseReply("{\n  \"partial\" : \"hello wor\"\n}", SERVER);
        assertThat(r).isEqualTo(new Partial("hello wor"));
    }

    @Test
    void parsesFinalWithWords() throws Exception {
        String reply = """
                {
                  "result" : [{
                      "conf" : 1.000000,
                      "end" : 1.110000,
                      "start" : 0.870000,
                      "word" : "what"
                    }, {
                      "conf" : 0.5,
                      "end" : 1.530000,
                      "start" : 1.110000,
                      "word" : "zero"
                    }],
                  "text" : "what zero"
                }""";
        Final f = (Final) VoskJson.parseReply(reply, SERVER);
        assertThat(f.text()).isEqualTo("what zero");
        assertThat(f.words()).containsExactly(new Word("what", 0.87, 1.11, 1.0), new Word("zero", 1.11, 1.53, 0.5));
        assertThat(f.start()).isEqualTo(0.87);
        assertThat(f.end()).isEqualTo(1.53);
        assertThat(f.alternatives()).isEmpty();
    }

    @Test
    void parsesEmptyFinalAndFinalWithoutWords() throws Exception {
        Final empty = (Final) VoskJson.parseReply("{\n  \"text\" : \"\"\n}", SERVER);
        assertThat(empty.isEmpty()).isTrue();
        Final noWords = (Final) VoskJson.parseReply("{\"text\": \"one two\"}", SERVER);
        assertThat(noWords.text()).isEqualTo("one two");
        assertThat(noWords.words()).isEmpty();
        assertThat(noWords.start()).isNaN();
    }

    @Test
    void parsesAlternativesTakingTheFirstAsText() throws Exception {
        String reply = """
                {
                  "alternatives" : [{
                      "confidence" : 228.5,
                      "result" : [{"end" : 0.9, "start" : 0.3, "word" : "one"}],
                      "text" : "one"
                    }, {
                      "confidence" : 226.1,
                      "text" : "won"
                    }]
                }""";
        Final f = (Final) VoskJson.parseReply(reply, SERVER);
        assertThat(f.text()).isEqualTo("one");
        assertThat(f.words()).containsExactly(new Word("one", 0.3, 0.9, 1.0));
        assertThat(f.alternatives()).extracting(RecognitionResult.Alternative::text).containsExactly("one", "won");
        assertThat(f.alternatives().get(1).confidence()).isEqualTo(226.1);
    }

    @Test
    void rejectsNonJsonAndUnknownRepliesNamingServerAndQuotingReply() {
        assertThatThrownBy(() -> VoskJson.parseReply("Internal error", SERVER))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("vosk server ws://127.0.0.1:2700")
                .hasMessageContaining("not JSON")
                .hasMessageContaining("'Internal error'");
        assertThatThrownBy(() -> VoskJson.parseReply("{\"error\": \"model not loaded\"}", SERVER))
                .hasMessageContaining("unknown reply")
                .hasMessageContaining("model not loaded");
        String huge = "x".repeat(5000);
        assertThatThrownBy(() -> VoskJson.parseReply(huge, SERVER))
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400))
                .hasMessageContaining("(5000 chars)");
        assertThatThrownBy(() -> VoskJson.parseReply("{\"text\": 5}", SERVER)).hasMessageContaining("text is not a string");
    }

    @Test
    void writesConfigWithOptionalFields() throws Exception {
        JsonNode plain = MAPPER.readTree(VoskJson.config(StreamOptions.of(8000, "c1")));
        assertThat(plain).isEqualTo(MAPPER.readTree("{\"config\": {\"sample_rate\": 8000, \"words\": true}}"));
        JsonNode full = MAPPER.readTree(VoskJson.config(
                new StreamOptions(16000, false, 3, List.of("call back", "invoice"), "c1")));
        assertThat(full).isEqualTo(MAPPER.readTree("""
                {"config": {"sample_rate": 16000, "words": false, "max_alternatives": 3,
                            "phrase_list": ["call back", "invoice"]}}"""));
    }

    @Test
    void controlMessagesAreTheExactStringsVoskServerCompares() {
        assertThat(VoskJson.EOF).isEqualTo("{\"eof\" : 1}");
        assertThat(VoskJson.RESET).isEqualTo("{\"reset\" : 1}");
    }

    @Test
    void writesRepliesInVoskShapesPrettyPrintedAndParsesThemBack() throws Exception {
        String partial = VoskJson.partialReply("hel");
        assertThat(partial).contains("\n");
        assertThat(MAPPER.readTree(partial)).isEqualTo(MAPPER.readTree("{\"partial\": \"hel\"}"));

        Final f = Final.of("hello there", List.of(new Word("hello", 0.1, 0.5, 0.9), new Word("there", 0.5, 0.8, 1.0)));
        String withWords = VoskJson.finalReply(f, true, 0);
        assertThat(MAPPER.readTree(withWords)).isEqualTo(MAPPER.readTree("""
                {"result": [{"conf": 0.9, "end": 0.5, "start": 0.1, "word": "hello"},
                            {"conf": 1.0, "end": 0.8, "start": 0.5, "word": "there"}],
                 "text": "hello there"}"""));
        assertThat(VoskJson.parseReply(withWords, SERVER)).isEqualTo(f);

        assertThat(MAPPER.readTree(VoskJson.finalReply(f, false, 0)))
                .isEqualTo(MAPPER.readTree("{\"text\": \"hello there\"}"));
        assertThat(MAPPER.readTree(VoskJson.emptyFinalReply())).isEqualTo(MAPPER.readTree("{\"text\": \"\"}"));

        JsonNode alternatives = MAPPER.readTree(VoskJson.finalReply(f, true, 2));
        assertThat(alternatives.get("alternatives")).hasSize(1);
        assertThat(alternatives.at("/alternatives/0/text").asText()).isEqualTo("hello there");
        assertThat(alternatives.at("/alternatives/0/result/1/word").asText()).isEqualTo("there");
    }

    @Test
    void parsesClientTextMessagesStrictly() {
        assertThat(VoskJson.parseClientText("{\"eof\" : 1}")).isInstanceOf(VoskJson.ClientText.Eof.class);
        assertThat(VoskJson.parseClientText("{\"reset\" : 1}")).isInstanceOf(VoskJson.ClientText.Reset.class);
        VoskJson.ClientText.Config c = (VoskJson.ClientText.Config) VoskJson.parseClientText(
                "{\"config\": {\"sample_rate\": 16000.0, \"words\": false, \"max_alternatives\": 2, \"phrase_list\": [\"a b\"]}}");
        assertThat(c.sampleRate()).contains(16000);
        assertThat(c.words()).contains(false);
        assertThat(c.maxAlternatives()).contains(2);
        assertThat(c.phraseList()).contains(List.of("a b"));
        assertThatThrownBy(() -> VoskJson.parseClientText("{\"eof\": 1}")).hasMessageContaining("unknown text message");
        assertThatThrownBy(() -> VoskJson.parseClientText("eof")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> VoskJson.parseClientText("{\"config\": {\"sample_rate\": \"fast\"}}"))
                .hasMessageContaining("sample_rate");
    }
}
