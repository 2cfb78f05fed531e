package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.support.ChildJvm;
import dev.pgconductor.support.CrashableWorkerMain;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WRK-9: an orchestrator killed without stop() has its executions rerun by another one, which is
 * woken for them as soon as they are released.
 */
class CrashRecoveryIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @Test
  void executionsOfAKilledOrchestratorAreRerunElsewhereAfterTheHeartbeatTimeout() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(CrashableWorkerMain.STUCK)).build());
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            CrashableWorkerMain.STUCK,
            IntStream.range(0, 5)
                .mapToObj(i -> Invocation.of(new CrashableWorkerMain.Job(i)))
                .toList());

    try (ChildJvm child = ChildJvm.start(CrashableWorkerMain.class, db.url())) {
      String childId = child.orchestratorId();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  ids.stream()
                      .allMatch(
                          id ->
                              conductor.getExecution(id).orElseThrow().state()
                                  == ExecutionState.RUNNING));

      child.kill();

      var task =
          conductor.createTask(
              TaskOptions.of(CrashableWorkerMain.STUCK),
              Trigger.invocable(),
              (event, ctx) -> "rerun " + event.payload().n());
      // The rescuer's worker polls only every 60 s: the rescue (in a heartbeat, once the dead
      // orchestrator's heartbeat is 3 s old) must wake it to run the released executions.
      try (var rescuer =
          Orchestrator.builder(conductor)
              .tasks(task)
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofSeconds(60)).build())
              .heartbeatInterval(Duration.ofMillis(200))
              .heartbeatTimeout(Duration.ofSeconds(3))
              .handleSignals(false)
              .build()) {
        rescuer.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    ids.stream()
                        .allMatch(
                            id ->
                                conductor.getExecution(id).orElseThrow().state()
                                    == ExecutionState.COMPLETED));
      }
      for (int i = 0; i < ids.size(); i++) {
        var execution = conductor.getExecution(CrashableWorkerMain.STUCK, ids.get(i)).orElseThrow();
        assertThat(execution.result()).isEqualTo("rerun " + i);
        assertThat(execution.attempts())
            .as("the run lost in the killed JVM is an abandoned run, not an attempt")
            .isEqualTo(1);
      }
      assertThat(
              db.queryLong(
                  "select count(*) from pgconductor.orchestrators where id = ?::uuid", childId))
          .as("the dead orchestrator was removed")
          .isZero();
    }
  }

  @Test
  void sigtermStopsTheOrchestratorGracefullyAndReleasesWhatItHeld() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(CrashableWorkerMain.STUCK)).build());
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            CrashableWorkerMain.STUCK,
            IntStream.range(0, 3)
                .mapToObj(i -> Invocation.of(new CrashableWorkerMain.Job(i)))
                .toList());
    try (ChildJvm child = ChildJvm.start(CrashableWorkerMain.class, db.url())) {
      String childId = child.orchestratorId();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  ids.stream()
                      .allMatch(
                          id ->
                              conductor.getExecution(id).orElseThrow().state()
                                  == ExecutionState.RUNNING));

      child.terminate(); // SIGTERM
      assertThat(child.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("exited").isTrue();

      for (String id : ids) {
        var execution = conductor.getExecution(id).orElseThrow();
        assertThat(execution.state()).isEqualTo(ExecutionState.PENDING);
        assertThat(execution.attempts()).as("released, not failed").isZero();
      }
      assertThat(
              db.queryLong(
                  "select count(*) from pgconductor.orchestrators where id = ?::uuid", childId))
          .as("deregistered on the way out")
          .isZero();
    }
  }
}
