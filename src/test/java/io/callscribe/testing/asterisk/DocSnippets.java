package io.callscribe.testing.asterisk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration and dialplan blocks of {@code docs/asterisk.md}, so that tests run exactly what the doc shows.
 * A block is named by the line {@code <!-- test-snippet: NAME -->} just before its opening fence.
 * <pre>{@code
 * String dialplan = "[test]\n" + DocSnippets.asterisk().get("audiosocket-app").replace("127.0.0.1:9092", addr);
 * }</pre>
 */
public final class DocSnippets {

    public static final Path ASTERISK_DOC = Path.of("docs/asterisk.md");

    private static final Pattern MARKED = Pattern.compile(
            "<!-- test-snippet: ([a-z0-9-]+) -->\\n```[a-z]*\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern FENCE = Pattern.compile("```([a-z]*)\\n(.*?)```", Pattern.DOTALL);

    private final Map<String, String> snippets;
    private final String text;

    private DocSnippets(String text) {
        this.text = text;
        this.snippets = new LinkedHashMap<>();
        Matcher m = MARKED.matcher(text);
        while (m.find()) {
            if (snippets.put(m.group(1), m.group(2)) != null) {
                throw new IllegalStateException("two snippets named '" + m.group(1) + "'");
            }
        }
    }

    /** The snippets of {@code docs/asterisk.md} (tests run in the project folder). */
    public static DocSnippets asterisk() {
        return of(ASTERISK_DOC);
    }

    public static DocSnippets of(Path markdown) {
        try {
            return new DocSnippets(Files.readString(markdown));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The block named {@code name}, with its final newline; fails naming the ones there are. */
    public String get(String name) {
        String s = snippets.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no snippet '" + name + "' in the doc; it has " + snippets.keySet());
        }
        return s;
    }

    public Map<String, String> all() {
        return Map.copyOf(snippets);
    }

    /** Every fenced block's body whose fence is not {@code sh} (shell commands are not config or dialplan). */
    public List<String> configBlocks() {
        Matcher m = FENCE.matcher(text);
        List<String> blocks = new java.util.ArrayList<>();
        while (m.find()) {
            if (!m.group(1).equals("sh")) {
                blocks.add(m.group(2));
            }
        }
        return blocks;
    }
}
