package io.callscribe.engine.vosk;

import io.callscribe.asr.RecognizerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory checked to hold an unpacked Vosk (Kaldi) model, done in Java before libvosk sees it:
 * libvosk aborts or prints cryptic Kaldi errors on a wrong directory.
 *
 * @param dir        the model directory
 * @param sampleRate the rate the acoustic model was trained on, from {@code --sample-frequency} in its mfcc.conf
 */
public record VoskModelDirectory(Path dir, OptionalInt sampleRate) {

    /** Where models come from; appended to every "no model" error. */
    public static final String HOW_TO_GET = "download one with `callscribe model pull vosk-model-small-en-us-0.15` "
            + "or from the Vosk models page (https://alphacephei.com/vosk/models), unpack it, and pass --model DIR";

    private static final Pattern SAMPLE_FREQUENCY = Pattern.compile("^\\s*--sample-frequency\\s*=\\s*(\\d+)(?:\\.0*)?\\s*$");

    /** Checks {@code dir} and reads the model's sample rate. */
    public static VoskModelDirectory open(Path dir) throws RecognizerException {
        Optional<String> problem = problem(dir);
        if (problem.isPresent()) {
            throw new RecognizerException(problem.get() + "; " + HOW_TO_GET, false);
        }
        Path conf = dir.resolve("conf/mfcc.conf");
        try {
            return new VoskModelDirectory(dir, sampleRate(Files.readAllLines(conf)));
        } catch (IOException e) {
            throw new RecognizerException("cannot read " + conf + " of Vosk model " + dir + ": " + e.getMessage(), false, e);
        }
    }

    /** Why {@code dir} is not a Vosk model directory, or empty when it looks like one. */
    public static Optional<String> problem(Path dir) {
        if (!Files.exists(dir)) {
            return Optional.of("Vosk model directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            return Optional.of("Vosk model path " + dir + " is a file, not a directory"
                    + (dir.toString().endsWith(".zip") ? " (unzip it first)" : ""));
        }
        // The layout libvosk 0.3.45 recognises (its "V2" check): anything else it rejects with a cryptic Kaldi error.
        List<String> missing = new ArrayList<>();
        if (firstExisting(dir, "am/final.mdl") == null) {
            missing.add("am/final.mdl (acoustic model)");
        }
        if (firstExisting(dir, "conf/model.conf") == null) {
            missing.add("conf/model.conf (decoder settings)");
        }
        if (firstExisting(dir, "conf/mfcc.conf") == null) {
            missing.add("conf/mfcc.conf (feature settings)");
        }
        boolean graph = firstExisting(dir, "graph/HCLG.fst") != null
                || (firstExisting(dir, "graph/HCLr.fst") != null && firstExisting(dir, "graph/Gr.fst") != null);
        if (!graph) {
            missing.add("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst (decoding graph)");
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String message = "directory " + dir + " is not a Vosk model: missing " + String.join(", ", missing);
        Path nested = nestedModel(dir);
        if (nested != null) {
            message += " (it contains the model " + nested + ": pass that directory)";
        }
        return Optional.of(message);
    }

    /** The rate in {@code --sample-frequency=N}; Kaldi's default is 16 kHz when the option is absent. */
    static OptionalInt sampleRate(List<String> mfccConf) {
        for (String line : mfccConf) {
            Matcher m = SAMPLE_FREQUENCY.matcher(line);
            if (m.matches()) {
                return OptionalInt.of(Integer.parseInt(m.group(1)));
            }
        }
        return OptionalInt.of(16000);
    }

    /** The folder name, which for official models is the model's name. */
    public String name() {
        Path f = dir.toAbsolutePath().normalize().getFileName();
        return f == null ? dir.toString() : f.toString();
    }

    /** A model unpacked one level down (the zip's top folder), so users who pass the parent get a precise hint. */
    private static Path nestedModel(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).filter(c -> !c.getFileName().toString().equals("conf")
                            && !c.getFileName().toString().equals("am") && !c.getFileName().toString().equals("graph"))
                    .filter(c -> problem(c).isEmpty()).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static Path firstExisting(Path dir, String... relative) {
        for (String r : relative) {
            Path p = dir.resolve(r);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
