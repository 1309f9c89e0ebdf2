package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognitionResult;
import io.callscribe.asr.Word;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VoskResultParserTest {

    @Test
    void partial() {
        assertThat(VoskResultParser.parse("{\n  \"partial\" : \"hello wor\"\n}"))
                .isEqualTo(new RecognitionResult.Partial("hello wor"));
    }

    @Test
    void finalWithWords() {
        RecognitionResult r = VoskResultParser.parse("""
                {
                  "result" : [{"conf" : 1.0, "end" : 1.02, "start" : 0.63, "word" : "hello"},
                              {"conf" : 0.87, "end" : 1.5, "start" : 1.05, "word" : "world"}],
                  "text" : "hello world"
                }""");
        assertThat(r).isInstanceOf(RecognitionResult.Final.class);
        RecognitionResult.Final f = (RecognitionResult.Final) r;
        assertThat(f.text()).isEqualTo("hello world");
        assertThat(f.start()).isEqualTo(0.63);
        assertThat(f.end()).isEqualTo(1.5);
        assertThat(f.words()).containsExactly(new Word("hello", 0.63, 1.02, 1.0), new Word("world", 1.05, 1.5, 0.87));
        assertThat(f.alternatives()).isEmpty();
    }

    @Test
    void emptyFinalWithoutWords() {
        RecognitionResult.Final f = (RecognitionResult.Final) VoskResultParser.parse("{\"text\" : \"\"}");
        assertThat(f.isEmpty()).isTrue();
        assertThat(f.start()).isNaN();
    }

    @Test
    void alternativesUseTheFirstAsTheResult() {
        RecognitionResult.Final f = (RecognitionResult.Final) VoskResultParser.parse("""
                {"alternatives" : [
                  {"confidence" : 231.5, "result" : [{"end" : 0.9, "start" : 0.3, "word" : "one"}], "text" : "one"},
                  {"confidence" : 220.1, "result" : [{"end" : 0.9, "start" : 0.3, "word" : "won"}], "text" : "won"}]}""");
        assertThat(f.text()).isEqualTo("one");
        assertThat(f.words()).containsExactly(new Word("one", 0.3, 0.9, 1.0));
        assertThat(f.alternatives()).extracting(RecognitionResult.Alternative::text).containsExactly("one", "won");
        assertThat(f.alternatives().get(1).confidence()).isEqualTo(220.1);
    }

    @Test
    void garbageIsRejected() {
        assertThatThrownBy(() -> VoskResultParser.parse("{oops")).hasMessageContaining("bad JSON");
        assertThatThrownBy(() -> VoskResultParser.parse("{\"x\":1}")).hasMessageContaining("no partial, text or alternatives");
    }
}
