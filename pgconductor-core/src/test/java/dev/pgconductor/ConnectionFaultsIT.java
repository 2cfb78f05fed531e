package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.FaultyDataSource;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection trouble is not the handler's failure: a step whose recording meets a refused or lost
 * connection is recorded once the database answers, a transactional step whose commit answer is
 * lost is found committed rather than run twice, and neither uses up an attempt. Executions whose
 * orchestrator dies are given their first abandoned runs back.
 */
class ConnectionFaultsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> FLOW =
      TaskDefinition.of("flow", String.class, String.class);

  @Test
  void stepsAreRecordedThroughRefusedConnectionsWithoutUsingAnAttempt() throws Exception {
    AtomicInteger bodyRuns = new AtomicInteger();
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(FLOW)).build()) {
        var task =
            conductor.createTask(
                TaskOptions.of(FLOW).maxAttempts(1),
                Trigger.invocable(),
                (event, ctx) -> {
                  String a = ctx.step("a", String.class, () -> "a" + bodyRuns.incrementAndGet());
                  String b = ctx.step("b", String.class, () -> "b");
                  return a + b;
                });
        conductor.ensureInstalled();
        // the step writer's connections are refused for its first tries
        AtomicInteger refusals = new AtomicInteger(3);
        database.refuseConnections(
            name -> name.endsWith("-step-writer") && refusals.getAndDecrement() > 0);
        String id = conductor.invoke(FLOW, "x").orElseThrow();
        try (var orchestrator = orchestrator(conductor, task)) {
          orchestrator.start();
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
        }
        assertThat(database.refusedCount()).isGreaterThanOrEqualTo(3);
        var execution = conductor.getExecution(FLOW, id).orElseThrow();
        assertThat(execution.result()).isEqualTo("a1b");
        assertThat(execution.attempts()).isOne();
        assertThat(bodyRuns).as("the step body ran once").hasValue(1);
      }
    }
  }

  @Test
  void aTransactionalStepWhoseCommitAnswerIsLostTakesEffectOnce() throws Exception {
    db.execute("create table effects (execution text)");
    AtomicInteger bodyRuns = new AtomicInteger();
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource database = new FaultyDataSource(pool);
      try (var conductor =
          Conductor.builder().dataSource(database).tasks(TaskSchemas.of(FLOW)).build()) {
        var task =
            conductor.createTask(
                TaskOptions.of(FLOW).maxAttempts(1),
                Trigger.invocable(),
                (event, ctx) ->
                    ctx.transactionalStep(
                        "effect",
                        String.class,
                        connection -> {
                          bodyRuns.incrementAndGet();
                          try (PreparedStatement ps =
                              connection.prepareStatement("insert into effects values (?)")) {
                            ps.setString(1, ctx.executionId());
                            ps.executeUpdate();
                          }
                          return "effect of " + event.payload();
                        }));
        conductor.ensureInstalled();
        // handlers run on the worker's handler threads; their first commit answer is lost
        database.loseCommitAnswers(name -> name.contains("-handler-"), 1);
        // and then a connection is refused to them, once
        AtomicInteger refusals = new AtomicInteger(1);
        database.refuseConnections(
            name ->
                name.contains("-handler-")
                    && database.commitAnswersLeftToLose() == 0
                    && refusals.getAndDecrement() > 0);
        String id = conductor.invoke(FLOW, "x").orElseThrow();
        try (var orchestrator = orchestrator(conductor, task)) {
          orchestrator.start();
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
        }
        assertThat(database.commitAnswersLeftToLose()).as("an answer was lost").isZero();
        var execution = conductor.getExecution(FLOW, id).orElseThrow();
        assertThat(execution.result()).isEqualTo("effect of x");
        assertThat(execution.attempts()).isOne();
        assertThat(bodyRuns).as("the body committed once and was not run again").hasValue(1);
        assertThat(db.queryLong("select count(*) from effects where execution = ?", id)).isOne();
      }
    }
  }

  @Test
  void anExecutionWhoseOrchestratorsKeepDyingFailsOnlyAfterItsFreeAbandonedRuns() {
    try (var conductor = db.conductor(TaskSchemas.of(FLOW)).build()) {
      conductor.ensureInstalled();
      db.execute("truncate pgconductor.executions");
      db.execute(
          "insert into pgconductor.tasks (key, queue, max_attempts, invocable)"
              + " values ('flow', 'default', 1, true)"
              + " on conflict (key) do update set max_attempts = 1");
      String id = conductor.invoke(FLOW, "x").orElseThrow();
      for (int crash = 1; crash <= 4; crash++) {
        db.holdByDeadOrchestrator(id, null); // claimed (attempt 1), then its orchestrator died
        db.execute("select pgconductor.rescue(null, interval '1 minute', null)");
        var execution = conductor.getExecution(id).orElseThrow();
        if (crash <= 3) {
          assertThat(execution.state())
              .as("after crash %d", crash)
              .isEqualTo(ExecutionState.PENDING);
          assertThat(execution.attempts()).as("after crash %d", crash).isZero();
        } else {
          assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
          assertThat(execution.lastError())
              .contains("stopped heartbeating while running this execution")
              .contains("abandoned runs: 4");
        }
      }
    }
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?> task) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
        .handleSignals(false)
        .build();
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
