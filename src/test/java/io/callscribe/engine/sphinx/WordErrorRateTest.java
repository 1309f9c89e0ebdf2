package io.callscribe.engine.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WordErrorRateTest {

    @Test
    void identicalTextIgnoringCaseAndPunctuationHasNoErrors() {
        assertThat(WordErrorRate.of("Hello, World!", "hello world")).isZero();
    }

    @Test
    void countsSubstitutionDeletionAndInsertion() {
        assertThat(WordErrorRate.errors("the order has arrived", "the order is arrived")).isEqualTo(1);
        assertThat(WordErrorRate.errors("the order has arrived", "the order arrived")).isEqualTo(1);
        assertThat(WordErrorRate.errors("the order has arrived", "the the order has arrived today")).isEqualTo(2);
        assertThat(WordErrorRate.of("one two three four", "")).isEqualTo(1.0);
        assertThat(WordErrorRate.of("one two", "one two three four five six")).isEqualTo(2.0);
    }

    @Test
    void rejectsEmptyReference() {
        assertThatThrownBy(() -> WordErrorRate.of(" ,. ", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference");
    }
}
