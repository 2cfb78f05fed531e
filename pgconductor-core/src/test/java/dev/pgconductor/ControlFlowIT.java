package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The internal hang-up cannot be swallowed by catch (Exception), and catch (Throwable) fails
 * clearly.
 */
class ControlFlowIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(int n) {}

  static final TaskDefinition<Job, String> CAREFUL =
      TaskDefinition.of("careful", Job.class, String.class);
  static final TaskDefinition<Job, String> GREEDY =
      TaskDefinition.of("greedy", Job.class, String.class);

  @Test
  void catchingExceptionAroundContextCallsDoesNotSwallowTheSuspension() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(CAREFUL)).build());
    AtomicInteger caught = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(CAREFUL),
            Trigger.invocable(),
            (event, ctx) -> {
              try {
                ctx.sleep("short", Duration.ofMillis(50));
              } catch (Exception e) {
                caught.incrementAndGet();
              }
              return "slept";
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(CAREFUL, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    }
    assertThat(caught).hasValue(0);
    assertThat(conductor.getExecution(CAREFUL, id).orElseThrow().result()).isEqualTo("slept");
  }

  @Test
  void swallowingTheSuspensionWithCatchThrowableFailsTheRunWithAClearError() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(GREEDY)).build());
    var task =
        conductor.createTask(
            TaskOptions.of(GREEDY).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              try {
                ctx.sleep("nap", Duration.ofHours(1));
              } catch (Throwable swallowed) {
                // the mistake this guards against
              }
              return "went on as if it had slept";
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(GREEDY, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.drain();
    }
    var execution = conductor.getExecution(id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(execution.lastError())
        .contains("caught pgconductor's control flow")
        .contains("Never catch Throwable");
  }
}
