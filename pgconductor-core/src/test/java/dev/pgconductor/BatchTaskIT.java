package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Batch tasks (BAT-1): one handler call for many executions, each with its own outcome. */
class BatchTaskIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Item(int n) {}

  static final TaskDefinition<Item, Integer> DOUBLE =
      TaskDefinition.of("double", Item.class, Integer.class);
  static final TaskDefinition<Item, Integer> SINGLE =
      TaskDefinition.of("single", Item.class, Integer.class);
  static final TaskSchemas SCHEMAS = TaskSchemas.of(DOUBLE, SINGLE);

  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @BeforeEach
  void empty() {
    db.installSchema();
    db.emptyExecutionTables();
  }

  @Test
  void fullBatchesRunAtOnceAndEachExecutionGetsItsOwnResult() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    var task =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).batch(10, Duration.ofMinutes(5)),
            Trigger.invocable(),
            (events, ctx) -> {
              batches.add(events.stream().map(e -> e.payload().n()).toList());
              assertThat(ctx.executionIds()).hasSize(events.size());
              return events.stream().map(e -> e.payload().n() * 2).toList();
            });
    conductor.ensureInstalled();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(conductor.invoke(DOUBLE, new Item(i)).orElseThrow());
    }
    try (var orchestrator = start(conductor, task)) {
      // a full batch never waits for its five minutes
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, ids, ExecutionState.COMPLETED));
    }
    assertThat(batches).hasSize(3).allSatisfy(b -> assertThat(b).hasSize(10));
    for (int i = 0; i < 30; i++) {
      var execution = conductor.getExecution(DOUBLE, ids.get(i)).orElseThrow();
      assertThat(execution.result()).isEqualTo(i * 2);
      assertThat(execution.attempts()).isOne();
    }
  }

  @Test
  void aLoneEventRunsOnceItsBatchHasWaitedMaxWait() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    List<Instant> calls = new CopyOnWriteArrayList<>();
    var task =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).batch(50, Duration.ofMillis(700)),
            Trigger.invocable(),
            (events, ctx) -> {
              calls.add(Instant.now());
              sizes.add(events.size());
              return events.stream().map(e -> e.payload().n() * 2).toList();
            });
    conductor.ensureInstalled();
    try (var orchestrator = start(conductor, task)) {
      Instant invoked = Instant.now();
      String id = conductor.invoke(DOUBLE, new Item(21)).orElseThrow();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, List.of(id), ExecutionState.COMPLETED));
      assertThat(sizes).containsExactly(1);
      assertThat(Duration.between(invoked, calls.getFirst()))
          .as("held for its maxWait, hoping for company")
          .isGreaterThanOrEqualTo(Duration.ofMillis(700));
      assertThat(conductor.getExecution(DOUBLE, id).orElseThrow().result()).isEqualTo(42);
    }
  }

  @Test
  void aThrowFailsTheWholeBatchAndEachExecutionIsRetriedOnItsOwn() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    AtomicInteger calls = new AtomicInteger();
    var task =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE)
                .batch(5, Duration.ZERO)
                .maxAttempts(3)
                .retry(RetryPolicy.fixed(Duration.ofMinutes(1))),
            Trigger.invocable(),
            (events, ctx) -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the partner API is down");
              }
              return events.stream().map(e -> e.payload().n() * 2).toList();
            });
    conductor.ensureInstalled();
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ids.add(conductor.invoke(DOUBLE, new Item(i)).orElseThrow());
    }
    try (var orchestrator = start(conductor, task)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  ids.stream()
                      .map(id -> conductor.getExecution(id).orElseThrow())
                      .allMatch(
                          e ->
                              e.attempts() == 1
                                  && "the partner API is down".equals(e.lastError())));
      assertThat(ids)
          .allSatisfy(
              id ->
                  assertThat(conductor.getExecution(id).orElseThrow().runAt())
                      .isEqualTo(clock.instant().plus(Duration.ofMinutes(1))));
      clock.advance(Duration.ofMinutes(1));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, ids, ExecutionState.COMPLETED));
    }
    for (int i = 0; i < 5; i++) {
      var e = conductor.getExecution(DOUBLE, ids.get(i)).orElseThrow();
      assertThat(e.attempts()).isEqualTo(2);
      assertThat(e.result()).isEqualTo((i + 1) * 2);
    }
  }

  @Test
  void aHandlerReturningTheWrongNumberOfResultsFailsTheBatchClearly() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    var task =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).batch(3, Duration.ZERO).maxAttempts(1),
            Trigger.invocable(),
            (events, ctx) -> List.of(1));
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            DOUBLE,
            List.of(
                Invocation.of(new Item(1)),
                Invocation.of(new Item(2)),
                Invocation.of(new Item(3))));
    try (var orchestrator = start(conductor, task)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, ids, ExecutionState.FAILED));
    }
    assertThat(conductor.getExecution(ids.getFirst()).orElseThrow().lastError())
        .contains("batch handler of task 'double' returned 1 results for 3 events");
  }

  @Test
  void aSleepPutsTheWholeBatchToSleepAndItResumesTogether() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    AtomicInteger afterSleep = new AtomicInteger();
    var task =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).batch(4, Duration.ZERO),
            Trigger.invocable(),
            (events, ctx) -> {
              sizes.add(events.size());
              ctx.sleep("rate-limit", Duration.ofHours(1));
              afterSleep.incrementAndGet();
              return events.stream().map(e -> e.payload().n() * 2).toList();
            });
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            DOUBLE,
            List.of(
                Invocation.of(new Item(1)),
                Invocation.of(new Item(2)),
                Invocation.of(new Item(3)),
                Invocation.of(new Item(4))));
    try (var orchestrator = start(conductor, task)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, ids, ExecutionState.WAITING));
      Instant wakeUp = clock.instant().plus(Duration.ofHours(1));
      assertThat(ids)
          .allSatisfy(
              id -> assertThat(conductor.getExecution(id).orElseThrow().runAt()).isEqualTo(wakeUp));
      assertThat(afterSleep).hasValue(0);

      clock.advance(Duration.ofHours(1));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> allIn(conductor, ids, ExecutionState.COMPLETED));
    }
    assertThat(sizes).as("slept together, resumed together").containsExactly(4, 4);
    assertThat(afterSleep).hasValue(1);
    assertThat(conductor.getExecution(ids.getFirst()).orElseThrow().attempts())
        .as("a sleep uses no attempt")
        .isOne();
  }

  @Test
  void aBatchTaskWaitingToFillDoesNotHoldUpOrdinaryTasksOfItsQueue() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    var batch =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).batch(1_000, Duration.ofMinutes(5)),
            Trigger.invocable(),
            (events, ctx) -> events.stream().map(e -> e.payload().n() * 2).toList());
    var single =
        conductor.createTask(
            TaskOptions.of(SINGLE), Trigger.invocable(), (event, ctx) -> event.payload().n());
    conductor.ensureInstalled();
    List<String> gathering = new ArrayList<>();
    List<String> ordinary = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      // the batch's executions first and with a higher priority
      gathering.add(
          conductor
              .invoke(DOUBLE, new Item(i), InvokeOptions.builder().priority(5).build())
              .orElseThrow());
    }
    for (int i = 0; i < 50; i++) {
      ordinary.add(conductor.invoke(SINGLE, new Item(i)).orElseThrow());
    }
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(batch, single)
            .defaultWorker(FAST_POLL)
            .handleSignals(false)
            .build();
    orchestrator.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> allIn(conductor, ordinary, ExecutionState.COMPLETED));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> allIn(conductor, gathering, ExecutionState.RUNNING));

    // a stop hands back what was still gathering, as if it had never been claimed
    orchestrator.stop().join();
    assertThat(gathering)
        .allSatisfy(
            id -> {
              var e = conductor.getExecution(id).orElseThrow();
              assertThat(e.state()).isEqualTo(ExecutionState.PENDING);
              assertThat(e.attempts()).isZero();
            });
  }

  @Test
  void aBatchThatHangsAtEveryStopEndsFailedOnceItsFreeAbandonedRunsAreUsedUp() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    var hang =
        conductor.createBatchTask(
            TaskOptions.of(DOUBLE).maxAttempts(1).batch(2, Duration.ofMillis(10)),
            Trigger.invocable(),
            (events, ctx) -> {
              new java.util.concurrent.CountDownLatch(1).await(); // until a stop interrupts it
              return List.of();
            });
    conductor.ensureInstalled();
    List<String> ids =
        List.of(
            conductor.invoke(DOUBLE, new Item(1)).orElseThrow(),
            conductor.invoke(DOUBLE, new Item(2)).orElseThrow());
    for (int stop = 1; stop <= 4; stop++) {
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(hang)
              .shutdownGrace(Duration.ofMillis(50))
              .defaultWorker(FAST_POLL)
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> allIn(conductor, ids, ExecutionState.RUNNING));
      } // the stop: grace period, then an interrupt
      for (String id : ids) {
        var execution = conductor.getExecution(id).orElseThrow();
        if (stop <= 3) {
          assertThat(execution.state()).as("after stop %d", stop).isEqualTo(ExecutionState.PENDING);
          assertThat(execution.attempts()).as("after stop %d", stop).isZero();
        } else {
          assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
          assertThat(execution.attempts()).isOne();
          assertThat(execution.lastError())
              .contains("the batch handler still ran when orchestrator")
              .contains("shutdown grace period");
        }
      }
    }
  }

  @Test
  void batchOptionsAndHandlersMustMatch() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(DOUBLE).batch(10, Duration.ofSeconds(1)),
                    Trigger.invocable(),
                    (event, ctx) -> 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("task 'double' has batch options: register it with createBatchTask");
    assertThatThrownBy(
            () ->
                conductor.createBatchTask(
                    TaskOptions.of(DOUBLE), Trigger.invocable(), (events, ctx) -> List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TaskOptions.batch(size, maxWait)");
    assertThatThrownBy(
            () ->
                conductor.createBatchTask(
                    TaskOptions.of(DOUBLE).batch(10, Duration.ZERO).timeout(Duration.ofSeconds(5)),
                    Trigger.invocable(),
                    (events, ctx) -> List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot have a timeout");
    assertThatThrownBy(() -> TaskOptions.of(DOUBLE).batch(0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1 and 1000");
  }

  private static Orchestrator start(Conductor<?> conductor, Task<?, ?> task) {
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST_POLL)
            .handleSignals(false)
            .build();
    orchestrator.start();
    return orchestrator;
  }

  private static boolean allIn(Conductor<?> conductor, List<String> ids, ExecutionState state) {
    return ids.stream()
        .allMatch(id -> conductor.getExecution(id).map(Execution::state).orElse(null) == state);
  }
}
