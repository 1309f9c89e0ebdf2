package io.callscribe.asr;

import io.callscribe.testing.TestRecognizer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecognizerPoolTest {

    private static final RecognitionListener IGNORE = new RecognitionListener() {
        public void onResult(RecognitionResult result) {
        }

        public void onFailure(RecognizerException failure) {
        }
    };

    /** Test double: a server that refuses connections while {@code down} is set. */
    private static final class FlakyServer implements Recognizer {
        final Recognizer inner = new TestRecognizer(3200, 3);
        final AtomicInteger opened = new AtomicInteger();
        volatile boolean down;

        public String name() {
            return "flaky";
        }

        public OptionalInt requiredSampleRate() {
            return OptionalInt.empty();
        }

        public RecognizerStream open(StreamOptions options, RecognitionListener listener) throws RecognizerException {
            if (down) {
                throw new RecognizerException("flaky refused the connection", true);
            }
            opened.incrementAndGet();
            return inner.open(options, listener);
        }
    }

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-27T10:00:00Z");

        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    }

    @Test
    void newCallsGoToTheLeastLoadedServerAndAFailedOneIsSkippedUntilItsCoolDownEnds() throws Exception {
        FlakyServer a = new FlakyServer();
        FlakyServer b = new FlakyServer();
        ManualClock clock = new ManualClock();
        RecognizerPool pool = new RecognizerPool(List.of(a, b), Duration.ofSeconds(10), clock);

        RecognizerStream s1 = pool.open(StreamOptions.of(8000, "c1"), IGNORE);
        RecognizerStream s2 = pool.open(StreamOptions.of(8000, "c2"), IGNORE);
        assertThat(pool.openStreams()).containsExactly(1, 1);
        s1.close();
        RecognizerStream s3 = pool.open(StreamOptions.of(8000, "c3"), IGNORE);
        assertThat(pool.openStreams()).containsExactly(1, 1);
        assertThat(a.opened.get() + b.opened.get()).isEqualTo(3);

        a.down = true;
        s3.close();
        pool.open(StreamOptions.of(8000, "c4"), IGNORE); // a is least loaded but refuses: b takes it
        assertThat(pool.healthy()).containsExactly(false, true);
        int aBefore = a.opened.get();
        a.down = false;
        pool.open(StreamOptions.of(8000, "c5"), IGNORE);
        assertThat(a.opened.get()).as("skipped while cooling down").isEqualTo(aBefore);

        clock.now = clock.now.plusSeconds(11);
        pool.open(StreamOptions.of(8000, "c6"), IGNORE);
        assertThat(a.opened.get()).as("tried again after the cool-down").isEqualTo(aBefore + 1);
        assertThat(pool.healthy()).containsExactly(true, true);
    }

    @Test
    void whenEveryServerRefusesTheErrorNamesTheCallAndTheLastProblem() {
        FlakyServer a = new FlakyServer();
        a.down = true;
        RecognizerPool pool = new RecognizerPool(List.of(a), Duration.ofSeconds(10), Clock.systemUTC());
        assertThatThrownBy(() -> pool.open(StreamOptions.of(8000, "call-9"), IGNORE))
                .isInstanceOf(RecognizerException.class)
                .hasMessageContaining("call-9").hasMessageContaining("refused");
    }
}
