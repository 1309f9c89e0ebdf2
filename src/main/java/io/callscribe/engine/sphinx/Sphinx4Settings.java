package io.callscribe.engine.sphinx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * How to build a Sphinx4 decoder: model locations plus the Sphinx4 configuration properties to override.
 * {@code globals} are the top-level properties of Sphinx4's default configuration (e.g. {@code absoluteBeamWidth},
 * {@code languageWeight}); {@code locals} are component properties written {@code component->property}
 * (e.g. {@code speechMarker->endSilence}). {@code noiseFloor} is the peak amplitude (in 16-bit sample units, 0 = off) of
 * white noise mixed into the audio: phone audio resampled to 16 kHz has an empty band above 4 kHz, which the wideband
 * model's log filterbank turns into extreme feature values; a faint noise floor there roughly halves the errors.
 *
 * <p>The defaults come from the tuning table in BENCHMARKS.md (real-time factor versus word error rate on
 * 8 kHz phone speech, spoken by flite's CMU ARCTIC voices, resampled to 16 kHz).
 */
public record Sphinx4Settings(String acousticModel, String dictionary, String languageModel,
                              Map<String, String> globals, Map<String, String> locals, int noiseFloor,
                              boolean freshStreams) {

    /** System properties {@code callscribe.sphinx4.<global>} and {@code callscribe.sphinx4.local.<component>.<property>}. */
    public static final String PROPERTY_PREFIX = "callscribe.sphinx4.";
    private static final String LOCAL_PREFIX = PROPERTY_PREFIX + "local.";

    public static final String MODEL_ROOT = "resource:/edu/cmu/sphinx/models/en-us/";

    public Sphinx4Settings {
        globals = Map.copyOf(globals);
        locals = Map.copyOf(locals);
        if (noiseFloor < 0 || noiseFloor > 1000) {
            throw new IllegalArgumentException("sphinx4 noiseFloor must be 0..1000 (16-bit sample units), got " + noiseFloor);
        }
    }

    /** The engine's defaults: the US-English models in the sphinx4-data jar and the tuned search settings. */
    public static Sphinx4Settings defaults() {
        Map<String, String> g = new LinkedHashMap<>();
        // Chosen from BENCHMARKS.md (flite speech): Sphinx4's own beams (20000 / 1e-60 / 200) are ~25% more
        // accurate but use ~2 cores per call; 3000 / 1e-45 / 20 is faster but ~6 points worse.
        g.put("absoluteBeamWidth", "5000");
        g.put("relativeBeamWidth", "1e-50");
        g.put("absoluteWordBeamWidth", "50");
        g.put("relativeWordBeamWidth", "1e-30");
        g.put("wordInsertionProbability", "0.1");
        g.put("languageWeight", "10");
        g.put("logLevel", "WARNING");
        Map<String, String> l = new LinkedHashMap<>();
        // Results every 50 frames (0.5 s) so partials flow while the utterance is still being spoken.
        l.put("decoder->featureBlockSize", "50");
        l.put("decoder->fireNonFinalResults", "true");
        return new Sphinx4Settings(MODEL_ROOT + "en-us", MODEL_ROOT + "cmudict-en-us.dict",
                MODEL_ROOT + "en-us.lm.bin", g, l, 100, false);
    }

    /** These settings with every {@code callscribe.sphinx4.*} entry of {@code properties} applied on top. */
    public Sphinx4Settings withOverrides(Properties properties) {
        Sphinx4Settings result = this;
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PROPERTY_PREFIX)) {
                continue;
            }
            String value = properties.getProperty(key);
            if (key.startsWith(LOCAL_PREFIX)) {
                String componentProperty = key.substring(LOCAL_PREFIX.length());
                int dot = componentProperty.indexOf('.');
                if (dot <= 0 || dot == componentProperty.length() - 1) {
                    throw new IllegalArgumentException("system property " + key
                            + " must name a component and a property: " + LOCAL_PREFIX + "<component>.<property>");
                }
                result = result.withLocal(componentProperty.substring(0, dot) + "->" + componentProperty.substring(dot + 1), value);
            } else {
                String name = key.substring(PROPERTY_PREFIX.length());
                result = switch (name) {
                    case "acousticModel" -> result.withAcousticModel(value);
                    case "dictionary" -> result.withDictionary(value);
                    case "languageModel" -> result.withLanguageModel(value);
                    case "noiseFloor" -> result.withNoiseFloor(parseInt(key, value));
                    case "freshStreams" -> result.withFreshStreams(Boolean.parseBoolean(value.trim()));
                    default -> result.withGlobal(name, value);
                };
            }
        }
        return result;
    }

    /** The defaults with the JVM's system properties applied. */
    public static Sphinx4Settings fromSystemProperties() {
        return defaults().withOverrides(System.getProperties());
    }

    public Sphinx4Settings withGlobal(String name, String value) {
        Map<String, String> g = new LinkedHashMap<>(globals);
        g.put(name, value);
        return new Sphinx4Settings(acousticModel, dictionary, languageModel, g, locals, noiseFloor, freshStreams);
    }

    public Sphinx4Settings withLocal(String componentProperty, String value) {
        if (!componentProperty.contains("->")) {
            throw new IllegalArgumentException("Sphinx4 component property '" + componentProperty + "' must be written component->property");
        }
        Map<String, String> l = new LinkedHashMap<>(locals);
        l.put(componentProperty, value);
        return new Sphinx4Settings(acousticModel, dictionary, languageModel, globals, l, noiseFloor, freshStreams);
    }

    public Sphinx4Settings withAcousticModel(String location) {
        return new Sphinx4Settings(location, dictionary, languageModel, globals, locals, noiseFloor, freshStreams);
    }

    public Sphinx4Settings withDictionary(String location) {
        return new Sphinx4Settings(acousticModel, location, languageModel, globals, locals, noiseFloor, freshStreams);
    }

    public Sphinx4Settings withLanguageModel(String location) {
        return new Sphinx4Settings(acousticModel, dictionary, location, globals, locals, noiseFloor, freshStreams);
    }

    public Sphinx4Settings withNoiseFloor(int amplitude) {
        return new Sphinx4Settings(acousticModel, dictionary, languageModel, globals, locals, amplitude, freshStreams);
    }

    /**
     * With {@code true}, every stream starts from the front end's initial state (live cepstral mean, speech
     * classifier levels) instead of what the pooled decoder adapted to on its previous stream: the same audio then
     * gives the same transcript whatever the decoder heard before (tests comparing two ways in use it). The first
     * utterance of a stream then waits for the live CMN's initial window (up to 2 s of speech) before decoding.
     * Off by default: a long-running service keeps the adapted state, as BENCHMARKS.md measures.
     */
    public Sphinx4Settings withFreshStreams(boolean fresh) {
        return new Sphinx4Settings(acousticModel, dictionary, languageModel, globals, locals, noiseFloor, fresh);
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + key + " must be an integer, got '" + value + "'");
        }
    }

    /** A short description for logs and benchmark tables. */
    public String describe() {
        return "globals=" + globals + " locals=" + locals + " noiseFloor=" + noiseFloor
                + (freshStreams ? " freshStreams" : "");
    }
}
