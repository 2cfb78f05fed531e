package dev.pgconductor.testing;

import dev.pgconductor.Execution;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.Origin;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions on an {@link Execution}, from {@link PgConductorAssertions#assertThat}.
 *
 * <pre>{@code
 * assertThat(pg.execution(GREET, id)).isCompleted().hasResult(new Greeting("Hello, Ada")).hasAttempts(1);
 * assertThat(pg.execution(id)).isFailed().hasLastErrorContaining("card declined");
 * }</pre>
 *
 * A failure message names the execution and shows its state, attempts and last error.
 */
public final class ExecutionAssert extends AbstractAssert<ExecutionAssert, Execution<?, ?>> {
  ExecutionAssert(Execution<?, ?> actual) {
    super(actual, ExecutionAssert.class);
  }

  /** It completed. */
  public ExecutionAssert isCompleted() {
    return hasState(ExecutionState.COMPLETED);
  }

  /** It failed for good (its last attempt failed, or it was cancelled before it ran). */
  public ExecutionAssert isFailed() {
    return hasState(ExecutionState.FAILED);
  }

  /** It was cancelled while it ran. */
  public ExecutionAssert isCancelled() {
    return hasState(ExecutionState.CANCELLED);
  }

  /** It waits to be claimed (due now or later, or for a retry). */
  public ExecutionAssert isPending() {
    return hasState(ExecutionState.PENDING);
  }

  /** It sleeps or waits for a child execution. */
  public ExecutionAssert isWaiting() {
    return hasState(ExecutionState.WAITING);
  }

  /** It is in this state. */
  public ExecutionAssert hasState(ExecutionState expected) {
    isNotNull();
    if (actual.state() != expected) {
      failWithMessage(
          "Expected execution %s of task '%s' to be %s but it is %s%s",
          actual.id(), actual.taskName(), expected, actual.state(), details());
    }
    return this;
  }

  /** Its result equals this (the handler's return value, read back as the task's result type). */
  public ExecutionAssert hasResult(Object expected) {
    isNotNull();
    if (!Objects.equals(actual.result(), expected)) {
      failWithMessage(
          "Expected execution %s of task '%s' to have the result <%s> but it has <%s> (%s)%s",
          actual.id(), actual.taskName(), expected, actual.result(), actual.state(), details());
    }
    return this;
  }

  /** Its payload equals this. */
  public ExecutionAssert hasPayload(Object expected) {
    isNotNull();
    if (!Objects.equals(actual.payload(), expected)) {
      failWithMessage(
          "Expected execution %s of task '%s' to have the payload <%s> but it has <%s>",
          actual.id(), actual.taskName(), expected, actual.payload());
    }
    return this;
  }

  /** It was attempted this many times (runs that slept or waited for a child do not count). */
  public ExecutionAssert hasAttempts(int expected) {
    isNotNull();
    if (actual.attempts() != expected) {
      failWithMessage(
          "Expected execution %s of task '%s' to have %d attempts but it has %d%s",
          actual.id(), actual.taskName(), expected, actual.attempts(), details());
    }
    return this;
  }

  /** Its last error (of a failed attempt, or the cancellation reason) contains this text. */
  public ExecutionAssert hasLastErrorContaining(String text) {
    isNotNull();
    if (actual.lastError() == null || !actual.lastError().contains(text)) {
      failWithMessage(
          "Expected the last error of execution %s of task '%s' to contain <%s> but it is <%s>",
          actual.id(), actual.taskName(), text, actual.lastError());
    }
    return this;
  }

  /**
   * It was created this way, e.g. {@code hasOrigin(new Origin.Scheduled("morning"))} or {@code
   * hasOrigin(new Origin.Invoked())}.
   */
  public ExecutionAssert hasOrigin(Origin expected) {
    isNotNull();
    if (!Objects.equals(actual.origin(), expected)) {
      failWithMessage(
          "Expected execution %s of task '%s' to come from %s but it came from %s",
          actual.id(), actual.taskName(), expected, actual.origin());
    }
    return this;
  }

  private String details() {
    return actual.lastError() == null
        ? " (attempts: " + actual.attempts() + ")"
        : " (attempts: " + actual.attempts() + ", last error: " + actual.lastError() + ")";
  }
}
