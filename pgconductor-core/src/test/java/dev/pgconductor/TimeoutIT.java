package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hung handlers: a run that outlives its task's timeout fails its attempt at once, even when the
 * handler ignores the interrupt, and what it writes later is rejected; a handler that hangs at
 * every stop without a timeout still ends failed once its free abandoned runs are used up.
 */
class TimeoutIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> HANG =
      TaskDefinition.of("hang", String.class, String.class);
  static final TaskDefinition<String, String> QUICK =
      TaskDefinition.of("quick", String.class, String.class);

  @Test
  void aRunPastItsTimeoutFailsAtOnceEvenIfTheHandlerIgnoresInterruptsAndItsLateWritesAreRejected()
      throws Exception {
    CountDownLatch letGo = new CountDownLatch(1);
    CountDownLatch hung = new CountDownLatch(1);
    AtomicBoolean handlerReturned = new AtomicBoolean();
    List<String> stepsRecorded = new CopyOnWriteArrayList<>();
    ConductorListener steps =
        new ConductorListener() {
          @Override
          public void stepRecorded(StepRecorded event) {
            stepsRecorded.add(event.stepName());
          }
        };
    try (var conductor = db.conductor(TaskSchemas.of(HANG, QUICK)).listener(steps).build()) {
      var hang =
          conductor.createTask(
              TaskOptions.of(HANG).timeout(Duration.ofMillis(300)).maxAttempts(2),
              Trigger.invocable(),
              (event, ctx) -> {
                ctx.step("before", () -> {});
                hung.countDown();
                while (true) { // ignores interrupts, as badly written code does
                  try {
                    if (letGo.await(10, TimeUnit.SECONDS)) {
                      break;
                    }
                  } catch (InterruptedException ignored) {
                    // keeps going
                  }
                }
                try {
                  ctx.step("late", () -> {});
                  return "late result";
                } finally {
                  handlerReturned.set(true);
                }
              });
      var quick =
          conductor.createTask(
              TaskOptions.of(QUICK), Trigger.invocable(), (e, ctx) -> "quick " + e.payload());
      conductor.ensureInstalled();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(hang, quick)
              // one slot: the timed-out run must give it up for the quick one to run
              .defaultWorker(
                  WorkerConfig.builder()
                      .concurrency(1)
                      .fetchBatchSize(1)
                      .pollInterval(Duration.ofMillis(20))
                      .build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        String id = conductor.invoke(HANG, "x").orElseThrow();
        assertThat(hung.await(10, TimeUnit.SECONDS)).isTrue();
        String q = conductor.invoke(QUICK, "y").orElseThrow();

        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> conductor.getExecution(q).orElseThrow().state() == ExecutionState.COMPLETED);
        var timedOut = conductor.getExecution(id).orElseThrow();
        assertThat(timedOut.attempts()).isOne();
        assertThat(timedOut.lastError())
            .startsWith(
                "timed out: this run of task 'hang' took longer than its timeout of PT0.3S");
        assertThat(timedOut.state())
            .as("retried later: attempts are left")
            .isEqualTo(ExecutionState.PENDING);
        assertThat(handlerReturned).as("the handler still hangs").isFalse();

        letGo.countDown();
        await().atMost(Duration.ofSeconds(10)).untilTrue(handlerReturned);
        assertThat(stepsRecorded).as("steps recorded").containsExactly("before");
        var after = conductor.getExecution(id).orElseThrow();
        assertThat(after.state()).isEqualTo(ExecutionState.PENDING);
        assertThat(after.result()).isNull();
      }
    }
  }

  @Test
  void aHandlerThatHangsAtEveryStopEndsFailedOnceItsFreeAbandonedRunsAreUsedUp() {
    try (var conductor = db.conductor(TaskSchemas.of(HANG)).build()) {
      var hang =
          conductor.createTask(
              TaskOptions.of(HANG).maxAttempts(1),
              Trigger.invocable(),
              (event, ctx) -> {
                new CountDownLatch(1).await(); // until a stop interrupts it
                return "never";
              });
      conductor.ensureInstalled();
      String id = conductor.invoke(HANG, "x").orElseThrow();
      for (int stop = 1; stop <= 4; stop++) {
        try (var orchestrator =
            Orchestrator.builder(conductor)
                .tasks(hang)
                .shutdownGrace(Duration.ofMillis(50))
                .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
                .handleSignals(false)
                .build()) {
          orchestrator.start();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.RUNNING);
        } // the stop: grace period, then an interrupt
        var execution = conductor.getExecution(id).orElseThrow();
        if (stop <= 3) {
          assertThat(execution.state()).as("after stop %d", stop).isEqualTo(ExecutionState.PENDING);
          assertThat(execution.attempts()).as("after stop %d", stop).isZero();
        } else {
          assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
          assertThat(execution.attempts()).isOne();
          assertThat(execution.lastError())
              .contains("still ran when orchestrator")
              .contains("shutdown grace period");
        }
      }
    }
  }
}
