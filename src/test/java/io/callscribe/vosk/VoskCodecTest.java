package io.callscribe.vosk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.RecognitionResult.Final;
import io.callscribe.asr.RecognitionResult.Partial;
import io.callscribe.asr.StreamOptions;
import io.callscribe.event.Word;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VoskCodecTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void parsesPrettyPrintedPartial() throws Exception {
        RecognitionResult r = VoskCodec.decodeReply("{\n  \"partial\" : \"hello wor\"\n}");
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
        Final f = (Final) VoskCodec.decodeReply(reply);
        assertThat(f.text()).isEqualTo("what zero");
        assertThat(f.words()).containsExactly(new Word("what", 0.87, 1.11, 1.0), new Word("zero", 1.11, 1.53, 0.5));
        assertThat(f.start()).isEqualTo(0.87);
        assertThat(f.end()).isEqualTo(1.53);
        assertThat(f.alternatives()).isEmpty();
    }

    @Test
    void parsesEmptyFinalAndFinalWithoutWords() throws Exception {
        Final empty = (Final) VoskCodec.decodeReply("{\n  \"text\" : \"\"\n}");
        assertThat(empty.isEmpty()).isTrue();
        Final noWords = (Final) VoskCodec.decodeReply("{\"text\": \"one two\"}");
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
        Final f = (Final) VoskCodec.decodeReply(reply);
        assertThat(f.text()).isEqualTo("one");
        assertThat(f.words()).containsExactly(new Word("one", 0.3, 0.9, 1.0));
        assertThat(f.alternatives()).extracting(RecognitionResult.Alternative::text).containsExactly("one", "won");
        assertThat(f.alternatives().get(1).confidence()).isEqualTo(226.1);
    }

    @Test
    void rejectsNonJsonAndUnknownRepliesQuotingTheReply() {
        assertThatThrownBy(() -> VoskCodec.decodeReply("Internal error"))
                .isInstanceOf(VoskProtocolException.class)
                .hasMessageContaining("not JSON")
                .hasMessageContaining("'Internal error'");
        assertThatThrownBy(() -> VoskCodec.decodeReply("{\"error\": \"model not loaded\"}"))
                .hasMessageContaining("unknown reply")
                .hasMessageContaining("model not loaded");
        String huge = "x".repeat(5000);
        assertThatThrownBy(() -> VoskCodec.decodeReply(huge))
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400))
                .hasMessageContaining("(5000 chars)");
        assertThatThrownBy(() -> VoskCodec.decodeReply("{\"text\": 5}")).hasMessageContaining("text is not a string");
    }

    @Test
    void writesConfigWithOptionalFields() throws Exception {
        JsonNode plain = MAPPER.readTree(VoskCodec.encodeText(VoskMessage.Config.of(StreamOptions.of(8000, "c1"))));
        assertThat(plain).isEqualTo(MAPPER.readTree("{\"config\": {\"sample_rate\": 8000, \"words\": true}}"));
        JsonNode full = MAPPER.readTree(VoskCodec.encodeText(VoskMessage.Config.of(
                new StreamOptions(16000, false, 3, List.of("call back", "invoice"), "c1"))));
        assertThat(full).isEqualTo(MAPPER.readTree("""
                {"config": {"sample_rate": 16000, "words": false, "max_alternatives": 3,
                            "phrase_list": ["call back", "invoice"]}}"""));
    }

    @Test
    void controlMessagesAreTheExactStringsVoskServerCompares() {
        assertThat(VoskCodec.encodeText(new VoskMessage.Eof())).isEqualTo("{\"eof\" : 1}");
        assertThat(VoskCodec.encodeText(new VoskMessage.Reset())).isEqualTo("{\"reset\" : 1}");
    }

    @Test
    void writesRepliesInVoskShapesPrettyPrintedAndParsesThemBack() throws Exception {
        String partial = VoskCodec.encodeReply(new Partial("hel"), true, 0);
        assertThat(partial).contains("\n");
        assertThat(MAPPER.readTree(partial)).isEqualTo(MAPPER.readTree("{\"partial\": \"hel\"}"));

        Final f = Final.of("hello there", List.of(new Word("hello", 0.1, 0.5, 0.9), new Word("there", 0.5, 0.8, 1.0)));
        String withWords = VoskCodec.encodeReply(f, true, 0);
        assertThat(MAPPER.readTree(withWords)).isEqualTo(MAPPER.readTree("""
                {"result": [{"conf": 0.9, "end": 0.5, "start": 0.1, "word": "hello"},
                            {"conf": 1.0, "end": 0.8, "start": 0.5, "word": "there"}],
                 "text": "hello there"}"""));
        assertThat(VoskCodec.decodeReply(withWords)).isEqualTo(f);

        assertThat(MAPPER.readTree(VoskCodec.encodeReply(f, false, 0)))
                .isEqualTo(MAPPER.readTree("{\"text\": \"hello there\"}"));
        assertThat(MAPPER.readTree(VoskCodec.emptyFinalReply())).isEqualTo(MAPPER.readTree("{\"text\": \"\"}"));

        JsonNode alternatives = MAPPER.readTree(VoskCodec.encodeReply(f, true, 2));
        assertThat(alternatives.get("alternatives")).hasSize(1);
        assertThat(alternatives.at("/alternatives/0/text").asText()).isEqualTo("hello there");
        assertThat(alternatives.at("/alternatives/0/result/1/word").asText()).isEqualTo("there");
    }

    @Test
    void parsesClientTextMessagesStrictly() throws Exception {
        assertThat(VoskCodec.decodeText("{\"eof\" : 1}")).isInstanceOf(VoskMessage.Eof.class);
        assertThat(VoskCodec.decodeText("{\"reset\" : 1}")).isInstanceOf(VoskMessage.Reset.class);
        VoskMessage.Config c = (VoskMessage.Config) VoskCodec.decodeText(
                "{\"config\": {\"sample_rate\": 16000.0, \"words\": false, \"max_alternatives\": 2, \"phrase_list\": [\"a b\"]}}");
        assertThat(c.sampleRate()).hasValue(16000);
        assertThat(c.words()).contains(false);
        assertThat(c.maxAlternatives()).hasValue(2);
        assertThat(c.phraseList()).contains(List.of("a b"));
        assertThatThrownBy(() -> VoskCodec.decodeText("{\"eof\": 1}")).hasMessageContaining("unknown text message")
                .satisfies(e -> assertThat(((VoskProtocolException) e).status()).isEqualTo(VoskCloseStatus.UNSUPPORTED_DATA));
        assertThatThrownBy(() -> VoskCodec.decodeText("eof")).hasMessageContaining("not JSON")
                .satisfies(e -> assertThat(((VoskProtocolException) e).status()).isEqualTo(VoskCloseStatus.INVALID_DATA));
        assertThatThrownBy(() -> VoskCodec.decodeText("{\"config\": {\"sample_rate\": \"fast\"}}"))
                .hasMessageContaining("sample_rate");
    }

    @Test
    void badSampleRatesAreNamedInTheRejection() {
        for (String rate : List.of("0", "-8000", "\"8000\"", "8000.5", "1e9", "null")) {
            assertThatThrownBy(() -> VoskCodec.decodeText("{\"config\": {\"sample_rate\": " + rate + "}}"))
                    .as(rate).isInstanceOf(VoskProtocolException.class).hasMessageContaining("sample_rate")
                    .satisfies(e -> assertThat(((VoskProtocolException) e).status()).isEqualTo(VoskCloseStatus.INVALID_DATA));
        }
        assertThatThrownBy(() -> VoskCodec.decodeAudio(new byte[3])).hasMessageContaining("3 bytes is not whole 16-bit");
    }

    @Test
    void libvoskResultsAreReadByTheSameCodec() throws Exception {
        // libvosk's getResult()/getPartialResult() strings, as the in-process engine receives them.
        assertThat(VoskCodec.decodeReply("{\n  \"partial\" : \"\"\n}")).isEqualTo(new Partial(""));
        Final f = (Final) VoskCodec.decodeReply("""
                {
                  "result" : [{"conf" : 1.0, "end" : 1.02, "start" : 0.63, "word" : "hello"}],
                  "text" : "hello"
                }""");
        assertThat(f.words()).containsExactly(new Word("hello", 0.63, 1.02, 1.0));
    }

    @Test
    void closeStatusesSayWhetherANewConnectionCouldSucceed() {
        assertThat(VoskCloseStatus.of(1011).newConnectionCouldSucceed()).isTrue();
        assertThat(VoskCloseStatus.of(1006)).isEqualTo(VoskCloseStatus.ABNORMAL);
        assertThat(VoskCloseStatus.of(1007).newConnectionCouldSucceed()).isFalse();
        assertThat(VoskCloseStatus.of(1003).newConnectionCouldSucceed()).isFalse();
        assertThat(VoskCloseStatus.of(4321).newConnectionCouldSucceed()).isTrue();
        assertThat(VoskCloseStatus.INVALID_DATA).hasToString("1007 (invalid data)");
    }
}
