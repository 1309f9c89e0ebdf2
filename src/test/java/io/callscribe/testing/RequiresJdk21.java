package io.callscribe.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that starts a process on a Java 21-23 runtime ({@link Jdk21#java()}), the versions where a virtual
 * thread blocking inside {@code synchronized} pins its carrier. Tagged {@code jdk21}. Without such a runtime the test is
 * skipped with a message saying how to get one ({@code scripts/jdk21/install.sh}); with the environment variable
 * {@code CALLSCRIBE_REQUIRE_JDK21=1} (set by {@code .ci/run}) it fails instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("jdk21")
@ExtendWith(Jdk21.Condition.class)
public @interface RequiresJdk21 {
}
