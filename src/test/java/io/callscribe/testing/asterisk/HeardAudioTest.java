package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link HeardAudio} finds the speech played in what was received, at any offset, and names what is not there. */
class HeardAudioTest {

    private final TestAudio.Clip clip = read();

    private static TestAudio.Clip read() {
        try {
            // Utterance 1 at 1.2-4.0 s, utterance 2 at 5.2-8.1 s.
            return TestAudio.read(Path.of("src/test/resources/speech/two-utterances-16k.wav"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void speechReceivedInTwoOverlappingStreamsAtOtherOffsetsIsAllHeard() {
        TestAudio.Clip first = clip.slice(0, 5.0).delayedBy(0.37);
        TestAudio.Clip second = clip.slice(4.5, clip.seconds());
        assertThat(HeardAudio.missing(clip, List.of(first, second))).isEmpty();
        assertThat(HeardAudio.speechSeconds(clip)).isEqualTo(4.95, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aGapInTheSpeechIsNamed() {
        TestAudio.Clip first = clip.slice(0, 6.0);
        TestAudio.Clip second = clip.slice(6.5, clip.seconds());
        assertThat(HeardAudio.missing(clip, List.of(first, second))).containsExactly("6.00-6.50 s");
    }

    @Test
    void coverageSaysWhichPartOfThePlayedAudioEachStreamHeld() {
        TestAudio.Clip first = clip.slice(0, 6.0);
        TestAudio.Clip second = clip.slice(6.5, clip.seconds()).delayedBy(0.2);
        // equal samples extend a match into the quiet around the speech, up to where each stream was cut
        assertThat(HeardAudio.coverage(clip, List.of(first, second)))
                .containsExactly("0.00-6.00 s", String.format("6.50-%.2f s", clip.seconds()));
        // a stream missing 0.3 s inside its speech shows it as two stretches
        TestAudio.Clip holed = clip.slice(0, 2.0).then(clip.slice(2.3, clip.seconds()));
        assertThat(HeardAudio.coverage(clip, List.of(holed))).containsExactly(String.format("0.00-2.00 s, 2.30-%.2f s", clip.seconds()));
    }

    @Test
    void otherSamplesOfTheSameSpeechAreNotHeard() {
        TestAudio.Clip twice = clip.then(clip.inverted());
        // Speech (peaks above 200) is at 1.35-3.90, 5.50-5.85 and 5.90-7.95 s of the clip.
        assertThat(HeardAudio.missing(twice, List.of(clip))).containsExactly("10.70-13.30 s", "14.85-15.20 s", "15.25-17.30 s");
        assertThat(HeardAudio.missing(clip, List.of(clip.slice(0, 4.5), clip.inverted()))).containsExactly("5.50-5.85 s", "5.90-7.95 s");
    }
}
