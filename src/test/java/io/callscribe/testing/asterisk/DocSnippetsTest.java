package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every config or dialplan block of docs/asterisk.md is named, and a test runs each one by its name. */
class DocSnippetsTest {

    @Test
    void everyBlockIsMarkedAndUsedByATest() throws IOException {
        DocSnippets doc = DocSnippets.asterisk();
        assertThat(doc.configBlocks()).as("blocks of %s without a test-snippet marker", DocSnippets.ASTERISK_DOC)
                .allMatch(b -> doc.all().containsValue(b));
        assertThat(doc.all()).containsKeys("audiosocket-app", "audiosocket-dial", "mixmonitor-single", "mixmonitor-legs");

        List<String> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (!f.getFileName().toString().equals("DocSnippetsTest.java")) {
                    sources.add(Files.readString(f));
                }
            }
        }
        List<String> unused = doc.all().keySet().stream()
                .filter(name -> sources.stream().noneMatch(s -> s.contains("\"" + name + "\""))).toList();
        assertThat(unused).as("snippets of %s that no test uses by name", DocSnippets.ASTERISK_DOC).isEmpty();
    }
}
