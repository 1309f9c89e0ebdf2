package io.callscribe.store;

import io.callscribe.testing.FaultyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code --retain}: its duration forms, and the schedule over a real SQLite store (again and again, not only at start). */
class RetentionTest {

    private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    @TempDir
    Path dir;

    /** A clock the test moves forward; the retention reads it at each round. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static List<StoreWrite> endedCall(String id, Instant ended) {
        return List.of(new StoreWrite.CallStart(id, ended.minusSeconds(60), "spool", Map.of()),
                new StoreWrite.CallEnd(id, ended, 60, "hangup", "test-recognizer", List.of()));
    }

    @Test
    void parsesTheDocumentedFormsAndNamesWhatItRefuses() {
        assertThat(Retention.parse("90d")).isEqualTo(Duration.ofDays(90));
        assertThat(Retention.parse("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(Retention.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(Retention.parse("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(Retention.parse("1d12h")).isEqualTo(Duration.ofHours(36));
        assertThat(Retention.parse("P90D")).isEqualTo(Duration.ofDays(90));
        assertThat(Retention.parse(" 7D ")).isEqualTo(Duration.ofDays(7));
        for (String bad : List.of("forever", "90", "90x", "d90", "1d 12q", "")) {
            assertThatThrownBy(() -> Retention.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--retain: '" + bad + "'");
        }
        assertThatThrownBy(() -> Retention.parse("0d")).hasMessageContaining("longer than zero");
        assertThatThrownBy(() -> Retention.parse("P-1D")).hasMessageContaining("longer than zero");
        assertThatThrownBy(() -> Retention.parse("Pxyz")).hasMessageContaining("ISO-8601");
    }

    @Test
    void deletesAtStartThenAtEveryRoundAndSurvivesAFailingStore() {
        MovableClock clock = new MovableClock(T0.plus(Duration.ofDays(5)));
        List<String> filesRemoved = new CopyOnWriteArrayList<>();
        try (FaultyStore store = new FaultyStore(SqliteStore.open(dir.resolve("calls.db"), Stores.defaultInstance()))) {
            store.write(endedCall("old", T0));
            store.write(endedCall("newer", T0.plus(Duration.ofDays(10))));
            store.write(List.of(new StoreWrite.CallStart("live", T0, "spool", Map.of())));
            try (Retention retention = Retention.start(store, Duration.ofDays(1), filesRemoved::add, clock,
                    Duration.ofMillis(100))) {
                // at start: only the call that ended more than a day before "now"
                await().atMost(Duration.ofSeconds(5)).until(() -> filesRemoved.contains("old"));
                assertThat(store.find("old")).isEmpty();
                assertThat(store.find("newer")).isPresent();

                // the store fails for a while: rounds fail (logged), nothing is removed, the schedule goes on
                store.down(true);
                clock.set(T0.plus(Duration.ofDays(20)));
                assertThat(retention.runOnce()).isEmpty();
                assertThat(store.find("newer")).isPresent();
                store.down(false);

                // a later round, with no restart, takes the call that has aged past the retention since
                await().atMost(Duration.ofSeconds(5)).until(() -> filesRemoved.contains("newer"));
                assertThat(store.find("newer")).isEmpty();
                assertThat(filesRemoved).containsExactly("old", "newer");
                // a call that never ended is not retention's to delete
                assertThat(store.find("live")).isPresent();
            }
        }
    }
}
