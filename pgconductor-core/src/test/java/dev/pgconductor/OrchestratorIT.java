package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WRK-5, WRK-6 (release on stop), WRK-8, WRK-9 (heartbeats): the orchestrator's lifecycle. */
class OrchestratorIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(int n) {}

  static final TaskDefinition<Job, Void> WORK = TaskDefinition.of("work", Job.class);
  static final TaskDefinition<Job, Void> HOLD = TaskDefinition.of("hold", Job.class);

  @Test
  void infoFollowsTheLifecycleAndStopIsIdempotent() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(WORK)).build());
    var task = conductor.createTask(TaskOptions.of(WORK), Trigger.invocable(), (e, ctx) -> null);
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .heartbeatInterval(Duration.ofMillis(100))
            .heartbeatTimeout(Duration.ofSeconds(5))
            .handleSignals(false)
            .build();
    assertThat(orchestrator.info())
        .isEqualTo(new OrchestratorInfo(orchestrator.info().id(), false, false, false));

    orchestrator.start(); // installs the schema itself
    assertThat(orchestrator.info().running()).isTrue();
    String id = orchestrator.info().id();
    assertThat(
            db.queryLong("select count(*) from pgconductor.orchestrators where id = ?::uuid", id))
        .isEqualTo(1);
    long firstBeat = heartbeatMillis(id);
    await().atMost(Duration.ofSeconds(5)).until(() -> heartbeatMillis(id) > firstBeat);
    assertThatThrownBy(orchestrator::start).isInstanceOf(IllegalStateException.class);

    var first = orchestrator.stop();
    var second = orchestrator.stop();
    first.join();
    assertThat(second).isSameAs(first);
    assertThat(orchestrator.stopped()).isDone();
    assertThat(orchestrator.info()).isEqualTo(new OrchestratorInfo(id, false, false, true));
    assertThat(
            db.queryLong("select count(*) from pgconductor.orchestrators where id = ?::uuid", id))
        .as("deregistered")
        .isZero();
    orchestrator.close(); // also harmless after stop
  }

  @Test
  void stopReleasesWhatItHoldsWithoutCountingAnAttemptAndAnotherOrchestratorRunsIt() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(HOLD)).build());
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(HOLD),
            Trigger.invocable(),
            (e, ctx) -> {
              started.incrementAndGet();
              never.await(); // only an interrupt ends this
              return null;
            });
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            HOLD, IntStream.range(0, 6).mapToObj(i -> Invocation.of(new Job(i))).toList());
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().concurrency(2).fetchBatchSize(4).build())
            .shutdownGrace(Duration.ofMillis(300))
            .handleSignals(false)
            .build();
    orchestrator.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 2);
    // all 6 claimed (two batches fit in concurrency + 2 x fetchBatchSize): 2 run, 4 wait
    await().atMost(Duration.ofSeconds(5)).until(() -> countLocked() == 6);

    orchestrator.stop().join();

    assertThat(countLocked()).isZero();
    for (String id : ids) {
      var execution = conductor.getExecution(id).orElseThrow();
      assertThat(execution.state()).isEqualTo(ExecutionState.PENDING);
      assertThat(execution.attempts()).as("a release is not a failed attempt").isZero();
    }

    // a fresh orchestrator (another process in real life) runs them
    var other = db.closeAfter(db.conductor(TaskSchemas.of(HOLD)).build());
    var quick = other.createTask(TaskOptions.of(HOLD), Trigger.invocable(), (e, ctx) -> null);
    try (var second = Orchestrator.builder(other).tasks(quick).handleSignals(false).build()) {
      second.drain();
    }
    for (String id : ids) {
      var execution = conductor.getExecution(id).orElseThrow();
      assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
      assertThat(execution.attempts()).isEqualTo(1);
    }
  }

  @Test
  void builderRejectsInconsistentSetups() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(WORK)).build());
    var task = conductor.createTask(TaskOptions.of(WORK), Trigger.invocable(), (e, ctx) -> null);
    assertThatThrownBy(() -> Orchestrator.builder(conductor).tasks(task, task).build())
        .hasMessageContaining("'work'");
    assertThatThrownBy(
            () ->
                Orchestrator.builder(conductor)
                    .heartbeatInterval(Duration.ofSeconds(10))
                    .heartbeatTimeout(Duration.ofSeconds(5))
                    .build())
        .hasMessageContaining("heartbeatTimeout");
    var elsewhere = db.closeAfter(db.conductor(TaskSchemas.of(WORK)).build());
    assertThatThrownBy(() -> Orchestrator.builder(elsewhere).tasks(task).build())
        .hasMessageContaining("not created by this orchestrator's Conductor");
  }

  private long countLocked() {
    return db.queryLong("select count(*) from pgconductor.executions where locked_by is not null");
  }

  private long heartbeatMillis(String id) {
    return db.queryLong(
        "select (extract(epoch from last_heartbeat_at) * 1000)::bigint from pgconductor.orchestrators where id = ?::uuid",
        id);
  }
}
