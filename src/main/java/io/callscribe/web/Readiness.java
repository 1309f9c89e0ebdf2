package io.callscribe.web;

/** The answer of {@code GET /ready}: {@code detail} says what is missing when not ready. */
public record Readiness(boolean ready, String detail) {

    public static Readiness ok() {
        return new Readiness(true, null);
    }

    public static Readiness notReady(String detail) {
        return new Readiness(false, detail);
    }
}
