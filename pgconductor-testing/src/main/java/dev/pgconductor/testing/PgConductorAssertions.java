package dev.pgconductor.testing;

import dev.pgconductor.Execution;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.MapAssert;

/**
 * AssertJ's {@link Assertions} and pgconductor's own: {@code import static
 * dev.pgconductor.testing.PgConductorAssertions.assertThat;} gives {@code assertThat} for
 * executions as well as for everything AssertJ covers.
 */
public final class PgConductorAssertions extends Assertions {
  private PgConductorAssertions() {}

  /** Assertions on an execution. */
  public static ExecutionAssert assertThat(Execution<?, ?> execution) {
    return new ExecutionAssert(execution);
  }

  /**
   * Assertions on the steps an unfinished execution recorded ({@link
   * PgConductorExtension#recordedSteps}): step names to their results as JSON text.
   */
  public static MapAssert<String, String> assertThatSteps(Map<String, String> steps) {
    return Assertions.assertThat(steps);
  }
}
