package dev.pgconductor.examples;

import static dev.pgconductor.testing.PgConductorAssertions.assertThat;
import static dev.pgconductor.testing.PgConductorAssertions.assertThatSteps;
import static dev.pgconductor.testing.PgConductorAssertions.assertThatThrownBy;

import dev.pgconductor.Origin;
import dev.pgconductor.RetryPolicy;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.PgConductorExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The code of docs/testing.md: tests of a workflow written with pgconductor-testing, each on a
 * fresh database with a clock the test moves.
 */
class TestingGuideIT {
  record Signup(String email) {}

  static final TaskDefinition<Signup, String> ONBOARD =
      TaskDefinition.of("onboard", Signup.class, String.class);

  // tag::extension[]
  @RegisterExtension
  static final PgConductorExtension pg = PgConductorExtension.withTasks(TaskSchemas.of(ONBOARD));

  // end::extension[]

  /** Welcome mail at once, a tip a day later: the handler sleeps durably in between. */
  static Task<Signup, String> onboarding(AtomicInteger mails) {
    return pg.conductor()
        .createTask(
            TaskOptions.of(ONBOARD),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.step("welcome", () -> mails.incrementAndGet());
              ctx.sleep("a-day-later", Duration.ofDays(1));
              ctx.step("tip", () -> mails.incrementAndGet());
              return "onboarded " + event.payload().email();
            });
  }

  // tag::sleep[]
  @Test
  void theTipGoesOutADayAfterTheWelcome() {
    AtomicInteger mails = new AtomicInteger();
    Task<Signup, String> onboard = onboarding(mails);
    String id = pg.conductor().invoke(ONBOARD, new Signup("ada@example.com")).orElseThrow();

    pg.drain(onboard); // runs until the sleep
    assertThat(pg.execution(id)).isWaiting(); // asleep until the clock reaches tomorrow
    assertThatSteps(pg.recordedSteps(id)).containsKey("welcome").doesNotContainKey("tip");

    pg.clock().advance(Duration.ofDays(1)); // no waiting: the database follows the clock
    pg.drain(onboard);
    assertThat(pg.execution(ONBOARD, id))
        .isCompleted()
        .hasResult("onboarded ada@example.com")
        .hasAttempts(1) // a sleep uses no attempt
        .hasOrigin(new Origin.Invoked());
    assertThat(mails).hasValue(2);
  }

  // end::sleep[]

  // tag::retries[]
  @Test
  void aFailingMailServerIsRetriedAfterItsBackoff() {
    AtomicInteger calls = new AtomicInteger();
    Task<Signup, String> flaky =
        pg.conductor()
            .createTask(
                TaskOptions.of(ONBOARD).retry(RetryPolicy.fixed(Duration.ofMinutes(5))),
                Trigger.invocable(),
                (event, ctx) -> {
                  if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("mail server unavailable");
                  }
                  return "sent";
                });
    String id = pg.conductor().invoke(ONBOARD, new Signup("bob@example.com")).orElseThrow();

    pg.drain(flaky);
    assertThat(pg.execution(id)).isPending().hasLastErrorContaining("mail server unavailable");

    pg.clock().advance(Duration.ofMinutes(5));
    pg.drain(flaky);
    assertThat(pg.execution(id)).isCompleted().hasAttempts(2);
  }

  // end::retries[]

  @Test
  void aDrainThatCannotFinishFailsTheTestWithWhatIsLeft() {
    Task<Signup, String> stuck =
        pg.conductor()
            .createTask(
                TaskOptions.of(ONBOARD),
                Trigger.invocable(),
                (event, ctx) -> {
                  while (true) { // until the drain gives up and stops: then checkpoint ends the run
                    ctx.checkpoint();
                    Thread.onSpinWait();
                  }
                });
    String id = pg.conductor().invoke(ONBOARD, new Signup("eve@example.com")).orElseThrow();

    assertThatThrownBy(() -> pg.drain(Duration.ofMillis(500), stuck))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("not drained within PT0.5S")
        .hasMessageContaining(id)
        .hasMessageContaining("onboard");
  }

  @Test
  void eachTestHasAFreshDatabase() {
    assertThat(pg.conductor().getExecution("00000000-0000-7000-8000-000000000000")).isEmpty();
    assertThat(pg.url()).contains("pgc_test_");
  }

  @Test
  void assertionFailuresSayWhatTheExecutionIs() {
    Task<Signup, String> onboard = onboarding(new AtomicInteger());
    String id = pg.conductor().invoke(ONBOARD, new Signup("kim@example.com")).orElseThrow();
    pg.drain(onboard);
    assertThatThrownBy(() -> assertThat(pg.execution(id)).isCompleted())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected execution " + id + " of task 'onboard' to be COMPLETED")
        .hasMessageContaining("WAITING");
  }
}
