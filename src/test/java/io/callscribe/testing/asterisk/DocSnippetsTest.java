package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every block of docs/asterisk.md is a named snippet, and a test runs each one by its name. */
class DocSnippetsTest {

    @Test
    void everyBlockIsNamedAndUsedByATest() throws IOException {
        Path doc = DocSnippets.ASTERISK_DOC;
        Map<String, String> named = DocSnippets.all(doc);
        List<String> unnamed = DocSnippets.fencedBlocks(doc).stream().filter(b -> !named.containsValue(b)).toList();
        assertThat(unnamed).as("blocks of %s without a '<!-- snippet: NAME -->' line before them", doc).isEmpty();
        assertThat(named).containsKeys("audiosocket-app", "audiosocket-dial", "mixmonitor-single", "mixmonitor-legs");

        List<String> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (!f.getFileName().toString().equals("DocSnippetsTest.java")) {
                    sources.add(Files.readString(f));
                }
            }
        }
        List<String> unused = named.keySet().stream()
                .filter(name -> sources.stream().noneMatch(s -> s.contains("\"" + name + "\""))).toList();
        assertThat(unused).as("snippets of %s that no test uses by name", doc).isEmpty();
    }

    @Test
    void aMissingSnippetIsNamed() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DocSnippets.asterisk("no-such-snippet"))
                .hasMessageContaining("no snippet 'no-such-snippet'");
    }
}
