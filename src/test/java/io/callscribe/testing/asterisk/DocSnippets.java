package io.callscribe.testing.asterisk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The snippets of a Markdown doc that tests run as written: a fenced code block right after a line
 * {@code <!-- snippet: NAME -->}. A missing, repeated or unfenced snippet fails the test that asks for it.
 * {@link #ASTERISK_DOC} is docs/asterisk.md, every block of which is a snippet some test runs (DocSnippetsTest).
 */
public final class DocSnippets {

    /** docs/asterisk.md (tests run in the project folder). */
    public static final Path ASTERISK_DOC = Path.of("docs/asterisk.md");

    private static final String MARKER_START = "<!-- snippet: ";
    private static final String MARKER_END = " -->";

    private DocSnippets() {
    }

    /** The text of snippet {@code name} (the lines between the fences, each ending with a newline). */
    public static String block(Path doc, String name) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        String marker = MARKER_START + name + MARKER_END;
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                if (at >= 0) {
                    throw new IllegalStateException(doc + " has snippet '" + name + "' twice (lines " + (at + 1) + " and " + (i + 1) + ")");
                }
                at = i;
            }
        }
        if (at < 0) {
            throw new IllegalStateException(doc + " has no snippet '" + name + "' (a line " + marker + " before a fenced block)");
        }
        int open = at + 1;
        while (open < lines.size() && lines.get(open).isBlank()) {
            open++;
        }
        if (open >= lines.size() || !lines.get(open).startsWith("```")) {
            throw new IllegalStateException(doc + " snippet '" + name + "' (line " + (at + 1) + ") is not followed by a ``` block");
        }
        StringBuilder body = new StringBuilder();
        for (int i = open + 1; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```")) {
                return body.toString();
            }
            body.append(lines.get(i)).append('\n');
        }
        throw new IllegalStateException(doc + " snippet '" + name + "' has no closing ```");
    }

    /** A snippet of docs/asterisk.md. */
    public static String asterisk(String name) throws IOException {
        return block(ASTERISK_DOC, name);
    }

    /**
     * A one-line {@code callscribe ...} command snippet as arguments, without the leading {@code callscribe}
     * (so the first is the subcommand). Arguments are split at spaces; no quoting.
     */
    public static List<String> command(Path doc, String name) throws IOException {
        String text = block(doc, name).strip();
        if (text.contains("\n")) {
            throw new IllegalStateException(doc + " snippet '" + name + "' is not one command line");
        }
        List<String> args = new ArrayList<>(Arrays.asList(text.split(" +")));
        if (!args.get(0).equals("callscribe")) {
            throw new IllegalStateException(doc + " snippet '" + name + "' does not start with 'callscribe': " + text);
        }
        return args.subList(1, args.size());
    }

    /** Every named snippet of the doc, by name, in order. */
    public static Map<String, String> all(Path doc) throws IOException {
        Map<String, String> named = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            String s = line.strip();
            if (s.startsWith(MARKER_START) && s.endsWith(MARKER_END)) {
                String name = s.substring(MARKER_START.length(), s.length() - MARKER_END.length());
                named.put(name, block(doc, name));
            }
        }
        return named;
    }

    /** The body of every fenced block of the doc, named or not, except shell commands (fenced as {@code ```sh}). */
    public static List<String> fencedBlocks(Path doc) throws IOException {
        List<String> blocks = new ArrayList<>();
        StringBuilder body = null;
        boolean shell = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("```")) {
                if (body == null) {
                    body = new StringBuilder();
                    shell = line.strip().equals("```sh");
                } else {
                    if (!shell) {
                        blocks.add(body.toString());
                    }
                    body = null;
                }
            } else if (body != null) {
                body.append(line).append('\n');
            }
        }
        return blocks;
    }
}
