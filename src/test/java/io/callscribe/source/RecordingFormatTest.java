package io.callscribe.source;

import io.callscribe.audio.AudioFormatException;
import io.callscribe.audio.PcmFormat;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordingFormatTest {

    private static RecordingFormat of(String name, int rate, int channels) throws AudioFormatException {
        return RecordingFormat.forFile(Path.of("/var/spool/asterisk/monitor", name), rate, channels);
    }

    @Test
    void wavFilesTakeTheirFormatFromTheHeader() throws Exception {
        assertThat(of("1234.wav", 0, 1).hasHeader()).isTrue();
        assertThat(of("1234.wav16", 0, 1).rawFormat()).isEqualTo(PcmFormat.mono(16000));
        assertThat(of("1234.WAV", 0, 1).hasHeader()).isTrue(); // Asterisk's wav49: the header parser names GSM
    }

    @Test
    void headerlessRatesFollowAsteriskNames() throws Exception {
        assertThat(of("a.sln", 0, 1).rawFormat()).isEqualTo(PcmFormat.mono(8000));
        assertThat(of("a.slin", 0, 1).rawFormat()).isEqualTo(PcmFormat.mono(8000));
        assertThat(of("a.raw", 0, 1).rawFormat()).isEqualTo(PcmFormat.mono(8000));
        assertThat(of("a.sln16", 0, 1).rawFormat()).isEqualTo(PcmFormat.mono(16000));
        assertThat(of("a.sln12", 0, 1).rawFormat().sampleRate()).isEqualTo(12000);
        assertThat(of("a.sln44", 0, 1).rawFormat().sampleRate()).isEqualTo(44100);
        assertThat(of("a.sln192", 0, 1).rawFormat().sampleRate()).isEqualTo(192000);
        assertThat(of("a.sln16", 0, 1).hasHeader()).isFalse();
    }

    @Test
    void overrideAndTwoChannelRaw() throws Exception {
        assertThat(of("a.raw", 16000, 2).rawFormat()).isEqualTo(new PcmFormat(16000, 2));
        assertThat(of("a.sln", 0, 2).rawFormat().channels()).isEqualTo(2);
    }

    @Test
    void unsupportedExtensionsAreNamed() {
        assertThatThrownBy(() -> of("a.gsm", 0, 1)).isInstanceOf(AudioFormatException.class)
                .hasMessageContaining("a.gsm").hasMessageContaining("compressed").hasMessageContaining("wav/wav16/sln");
        assertThatThrownBy(() -> of("a.mp3", 0, 1)).hasMessageContaining("unknown recording extension '.mp3'");
        assertThatThrownBy(() -> of("noext", 0, 1)).hasMessageContaining("(none)");
        assertThatThrownBy(() -> of("a.sln17", 0, 1)).hasMessageContaining("not an Asterisk slin rate");
        assertThatThrownBy(() -> of("a.raw", 0, 3)).hasMessageContaining("3 channels");
    }

    @Test
    void isRecordingAcceptsExactlyWhatForFileReads() {
        for (String name : List.of("a.wav", "a.WAV16", "a.sln", "a.slin", "a.raw", "a.sln16", "a.slin16", "a.sln12",
                "a.sln44", "a.sln192")) {
            assertThat(RecordingFormat.isRecording(Path.of(name))).as(name).isTrue();
        }
        for (String name : List.of("a.gsm", "a.txt", "a", "a.sln13", "a.wav49", ".spool-state")) {
            assertThat(RecordingFormat.isRecording(Path.of(name))).as(name).isFalse();
        }
    }
}
