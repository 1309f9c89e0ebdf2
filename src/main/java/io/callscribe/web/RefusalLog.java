package io.callscribe.web;

import org.slf4j.Logger;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Logs refused web requests (wrong token, foreign Host, cross-site) one line each, with the client address first
 * so fail2ban can match it: {@code web: refused 203.0.113.7: access token is wrong (GET /calls)}. A client gets at
 * most one line per {@link #WINDOW_MS}; the lines it was spared are counted in its next one. At most
 * {@link #MAX_CLIENTS} addresses are tracked; beyond that, lines are still rate-limited globally. Thread-safe.
 */
final class RefusalLog {

    static final long WINDOW_MS = 10_000;
    static final int MAX_CLIENTS = 10_000;

    private final Logger log;
    private final LongSupplier clockMs;
    private final ConcurrentHashMap<String, Window> clients = new ConcurrentHashMap<>();
    private final Window overflow = new Window();

    private static final class Window {
        final AtomicLong lastMs = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }

    RefusalLog(Logger log, LongSupplier clockMs) {
        this.log = log;
        this.clockMs = clockMs;
    }

    void refused(String client, String reason, String method, String path) {
        long now = clockMs.getAsLong();
        if (clients.size() >= MAX_CLIENTS) {
            clients.entrySet().removeIf(e -> now - e.getValue().lastMs.get() > WINDOW_MS);
        }
        Window w = clients.size() >= MAX_CLIENTS ? clients.getOrDefault(client, overflow)
                : clients.computeIfAbsent(client, c -> new Window());
        long last = w.lastMs.get();
        if (last != Long.MIN_VALUE && now - last < WINDOW_MS || !w.lastMs.compareAndSet(last, now)) {
            w.suppressed.incrementAndGet();
            return;
        }
        long spared = w.suppressed.getAndSet(0);
        log.warn("web: refused {}: {} ({} {}){}", client, reason, method, RequestGuard.printable(path),
                spared == 0 ? "" : " (+" + spared + " more refused in the last " + WINDOW_MS / 1000 + " s)");
    }
}
