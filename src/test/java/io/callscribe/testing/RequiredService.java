package io.callscribe.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * A test that needs an outside service (PostgreSQL, a Kafka broker) skips with a clear message where the service
 * cannot be had, but fails when {@code CALLSCRIBE_REQUIRE_SERVICES=1} (as .ci/run sets it), so that CI never
 * passes by skipping.
 */
public final class RequiredService {

    private RequiredService() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("CALLSCRIBE_REQUIRE_SERVICES"));
    }

    /** Skips (or fails, when services are required) because {@code why}. */
    public static void unavailable(String service, String why) {
        String message = service + " is not available here (" + why + ")";
        if (required()) {
            throw new AssertionError(message + " and CALLSCRIBE_REQUIRE_SERVICES=1");
        }
        Assumptions.abort(message + ": test skipped; set CALLSCRIBE_REQUIRE_SERVICES=1 to make this a failure");
    }
}
