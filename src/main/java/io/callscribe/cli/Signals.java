package io.callscribe.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM end calls cleanly (eof, final result, files written) and the process then exits
 * with its normal status, instead of the JVM's abrupt exit 130/143.
 */
final class Signals {

    private Signals() {
    }

    static void onTerminate(Runnable action) {
        for (String name : new String[]{"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                // not available on this platform: the JVM's default handling stays
            }
        }
    }
}
