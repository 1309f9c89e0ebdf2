package io.callscribe.engine.sphinx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class Sphinx4SettingsTest {

    @Test
    void everyOverrideIsKeptWhateverOrderThePropertiesAreVisitedIn() {
        Properties p = new Properties();
        // Three model locations plus other kinds: whichever order Properties yields them, a model override
        // that rebuilt the settings from the originals would drop at least one of the others.
        p.setProperty("callscribe.sphinx4.acousticModel", "file:/models/am");
        p.setProperty("callscribe.sphinx4.dictionary", "file:/models/dict");
        p.setProperty("callscribe.sphinx4.languageModel", "file:/models/lm");
        p.setProperty("callscribe.sphinx4.noiseFloor", "7");
        p.setProperty("callscribe.sphinx4.freshStreams", "true");
        p.setProperty("callscribe.sphinx4.absoluteBeamWidth", "1234");
        p.setProperty("callscribe.sphinx4.local.speechMarker.endSilence", "300");
        p.setProperty("unrelated.property", "ignored");

        Sphinx4Settings s = Sphinx4Settings.defaults().withOverrides(p);

        assertThat(s.acousticModel()).isEqualTo("file:/models/am");
        assertThat(s.dictionary()).isEqualTo("file:/models/dict");
        assertThat(s.languageModel()).isEqualTo("file:/models/lm");
        assertThat(s.noiseFloor()).isEqualTo(7);
        assertThat(s.freshStreams()).isTrue();
        assertThat(s.globals()).containsEntry("absoluteBeamWidth", "1234").containsEntry("languageWeight", "10");
        assertThat(s.locals()).containsEntry("speechMarker->endSilence", "300")
                .containsEntry("decoder->featureBlockSize", "50");
    }

    @Test
    void aModelOverrideAfterAnotherOverrideKeepsIt() {
        Sphinx4Settings base = Sphinx4Settings.defaults().withNoiseFloor(3);
        Properties p = new Properties();
        p.setProperty("callscribe.sphinx4.dictionary", "file:/d");
        p.setProperty("callscribe.sphinx4.languageModel", "file:/lm");
        Sphinx4Settings s = base.withOverrides(p);
        assertThat(s.dictionary()).isEqualTo("file:/d");
        assertThat(s.languageModel()).isEqualTo("file:/lm");
        assertThat(s.noiseFloor()).isEqualTo(3);
    }

    @Test
    void aMalformedLocalPropertyIsRejectedByName() {
        Properties p = new Properties();
        p.setProperty("callscribe.sphinx4.local.speechMarker", "1");
        assertThatThrownBy(() -> Sphinx4Settings.defaults().withOverrides(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("callscribe.sphinx4.local.speechMarker");
    }
}
