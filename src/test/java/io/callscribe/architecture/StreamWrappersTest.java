package io.callscribe.architecture;

import io.callscribe.asr.RecognizerStream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every recogniser stream of main that wraps another passes {@link RecognizerStream#skip} on. The interface's default
 * does nothing (right for an engine that does not count positions), so a wrapper that forgot it would silently cut the
 * chain: the Sphinx4 noise floor below it would no longer line up with the call, and gated audio would decode
 * differently from the same audio sent in full.
 */
class StreamWrappersTest {

    private static final Path CLASSES = Path.of("target/classes");
    /** Where audio is left out: nothing above it skips, so it has nothing to pass on. */
    private static final Set<String> ORIGINS = Set.of("io.callscribe.vad.VadGate");

    @Test
    void everyWrappingStreamPassesSkipOn() throws IOException, ClassNotFoundException {
        List<String> wrappers = new ArrayList<>();
        Set<String> missing = new TreeSet<>();
        try (Stream<Path> files = Files.walk(CLASSES.resolve("io/callscribe"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = CLASSES.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                if (c.isInterface() || !RecognizerStream.class.isAssignableFrom(c) || !wraps(c)) {
                    continue;
                }
                wrappers.add(name);
                boolean declares = Arrays.stream(c.getDeclaredMethods())
                        .anyMatch(m -> m.getName().equals("skip") && Arrays.equals(m.getParameterTypes(), new Class<?>[]{long.class}));
                if (!declares && !ORIGINS.contains(name)) {
                    missing.add(name);
                }
            }
        }
        assertThat(wrappers).as("the analysis finds the known wrappers")
                .contains("io.callscribe.session.ResilientStream", "io.callscribe.asr.RecognizerPool$PooledStream");
        assertThat(missing).as("streams that hold a RecognizerStream but do not pass skip on").isEmpty();
    }

    private static boolean wraps(Class<?> c) {
        for (Field f : c.getDeclaredFields()) {
            if (RecognizerStream.class.isAssignableFrom(f.getType())) {
                return true;
            }
        }
        return false;
    }
}
