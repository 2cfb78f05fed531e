package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CAN-1, CTX-4, CTX-6: cancellation of pending, running, waiting and child executions. */
class CancelIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(int n) {}

  static final TaskDefinition<Job, Integer> LOOPER =
      TaskDefinition.of("looper", Job.class, Integer.class);
  static final TaskDefinition<Job, Void> BLOCKER = TaskDefinition.of("blocker", Job.class);
  static final TaskDefinition<Job, Void> NEVER = TaskDefinition.of("never", Job.class);
  static final TaskDefinition<Job, Integer> PARENT =
      TaskDefinition.of("parent", Job.class, Integer.class);
  static final TaskDefinition<Job, Integer> CHILD =
      TaskDefinition.of("child", Job.class, Integer.class);
  static final TaskDefinition<Job, Void> SELF = TaskDefinition.of("self", Job.class);

  static final WorkerConfig FAST =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @Test
  void aPendingExecutionFailsWithTheReasonAndNeverRuns() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(NEVER)).build());
    AtomicInteger runs = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(NEVER),
            Trigger.invocable(),
            (e, ctx) -> {
              runs.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(NEVER, new Job(1)).orElseThrow();
    String other = conductor.invoke(NEVER, new Job(2)).orElseThrow();

    assertThat(conductor.cancel(id, "no longer needed")).isTrue();
    assertThat(conductor.cancel(id, "again")).as("already finished").isFalse();
    assertThat(conductor.cancel(other)).isTrue();
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.drain();
    }
    assertThat(runs).hasValue(0);
    var cancelled = conductor.getExecution(id).orElseThrow();
    assertThat(cancelled.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(cancelled.lastError()).isEqualTo("no longer needed");
    assertThat(conductor.getExecution(other).orElseThrow().lastError())
        .isEqualTo("Cancelled by user");
  }

  @Test
  void anUnknownIdIsNotCancelledAndAMalformedOneIsAnError() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(NEVER)).build());
    conductor.ensureInstalled();
    assertThat(conductor.cancel("01a2165b-6929-77be-8c88-fd57cfa314ff")).isFalse();
    assertThatThrownBy(() -> conductor.cancel("not-an-id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'not-an-id' is not an execution id");
  }

  @Test
  void aRunningExecutionStopsAtItsNextCheckpointEndsCancelledAndIsNotRetried() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(LOOPER)).build());
    AtomicInteger loops = new AtomicInteger();
    AtomicReference<TaskSignal.Reason> reasonSeen = new AtomicReference<>();
    AtomicInteger runs = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(LOOPER).maxAttempts(5),
            Trigger.invocable(),
            (event, ctx) -> {
              runs.incrementAndGet();
              while (true) {
                loops.incrementAndGet();
                try {
                  ctx.checkpoint();
                } finally {
                  // read where the run ends, so a cancel between two reads cannot be missed
                  if (ctx.signal().isAborted()) {
                    reasonSeen.set(ctx.signal().reason());
                  }
                }
                Thread.onSpinWait();
              }
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(LOOPER, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> loops.get() > 1000);
      assertThat(conductor.cancel(id, "stop looping")).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.CANCELLED);
    }
    var execution = conductor.getExecution(id).orElseThrow();
    assertThat(execution.lastError()).isEqualTo("stop looping");
    assertThat(execution.attempts()).isEqualTo(1);
    assertThat(reasonSeen).hasValue(TaskSignal.Reason.CANCELLED);
    assertThat(runs).hasValue(1);
  }

  @Test
  void aHandlerBlockedInACallIsInterruptedByTheCancellation() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(BLOCKER)).build());
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    var task =
        conductor.createTask(
            TaskOptions.of(BLOCKER),
            Trigger.invocable(),
            (event, ctx) -> {
              started.countDown();
              try {
                new CountDownLatch(1).await(); // blocking I/O stands in here
              } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
              }
              return null;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(BLOCKER, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> started.getCount() == 0);
      conductor.cancel(id);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.CANCELLED);
    }
    assertThat(interrupted).isTrue();
    assertThat(conductor.getExecution(id).orElseThrow().lastError()).isEqualTo("Cancelled by user");
  }

  @Test
  void aClaimedExecutionThatHasNotStartedEndsCancelledWithoutRunning() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(BLOCKER)).build());
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    AtomicInteger secondRuns = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(BLOCKER),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().n() == 1) {
                firstStarted.countDown();
                releaseFirst.await();
              } else {
                secondRuns.incrementAndGet();
              }
              return null;
            });
    conductor.ensureInstalled();
    String first = conductor.invoke(BLOCKER, new Job(1)).orElseThrow();
    String second = conductor.invoke(BLOCKER, new Job(2)).orElseThrow();
    // one handler at a time, two claimed at once: the second waits in the worker's buffer
    WorkerConfig oneAtATime =
        WorkerConfig.builder()
            .concurrency(1)
            .fetchBatchSize(2)
            .pollInterval(Duration.ofMillis(20))
            .build();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(oneAtATime)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> firstStarted.getCount() == 0);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.executions where id = ?::uuid and locked_by is not null",
                          second)
                      == 1);

      assertThat(conductor.cancel(second, "not this one")).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, second) == ExecutionState.CANCELLED);
      releaseFirst.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, first) == ExecutionState.COMPLETED);
    }
    assertThat(secondRuns).as("the cancelled execution's handler never ran").hasValue(0);
    assertThat(conductor.getExecution(second).orElseThrow().lastError()).isEqualTo("not this one");
  }

  @Test
  void cancellingAWaitingParentEndsItAndItsChild() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, CHILD)).build());
    CountDownLatch childStarted = new CountDownLatch(1);
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("child", CHILD, event.payload()));
    var child =
        conductor.createTask(
            TaskOptions.of(CHILD),
            Trigger.invocable(),
            (event, ctx) -> {
              childStarted.countDown();
              while (true) {
                ctx.checkpoint();
                Thread.onSpinWait();
              }
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(PARENT, new Job(1)).orElseThrow();
    String childId;
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent, child)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> childStarted.getCount() == 0);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
      childId =
          db.dataSourceQueryString(
              "select id::text from pgconductor.executions where parent_id = '" + id + "'");
      assertThat(conductor.cancel(id, "order withdrawn")).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, childId) == ExecutionState.CANCELLED);
    }
    var parentExecution = conductor.getExecution(id).orElseThrow();
    assertThat(parentExecution.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(parentExecution.lastError()).isEqualTo("order withdrawn");
    assertThat(conductor.getExecution(childId).orElseThrow().lastError())
        .isEqualTo("Parent execution cancelled: order withdrawn");
    assertThat(
            db.queryLong("select count(*) from pgconductor.steps where execution_id = ?::uuid", id))
        .as("the cancelled parent's steps are removed")
        .isZero();
  }

  @Test
  void aCancelThatDeadlocksWithAFlushWakingTheParentIsTriedAgain() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, CHILD)).build());
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("child", CHILD, event.payload()));
    conductor.ensureInstalled();
    String id = conductor.invoke(PARENT, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent) // nobody runs the child: the parent waits for it
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
    }
    String childId =
        db.dataSourceQueryString(
            "select id::text from pgconductor.executions where parent_id = '" + id + "'");
    // A flush finishing the child holds the child's row and then wakes the parent; the cancel
    // locks the parent first (it is older), then waits for the child: a deadlock, which
    // Postgres breaks by ending the cancel (the flush's side checks for deadlocks much later).
    try (var flush = db.dataSource().getConnection()) {
      flush.setAutoCommit(false);
      try (var st = flush.createStatement()) {
        st.execute("set local deadlock_timeout = '30s'");
        st.execute("select 1 from pgconductor.executions where id = '" + childId + "' for update");
      }
      var cancel =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> conductor.cancel(id, "order withdrawn"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pg_stat_activity where datname ="
                              + " current_database() and wait_event_type = 'Lock'")
                      > 0);
      try (var st = flush.createStatement()) {
        st.execute("update pgconductor.executions set run_at = run_at where id = '" + id + "'");
      }
      flush.commit();
      assertThat(cancel.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    assertThat(conductor.getExecution(id).orElseThrow().lastError()).isEqualTo("order withdrawn");
    assertThat(state(conductor, childId)).isEqualTo(ExecutionState.FAILED);
  }

  @Test
  void cancellingTheChildAParentWaitsOnFailsTheParentWithTheChildsReason() {
    // a frozen test clock: the parent must wake by that clock, not the database's
    var clock = new dev.pgconductor.testing.TestClock(java.time.Instant.now());
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, CHILD)).clock(clock).build());
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("child", CHILD, event.payload()));
    // the child's task is served nowhere, so it stays pending
    conductor.ensureInstalled();
    String id = conductor.invoke(PARENT, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
      String childId =
          db.dataSourceQueryString(
              "select id::text from pgconductor.executions where parent_id = '" + id + "'");
      assertThat(conductor.cancel(childId, "price feed retired")).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.FAILED);
    }
    assertThat(conductor.getExecution(id).orElseThrow().lastError())
        .isEqualTo("Child execution failed: price feed retired");
  }

  @Test
  void aTaskCanCancelItselfAndCheckpointReturnsAtOnceOtherwise() {
    AtomicReference<Conductor<Void>> self = new AtomicReference<>();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(SELF)).build());
    self.set(conductor);
    AtomicInteger checkpoints = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(SELF),
            Trigger.invocable(),
            (event, ctx) -> {
              for (int i = 0; i < 100; i++) {
                ctx.checkpoint(); // nothing to do: returns at once
                checkpoints.incrementAndGet();
              }
              self.get().cancel(ctx.executionId(), "nothing left to do");
              await().atMost(Duration.ofSeconds(10)).until(() -> ctx.signal().isAborted());
              ctx.checkpoint();
              checkpoints.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(SELF, new Job(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            // a rescuer judges once it has itself been live for a heartbeat timeout
            .heartbeatInterval(Duration.ofMillis(100))
            .heartbeatTimeout(Duration.ofSeconds(1))
            .build()) {
      orchestrator.drain();
    }
    assertThat(checkpoints).hasValue(100);
    assertThat(state(conductor, id)).isEqualTo(ExecutionState.CANCELLED);
    assertThat(conductor.getExecution(id).orElseThrow().lastError())
        .isEqualTo("nothing left to do");
  }

  @Test
  void aCancelledRunThatOutlivesItsOrchestratorsStopEndsCancelledAndNeverStartsAgain()
      throws Exception {
    // closed here: a pool per test would outnumber the server's connections by the end
    try (var conductor = db.conductor(TaskSchemas.of(BLOCKER)).build()) {
      AtomicInteger starts = new AtomicInteger();
      CountDownLatch mayReturn = new CountDownLatch(1);
      var task =
          conductor.createTask(
              TaskOptions.of(BLOCKER),
              Trigger.invocable(),
              (e, ctx) -> {
                starts.incrementAndGet();
                // ignores interrupts and has no step or checkpoint to stop at
                while (true) {
                  try {
                    if (mayReturn.await(10, TimeUnit.SECONDS)) {
                      return null;
                    }
                  } catch (InterruptedException ignored) {
                    // keeps going
                  }
                }
              });
      conductor.ensureInstalled();
      String id = conductor.invoke(BLOCKER, new Job(1)).orElseThrow();
      var first =
          Orchestrator.builder(conductor)
              .tasks(task)
              .defaultWorker(FAST)
              .handleSignals(false)
              .shutdownGrace(Duration.ofMillis(100))
              .build();
      first.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> starts.get() == 1);
      assertThat(conductor.cancel(id, "stop that")).isTrue();
      // the handler does not react; its orchestrator stops and gives up on it
      first.stop().get(30, TimeUnit.SECONDS);
      assertThat(state(conductor, id)).isEqualTo(ExecutionState.CANCELLED);

      try (var second =
          Orchestrator.builder(conductor)
              .tasks(task)
              .defaultWorker(FAST)
              .handleSignals(false)
              .build()) {
        second.drain();
      }
      mayReturn.countDown();
      assertThat(starts).as("handler starts").hasValue(1);
      var cancelled = conductor.getExecution(id).orElseThrow();
      assertThat(cancelled.state()).isEqualTo(ExecutionState.CANCELLED);
      assertThat(cancelled.lastError()).isEqualTo("stop that");
    }
  }

  @Test
  void aCancelledRunWhoseOrchestratorDiedEndsCancelledWhenRescued() {
    // closed here: a pool per test would outnumber the server's connections by the end
    try (var conductor = db.conductor(TaskSchemas.of(NEVER)).build()) {
      AtomicInteger runs = new AtomicInteger();
      var task = counting(conductor, runs);
      conductor.ensureInstalled();
      String id = conductor.invoke(NEVER, new Job(1)).orElseThrow();
      // as if it ran on an orchestrator that died after the cancel reached it
      db.holdByDeadOrchestrator(id, "changed my mind");

      drain(conductor, task);
      assertThat(runs).hasValue(0);
      var cancelled = conductor.getExecution(id).orElseThrow();
      assertThat(cancelled.state()).isEqualTo(ExecutionState.CANCELLED);
      assertThat(cancelled.lastError()).isEqualTo("changed my mind");
    }
  }

  @Test
  void anExecutionClaimedWithAPendingCancellationEndsCancelledWithoutRunning() {
    // closed here: a pool per test would outnumber the server's connections by the end
    try (var conductor = db.conductor(TaskSchemas.of(NEVER)).build()) {
      AtomicInteger runs = new AtomicInteger();
      var task = counting(conductor, runs);
      conductor.ensureInstalled();
      String id = conductor.invoke(NEVER, new Job(1)).orElseThrow();
      // a row left ready with a cancellation request (the engine no longer leaves one so)
      db.execute(
          "update pgconductor.executions set cancel_reason = 'too late' where id = '" + id + "'");

      drain(conductor, task);
      assertThat(runs).hasValue(0);
      var cancelled = conductor.getExecution(id).orElseThrow();
      assertThat(cancelled.state()).isEqualTo(ExecutionState.CANCELLED);
      assertThat(cancelled.lastError()).isEqualTo("too late");
    }
  }

  /** A task that never does anything but count its runs. */
  private static Task<Job, Void> counting(Conductor<Void> conductor, AtomicInteger runs) {
    return conductor.createTask(
        TaskOptions.of(NEVER),
        Trigger.invocable(),
        (e, ctx) -> {
          runs.incrementAndGet();
          return null;
        });
  }

  static final TaskDefinition<Job, Boolean> CANCELLER =
      TaskDefinition.of("canceller", Job.class, Boolean.class);

  @Test
  void aHandlerCancelsAnotherExecutionThroughItsContext() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(NEVER, CANCELLER)).build());
    AtomicInteger runs = new AtomicInteger();
    var never =
        conductor.createTask(
            TaskOptions.of(NEVER),
            Trigger.invocable(),
            (e, ctx) -> {
              runs.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    String target =
        conductor
            .invoke(
                NEVER,
                new Job(1),
                InvokeOptions.builder().runAt(java.time.Instant.now().plusSeconds(3600)).build())
            .orElseThrow();
    var canceller =
        conductor.createTask(
            TaskOptions.of(CANCELLER),
            Trigger.invocable(),
            (e, ctx) -> {
              assertThatThrownBy(() -> ctx.cancel("not-an-id"))
                  .isInstanceOf(IllegalArgumentException.class);
              return ctx.cancel(target, "superseded by " + ctx.executionId());
            });
    String id = conductor.invoke(CANCELLER, new Job(2)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(never, canceller)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    assertThat(conductor.getExecution(CANCELLER, id).orElseThrow().result()).isTrue();
    var cancelled = conductor.getExecution(target).orElseThrow();
    assertThat(cancelled.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(cancelled.lastError()).isEqualTo("superseded by " + id);
    assertThat(runs).hasValue(0);
  }

  private static void drain(Conductor<?> conductor, Task<?, ?> task) {
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            // a rescuer judges once it has itself been live for a heartbeat timeout
            .heartbeatInterval(Duration.ofMillis(100))
            .heartbeatTimeout(Duration.ofSeconds(1))
            .build()) {
      orchestrator.drain();
    }
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
