package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Conductor.retry: a failed or cancelled execution runs again, with all its attempts. */
class ManualRetryIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> FRAGILE =
      TaskDefinition.of("fragile", Job.class, String.class);

  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @Test
  void aFailedExecutionRunsAgainWithItsFullAttemptsAndCompletes() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(FRAGILE)).build());
    AtomicBoolean broken = new AtomicBoolean(true);
    AtomicInteger runs = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(FRAGILE).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              if (!event.payload().name().equals("ada")) {
                return "ok"; // left pending by the other tests of this class
              }
              runs.incrementAndGet();
              if (broken.get()) {
                throw new IllegalStateException("the mail server is down");
              }
              return "sent to " + event.payload().name() + " on attempt " + ctx.attempt();
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(FRAGILE, new Job("ada")).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(task)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.FAILED);
      assertThat(runs).hasValue(1);
      broken.set(false);
      assertThat(conductor.retry(id)).isTrue();
      // a second retry while it is pending again does nothing
      assertThat(conductor.retry(id)).isFalse();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
      var done = conductor.getExecution(FRAGILE, id).orElseThrow();
      assertThat(done.result()).isEqualTo("sent to ada on attempt 1");
      assertThat(done.attempts()).isEqualTo(1);
      assertThat(runs).hasValue(2);
      // completed: nothing to retry
      assertThat(conductor.retry(id)).isFalse();
    }
  }

  @Test
  void aCancelledExecutionCanRunAgainAndUnknownIdsAreRefusedOrIgnored() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(FRAGILE)).build());
    conductor.createTask(TaskOptions.of(FRAGILE), Trigger.invocable(), (event, ctx) -> "ok");
    conductor.ensureInstalled();
    String id = conductor.invoke(FRAGILE, new Job("bob")).orElseThrow();
    assertThat(conductor.cancel(id, "changed my mind")).isTrue();
    assertThat(state(conductor, id)).isEqualTo(ExecutionState.FAILED);

    assertThat(conductor.retry(id)).isTrue();
    var again = conductor.getExecution(FRAGILE, id).orElseThrow();
    assertThat(again.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(again.attempts()).isZero();
    assertThat(again.payload()).isEqualTo(new Job("bob"));

    assertThat(conductor.retry("00000000-0000-7000-8000-000000000000")).isFalse();
    assertThatThrownBy(() -> conductor.retry("not-an-id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not-an-id");
  }

  @Test
  void aRetryThatWouldDuplicateAPendingDedupeKeyIsRefusedAndKeepsTheFailure() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(FRAGILE)).build());
    conductor.createTask(TaskOptions.of(FRAGILE), Trigger.invocable(), (event, ctx) -> "ok");
    conductor.ensureInstalled();
    var key = InvokeOptions.builder().dedupeKey("nightly").build();
    String first = conductor.invoke(FRAGILE, new Job("a"), key).orElseThrow();
    assertThat(conductor.cancel(first)).isTrue();
    String second = conductor.invoke(FRAGILE, new Job("b"), key).orElseThrow();
    assertThat(second).isNotEqualTo(first);

    assertThatThrownBy(() -> conductor.retry(first))
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("same dedupe key");
    assertThat(state(conductor, first)).isEqualTo(ExecutionState.FAILED);
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
