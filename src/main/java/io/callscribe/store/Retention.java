package io.callscribe.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --retain 90d}: deletes calls that ended longer ago than the retention from the store, and their files,
 * once at start and then every {@code every}. A failing store is logged and tried again at the next round.
 */
public final class Retention implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final Pattern AMOUNT = Pattern.compile("(\\d+)\\s*([dhms])");

    private final TranscriptStore store;
    private final Duration keep;
    private final Consumer<String> removeFiles;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    private Retention(TranscriptStore store, Duration keep, Consumer<String> removeFiles, Clock clock, Duration every) {
        this.store = store;
        this.keep = keep;
        this.removeFiles = removeFiles;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("retention").daemon().unstarted(r));
        timer.scheduleWithFixedDelay(this::runOnce, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts deleting calls older than {@code keep}, checking every {@code every}. */
    public static Retention start(TranscriptStore store, Duration keep, Consumer<String> removeFiles, Clock clock, Duration every) {
        return new Retention(store, keep, removeFiles, clock, every);
    }

    /** One round; returns the deleted call ids. */
    public List<String> runOnce() {
        try {
            List<String> ids = store.deleteEndedBefore(clock.instant().minus(keep));
            for (String id : ids) {
                removeFiles.accept(id);
            }
            if (!ids.isEmpty()) {
                log.info("retention: deleted {} call(s) that ended more than {} ago", ids.size(), format(keep));
            }
            return ids;
        } catch (RuntimeException e) {
            log.error("retention: cannot delete old calls from {}: {} (tried again later)", store.describe(), e.getMessage());
            return List.of();
        }
    }

    /** {@code 90d}, {@code 12h}, {@code 30m}, {@code 45s}, combinations ({@code 1d12h}) or ISO-8601 ({@code P90D}). */
    public static Duration parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return positive(Duration.parse(s.toUpperCase(Locale.ROOT)), text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--retain: '" + text + "' is not an ISO-8601 duration (P90D)");
            }
        }
        Matcher m = AMOUNT.matcher(s);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new IllegalArgumentException("--retain: '" + text + "' is not a duration like 90d, 12h, 30m or P90D");
        }
        return positive(d, text);
    }

    private static Duration positive(Duration d, String text) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--retain: '" + text + "' must be longer than zero");
        }
        return d;
    }

    private static String format(Duration d) {
        return d.toDays() > 0 && d.toHoursPart() == 0 ? d.toDays() + "d" : d.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
