package io.callscribe.service;

import io.callscribe.testing.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spool state file cannot be broken by a file name (issue 11, item 7): whatever a recording's name holds (line
 * breaks, quotes, backslashes, a Unicode line separator, text that looks like a state line), each entry is one
 * JSON line and reads back as exactly that path with its id and done flag; a line cut by a crash mid-append is
 * passed over with one log line and everything before it stands.
 */
class SpoolStateTest {

    private static final List<String> NAMES = List.of("plain.wav", "line\nbreak.wav", "cr\rreturn.wav",
            "quote\"d.wav", "back\\slash.wav", "sep\u2028arator.wav", "{\"done\":\"other.wav\"}.wav", "tab\tand space.wav");

    @Test
    void namesWithLineBreaksQuotesAndForgedLinesReadBackExactlyOneLineEach(@TempDir Path dir) throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path stateFile = dir.resolve("state.jsonl");
        List<Path> files = new ArrayList<>();
        for (String n : NAMES) {
            files.add(Files.writeString(spool.resolve(n), "x").toAbsolutePath().normalize());
        }
        try (SpoolState state = SpoolState.open(stateFile)) {
            for (int i = 0; i < files.size(); i++) {
                state.started(files.get(i), "k" + i, "id-" + i);
                if (i % 2 == 0) {
                    state.done(files.get(i), "k" + i, "id-" + i);
                }
            }
        }
        // What a crash in the middle of an append leaves: half a line.
        Files.writeString(stateFile, "{\"done\":\"" + spool.resolve("plain"), StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        List<String> lines = Files.readAllLines(stateFile, StandardCharsets.UTF_8);
        // The header, a start line per recording, a done line for every other one, the torn line.
        assertThat(lines).hasSize(1 + NAMES.size() + NAMES.size() / 2 + 1);
        try (CapturedLog log = CapturedLog.of(SpoolState.class); SpoolState reread = SpoolState.open(stateFile)) {
            assertThat(log.matching("unreadable and ignored")).singleElement().asString()
                    .contains("line " + lines.size());
            assertThat(reread.existed()).isTrue();
            for (int i = 0; i < files.size(); i++) {
                int n = i;
                assertThat(reread.entry(files.get(i), "k" + i)).as(NAMES.get(i)).hasValueSatisfying(e -> {
                    assertThat(e.file()).isEqualTo(files.get(n));
                    assertThat(e.id()).isEqualTo("id-" + n);
                    assertThat(e.done()).isEqualTo(n % 2 == 0);
                });
                assertThat(reread.idUsed("id-" + i)).isTrue();
            }
            assertThat(reread.entry(spool.resolve("other.wav").toAbsolutePath().normalize(), null)).isEmpty();
        }
        // Opening compacted it: the torn line is gone, one line per recording now.
        assertThat(Files.readAllLines(stateFile, StandardCharsets.UTF_8)).hasSize(1 + NAMES.size())
                .allMatch(l -> l.startsWith("{") && l.endsWith("}"));
    }
}
