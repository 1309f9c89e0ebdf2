package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognizerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** No real Vosk model is available on this machine: these cover every path up to and including libvosk's model load. */
class VoskLibRecognizerTest {

    @TempDir
    Path tmp;

    @Test
    void missingDirectoryNamesItAndSaysWhereModelsComeFrom() {
        Path dir = tmp.resolve("no-such-model");
        assertThatThrownBy(() -> new VoskLibRecognizer(dir))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("Vosk model directory " + dir + " does not exist")
                .hasMessageContaining("callscribe model pull vosk-model-small-en-us-0.15")
                .hasMessageContaining("https://alphacephei.com/vosk/models")
                .hasMessageContaining("--model DIR")
                .satisfies(e -> assertThat(((RecognizerException) e).retryable()).isFalse());
    }

    @Test
    void directoryThatIsNotAModelListsWhatIsMissing() throws Exception {
        Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(tmp.resolve("conf/mfcc.conf"), "--sample-frequency=16000\n");
        assertThatThrownBy(() -> new VoskLibRecognizer(tmp))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("directory " + tmp + " is not a Vosk model: missing am/final.mdl (acoustic model), "
                        + "conf/model.conf (decoder settings), graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst (decoding graph)")
                .hasMessageContaining("callscribe model pull");
    }

    @Test
    void zipFileInsteadOfDirectoryIsNamed() throws Exception {
        Path zip = Files.writeString(tmp.resolve("vosk-model-small-en-us-0.15.zip"), "PK");
        assertThatThrownBy(() -> new VoskLibRecognizer(zip))
                .hasMessageContaining("is a file, not a directory (unzip it first)");
    }

    @Test
    void parentOfAModelPointsToTheModel() throws Exception {
        Path model = FakeVoskModel.write(tmp.resolve("vosk-model-small-en-us-0.15"), 16000);
        assertThatThrownBy(() -> new VoskLibRecognizer(tmp))
                .hasMessageContaining("(it contains the model " + model + ": pass that directory)");
    }

    @Test
    void sampleRateComesFromMfccConf() throws Exception {
        assertThat(VoskModelDirectory.open(FakeVoskModel.write(tmp.resolve("m8"), 8000)).sampleRate()).hasValue(8000);
        assertThat(VoskModelDirectory.open(FakeVoskModel.write(tmp.resolve("m16"), 16000)).sampleRate()).hasValue(16000);
        assertThat(VoskModelDirectory.sampleRate(List.of("--use-energy=false"))).as("Kaldi default").isEqualTo(OptionalInt.of(16000));
        assertThat(VoskModelDirectory.sampleRate(List.of(" --sample-frequency = 8000.0 "))).hasValue(8000);
        assertThat(VoskModelDirectory.open(tmp.resolve("m16")).name()).isEqualTo("m16");
    }

    @Test
    void nativeLibraryLoadsOnThisMachine() {
        assertThatCode(VoskNative::load).doesNotThrowAnyException();
    }

    @Test
    void libvoskRejectingTheModelFilesIsAClearError() throws Exception {
        // Real libvosk path: the layout passes our check, then Kaldi fails to parse the placeholder final.mdl.
        Path model = FakeVoskModel.write(tmp.resolve("broken-model"), 16000);
        assertThatThrownBy(() -> new VoskLibRecognizer(model, 1))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("libvosk could not load the model in " + model)
                .hasMessageContaining("callscribe model pull vosk-model-small-en-us-0.15");
    }
}
