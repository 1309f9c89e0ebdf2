package io.callscribe.engine.sphinx;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sphinx4 logs through java.util.logging under a logger named after its XML configuration and attaches its own
 * console handler there. This moves that logger's output to SLF4J and keeps only warnings, without touching the
 * JUL root logger that the rest of the process may own.
 */
final class Sphinx4Logging {

    /** Sphinx4 names its loggers after the configuration file: {@code default.config.xml} gives {@code default.config}. */
    static final String SPHINX_LOGGER = "default.config";

    // Held strongly: java.util.logging keeps only weak references to loggers, and a collected logger loses its settings.
    private static final Logger SPHINX = Logger.getLogger(SPHINX_LOGGER);
    private static final Logger EDU = Logger.getLogger("edu.cmu.sphinx");

    private Sphinx4Logging() {
    }

    /** Called after every configuration load, because Sphinx4 re-attaches its console handler each time. */
    static synchronized void routeToSlf4j() {
        for (Logger logger : new Logger[] {SPHINX, EDU}) {
            for (Handler handler : logger.getHandlers()) {
                logger.removeHandler(handler);
            }
            logger.setUseParentHandlers(false);
            logger.setLevel(Level.WARNING);
            logger.addHandler(new SLF4JBridgeHandler());
        }
    }
}
