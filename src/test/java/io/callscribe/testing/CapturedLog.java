package io.callscribe.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Captures what one class logs, for tests that check an operator's log line: {@code try (var log = CapturedLog.of(X.class)) {...}}. */
public final class CapturedLog implements AutoCloseable {

    private final Logger logger;
    private final Level levelBefore;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(String name, boolean atInfo) {
        logger = (Logger) LoggerFactory.getLogger(name);
        levelBefore = logger.getLevel();
        if (atInfo) {
            logger.setLevel(Level.INFO);
        }
        appender.start();
        logger.addAppender(appender);
    }

    /**
     * Every line of INFO and above that the class logs, whatever level an earlier command run in this JVM left on the
     * root logger ({@code transcribe} and {@code demo} turn it down to WARN): the level is restored on close.
     */
    public static CapturedLog of(Class<?> type) {
        return new CapturedLog(type.getName(), true);
    }

    /**
     * What a logger and those under it ({@code com.zaxxer.hikari}: the whole library) log, as far as the
     * configuration (logback.xml) lets it through.
     */
    public static CapturedLog of(String loggerName) {
        return new CapturedLog(loggerName, false);
    }

    /** The formatted messages logged so far. */
    public List<String> lines() {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The lines logged with a stack trace. */
    public List<String> withStackTrace() {
        synchronized (appender.list) {
            return appender.list.stream().filter(e -> e.getThrowableProxy() != null).map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Lines that contain the text. */
    public List<String> matching(String text) {
        return lines().stream().filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(levelBefore);
    }
}
