package io.callscribe.testing.asterisk;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that runs against a real Asterisk ({@link PrivateAsterisk}). Tagged {@code asterisk}.
 * Without an install ({@link AsteriskInstall#find()}) the class is skipped with a message saying how to get one;
 * with the environment variable {@code CALLSCRIBE_REQUIRE_ASTERISK=1} (set by {@code .ci/run}) it fails instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("asterisk")
@ExtendWith(AsteriskCondition.class)
public @interface RequiresAsterisk {
}
