package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Optional;

/**
 * JUnit 5 condition behind {@link RequiresAsterisk}: enabled when an Asterisk install is found; otherwise
 * disabled, or a failure when {@code CALLSCRIBE_REQUIRE_ASTERISK=1} says the run must not skip these tests.
 */
public final class AsteriskCondition implements ExecutionCondition {

    static final String REQUIRE_ENV = "CALLSCRIBE_REQUIRE_ASTERISK";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<AsteriskInstall> install = AsteriskInstall.find();
        if (install.isPresent()) {
            return ConditionEvaluationResult.enabled("Asterisk at " + install.get().home());
        }
        String why = "no Asterisk: run scripts/asterisk/install.sh (looked in " + AsteriskInstall.searched() + ")";
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            throw new IllegalStateException(why + "; " + REQUIRE_ENV + "=1 forbids skipping " + context.getDisplayName());
        }
        return ConditionEvaluationResult.disabled(why);
    }
}
