package io.callscribe.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Interactive commands show transcripts, not operator logs: only warnings unless CALLSCRIBE_LOG_LEVEL says otherwise. */
final class Logging {

    private Logging() {
    }

    static void warningsOnly() {
        if (System.getenv("CALLSCRIBE_LOG_LEVEL") == null && System.getProperty("CALLSCRIBE_LOG_LEVEL") == null) {
            ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
            // A call's errors already reach the console as error events; the operator log line would repeat them.
            ((Logger) LoggerFactory.getLogger("io.callscribe.session.LegStreamer")).setLevel(Level.ERROR);
        }
    }
}
