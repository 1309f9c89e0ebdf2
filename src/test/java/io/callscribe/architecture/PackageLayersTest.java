package io.callscribe.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layout follows the audio: source -> call session -> recogniser (one Vosk protocol package)
 * -> transcript events -> sinks. The call session owns a call and so drives every stage; the others know
 * only the stages the audio has passed and the event vocabulary, never one downstream of them and never
 * the session (no arrow back up). {@code audio} and {@code net} are utilities; {@code cli} wires it all.
 * Read from the imports of {@code src/main/java}.
 */
class PackageLayersTest {

    private static final Path MAIN = Path.of("src/main/java/io/callscribe");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.callscribe\\.([a-z.]+?)\\.[A-Z]",
            Pattern.MULTILINE);

    private static final Set<String> UTILITIES = Set.of("audio", "net");
    private static final Set<String> SOURCES = Set.of("source");
    private static final Set<String> SESSION = Set.of("session", "service", "vad");
    private static final Set<String> RECOGNISER = Set.of("asr", "vosk", "engine", "server");
    private static final Set<String> EVENTS = Set.of("event", "transcript");
    private static final Set<String> SINKS = Set.of("sink", "store", "web");

    /** What each stage may import besides itself and the utilities. */
    private static final Map<Set<String>, Set<Set<String>>> MAY_IMPORT = Map.of(
            UTILITIES, Set.of(),
            SOURCES, Set.of(EVENTS, SESSION), // a source hands its calls to the session (ARI starts them)
            SESSION, Set.of(SOURCES, RECOGNISER, EVENTS, SINKS),
            RECOGNISER, Set.of(EVENTS),
            EVENTS, Set.of(),
            SINKS, Set.of(EVENTS));

    @Test
    void everyImportFollowsTheAudio() throws IOException {
        TreeSet<String> problems = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String from = top(MAIN.relativize(f.getParent()).toString().replace('/', '.'));
                if (from.equals("cli")) {
                    continue;
                }
                Set<String> fromStage = stageOf(from);
                if (fromStage == null) {
                    problems.add("package " + from + " has no stage in this test");
                    continue;
                }
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String to = top(m.group(1));
                    Set<String> toStage = stageOf(to);
                    boolean ok = toStage == fromStage
                            || (UTILITIES.contains(to) && fromStage != UTILITIES)
                            || (toStage != null && MAY_IMPORT.get(fromStage).contains(toStage));
                    if (!ok) {
                        problems.add(from + " imports " + m.group(1) + ": " + MAIN.relativize(f));
                    }
                }
            }
        }
        assertThat(problems).as("imports against the audio flow").isEmpty();
    }

    private static String top(String pkg) {
        return pkg.contains(".") ? pkg.substring(0, pkg.indexOf('.')) : pkg;
    }

    private static Set<String> stageOf(String top) {
        for (Set<String> stage : MAY_IMPORT.keySet()) {
            if (stage.contains(top)) {
                return stage;
            }
        }
        return null;
    }
}
