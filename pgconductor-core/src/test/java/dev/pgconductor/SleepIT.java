package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CTX-2: a durable sleep frees the worker slot and resumes after the duration, once. */
class SleepIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> NAPPER =
      TaskDefinition.of("napper", Job.class, String.class);
  static final TaskDefinition<Job, String> QUICK =
      TaskDefinition.of("quick", Job.class, String.class);
  // its own task, so what one test leaves in the class's database never runs in the other
  static final TaskDefinition<Job, String> SHORT_NAPPER =
      TaskDefinition.of("short-napper", Job.class, String.class);

  @Test
  void aSleepingExecutionFreesItsSlotAndResumesAfterTheDurationWithoutRerunningEarlierSteps() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(NAPPER, QUICK)).clock(clock).build());
    AtomicInteger before = new AtomicInteger();
    AtomicInteger after = new AtomicInteger();
    AtomicInteger handlerRuns = new AtomicInteger();
    var napper =
        conductor.createTask(
            TaskOptions.of(NAPPER),
            Trigger.invocable(),
            (event, ctx) -> {
              handlerRuns.incrementAndGet();
              ctx.step("before", before::incrementAndGet);
              ctx.sleep("nap", Duration.ofHours(1));
              ctx.step("after", after::incrementAndGet);
              if (ctx.attempt() == 1) {
                throw new IllegalStateException("fails once after the nap");
              }
              return "rested";
            });
    var quick =
        conductor.createTask(TaskOptions.of(QUICK), Trigger.invocable(), (e, ctx) -> "quick");
    conductor.ensureInstalled();
    String sleeper = conductor.invoke(NAPPER, new Job("n")).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(napper, quick)
            .defaultWorker(
                WorkerConfig.builder().concurrency(1).pollInterval(Duration.ofMillis(20)).build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, sleeper) == ExecutionState.WAITING);
      assertThat(conductor.getExecution(sleeper).orElseThrow().runAt())
          .isEqualTo(clock.instant().plus(Duration.ofHours(1)));

      // with concurrency 1, other work runs while it sleeps
      String other = conductor.invoke(QUICK, new Job("q")).orElseThrow();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, other) == ExecutionState.COMPLETED);
      assertThat(state(conductor, sleeper)).isEqualTo(ExecutionState.WAITING);
      assertThat(after).hasValue(0);

      clock.advance(Duration.ofMinutes(59));
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> handlerRuns.get() == 1);

      clock.advance(Duration.ofMinutes(1));
      // resumes, fails once after the nap, and the retry does not sleep again
      await().atMost(Duration.ofSeconds(10)).until(() -> handlerRuns.get() == 2);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, sleeper) == ExecutionState.PENDING);
      clock.advance(Duration.ofSeconds(15));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, sleeper) == ExecutionState.COMPLETED);
    }
    assertThat(conductor.getExecution(NAPPER, sleeper).orElseThrow().result()).isEqualTo("rested");
    assertThat(before).hasValue(1);
    assertThat(after).hasValue(1);
    assertThat(handlerRuns).hasValue(3);
    assertThat(conductor.getExecution(sleeper).orElseThrow().attempts())
        .as("the sleep itself is not an attempt")
        .isEqualTo(2);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.steps where execution_id = ?::uuid", sleeper))
        .as("its steps and sleep marker are removed once it finished")
        .isZero();
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }

  @Test
  void aShortSleepEndsOnTimeAlthoughThePollIntervalIsLong() {
    try (var conductor = db.conductor(TaskSchemas.of(SHORT_NAPPER)).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(SHORT_NAPPER),
              Trigger.invocable(),
              (event, ctx) -> {
                ctx.sleep("nap", Duration.ofMillis(300));
                return "rested";
              });
      conductor.ensureInstalled();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(task)
              // no notification marks the end of a sleep: a poll of a minute would find it late
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMinutes(1)).build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        String id = conductor.invoke(SHORT_NAPPER, new Job("short")).orElseThrow();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
      }
    }
  }
}
