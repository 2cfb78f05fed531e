package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases (WRK-9): an orchestrator declared dead loses its executions, and its late write cannot
 * overwrite what the orchestrator that took over did; executions held by an id that is not
 * registered at all are released by the next orchestrator to start.
 */
class LeaseIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> JOB = TaskDefinition.of("job", Job.class, String.class);

  @Test
  void aRescuedExecutionCompletedBySecondOrchestratorIsNotOverwrittenByTheFirstsLateWrite() {
    // first orchestrator: its handler hangs until we let it go; it heartbeats too rarely to matter
    var first = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    CountDownLatch letFirstFinish = new CountDownLatch(1);
    CountDownLatch firstStarted = new CountDownLatch(1);
    var slow =
        first.createTask(
            TaskOptions.of(JOB),
            Trigger.invocable(),
            (e, ctx) -> {
              firstStarted.countDown();
              letFirstFinish.await();
              return "written by the first";
            });
    first.ensureInstalled();
    String id = first.invoke(JOB, new Job("x"));
    // Two more, which the first claims into its buffer behind the hanging one: with one handler
    // slot and claims of one it then holds all it may (concurrency + two claims), so it cannot
    // claim the rescued execution again when the rescue's notification wakes it. (A process in
    // a GC pause or cut off by a partition would not claim either.)
    first.invoke(JOB, new Job("y"));
    first.invoke(JOB, new Job("z"));
    var firstOrchestrator =
        Orchestrator.builder(first)
            .tasks(slow)
            .defaultWorker(WorkerConfig.builder().concurrency(1).fetchBatchSize(1).build())
            .heartbeatInterval(Duration.ofHours(1))
            .heartbeatTimeout(Duration.ofHours(2))
            .handleSignals(false)
            .build();
    firstOrchestrator.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> firstStarted.getCount() == 0);
    String firstId = firstOrchestrator.info().id();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> db.queryLong("select count(*) from pgconductor.executions where locked_by = ?::uuid", firstId) == 3);

    // the first one goes silent (a long GC pause, a partition): its heartbeat is stale
    db.execute(
        "update pgconductor.orchestrators set last_heartbeat_at = now() - interval '1 day' where id = '"
            + firstId + "'");

    var second = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    var quick = second.createTask(TaskOptions.of(JOB), Trigger.invocable(), (e, ctx) -> "written by the second");
    try (var secondOrchestrator =
        Orchestrator.builder(second)
            .tasks(quick)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
            .heartbeatInterval(Duration.ofMillis(100))
            // generous: on a loaded machine a short timeout would let it declare itself dead
            .heartbeatTimeout(Duration.ofSeconds(5))
            .handleSignals(false)
            .build()) {
      secondOrchestrator.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> second.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    }

    // now the first one wakes up and writes its outcome; stop() flushes it for sure
    letFirstFinish.countDown();
    firstOrchestrator.stop().join();

    var execution = first.getExecution(JOB, id).orElseThrow();
    assertThat(execution.result()).isEqualTo("written by the second");
    assertThat(execution.attempts()).isEqualTo(2);
    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(db.queryLong("select count(*) from pgconductor.finished_executions where id = ?::uuid", id))
        .isEqualTo(1);
  }

  @Test
  void executionsHeldByAnUnregisteredOrchestratorAreReleasedWhenAnotherStarts() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    var task = conductor.createTask(TaskOptions.of(JOB), Trigger.invocable(), (e, ctx) -> "ran " + e.payload().name());
    conductor.ensureInstalled();
    String held = conductor.invoke(JOB, new Job("held"));
    String waiting = conductor.invoke(JOB, new Job("waiting"));
    // held by an orchestrator whose row is gone (removed by hand, or by another's rescue while a
    // claim of it was still committing): no heartbeat will ever time it out
    db.execute(
        "update pgconductor.executions set locked_by = gen_random_uuid(), locked_at = now(),"
            + " attempts = 1, lease = 1 where id = '" + held + "'");

    try (var orchestrator = Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> conductor.getExecution(JOB, held).orElseThrow().state() == ExecutionState.COMPLETED
              && conductor.getExecution(JOB, waiting).orElseThrow().state() == ExecutionState.COMPLETED);
    }
    var rescued = conductor.getExecution(JOB, held).orElseThrow();
    assertThat(rescued.result()).isEqualTo("ran held");
    assertThat(rescued.attempts()).as("the lost attempt counts").isEqualTo(2);
    assertThat(conductor.getExecution(JOB, waiting).orElseThrow().attempts()).isEqualTo(1);
  }
}
