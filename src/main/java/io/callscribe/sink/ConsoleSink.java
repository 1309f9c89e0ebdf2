package io.callscribe.sink;

import io.callscribe.event.TranscriptEvent;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The view for people: on a terminal the current partial is one live line that is rewritten in place;
 * each final gets its own line with call-relative times. Off a terminal, partials are left out.
 */
public final class ConsoleSink implements TranscriptSink {

    /** Printing is I/O: a lock, not a monitor, so a virtual thread printing never pins its carrier. */
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    private static final String CLEAR_LINE = "\r\033[2K";
    private static final String DIM = "\033[2m";
    private static final String RESET = "\033[0m";

    private final PrintStream out;
    private final boolean interactive;
    private final boolean showCallId;
    private boolean partialShown;

    public ConsoleSink(PrintStream out, boolean interactive, boolean showCallId) {
        this.out = out;
        this.interactive = interactive;
        this.showCallId = showCallId;
    }

    /** Console view on stdout; live partials only when stdout is a terminal. */
    public static ConsoleSink stdout(boolean showCallId) {
        return new ConsoleSink(System.out, stdoutIsTerminal(), showCallId);
    }

    /** JDK 22+ may hand out a Console off a terminal; its isTerminal() (absent in 21) tells the truth. */
    static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    @Override
    public void accept(TranscriptEvent event) {
        lock.lock();
        try {
            switch (event) {
                case TranscriptEvent.CallStarted s -> line("call " + s.call() + " started: " + s.source());
                case TranscriptEvent.Partial p -> {
                    if (interactive) {
                        out.print(CLEAR_LINE + DIM + prefix(p.call(), p.speaker()) + "... " + p.text() + RESET);
                        out.flush();
                        partialShown = true;
                    }
                }
                case TranscriptEvent.Final f -> line(String.format(Locale.ROOT, "[%s - %s] %s%s",
                        clock(f.start()), clock(f.end()), prefix(f.call(), f.speaker()), f.text()));
                case TranscriptEvent.CallEnded e -> line(String.format(Locale.ROOT, "call %s ended (%s), %s of audio",
                        e.call(), e.reason(), clock(e.end())));
                case TranscriptEvent.Dtmf d -> line(String.format(Locale.ROOT, "[%s] %skey %s pressed",
                        clock(d.start()), prefix(d.call(), d.speaker()), d.digit()));
                case TranscriptEvent.CallError e -> line("call " + e.call() + " error: " + e.message());
            }
        } finally {
            lock.unlock();
        }
    }

    private void line(String text) {
        if (partialShown) {
            out.print(CLEAR_LINE);
            partialShown = false;
        }
        out.println(text);
        out.flush();
    }

    private String prefix(String call, String speaker) {
        String who = speaker == null ? "" : speaker + ": ";
        return showCallId ? call + " " + who : who;
    }

    /** mm:ss.s of call audio; "--:--" when the engine gave no times. */
    static String clock(double seconds) {
        if (Double.isNaN(seconds)) {
            return "--:--.-";
        }
        long tenths = Math.round(seconds * 10);
        return String.format(Locale.ROOT, "%02d:%02d.%d", tenths / 600, tenths / 10 % 60, tenths % 10);
    }
}
