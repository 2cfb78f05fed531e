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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention of finished executions, the daily maintenance that removes them, and dropQueue. */
class RetentionIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Order(String id, boolean fail) {}

  static final TaskDefinition<Order, String> SHORT_LIVED =
      TaskDefinition.of("short-lived", Order.class, String.class);
  static final TaskDefinition<Order, String> KEPT =
      TaskDefinition.of("kept", Order.class, String.class);
  static final TaskDefinition<Order, String> EPHEMERAL =
      TaskDefinition.of("ephemeral", Order.class, String.class);
  static final TaskDefinition<Order, String> PARENT =
      TaskDefinition.of("parent", Order.class, String.class);
  static final TaskDefinition<Order, String> REMOTE =
      TaskDefinition.of("remote", Order.class, String.class).onQueue("remote");

  static final TaskDefinition<Order, String> FLAKY_EPHEMERAL =
      TaskDefinition.of("flaky-ephemeral", Order.class, String.class);

  static final TaskSchemas SCHEMAS =
      TaskSchemas.of(SHORT_LIVED, KEPT, EPHEMERAL, PARENT, REMOTE, FLAKY_EPHEMERAL);

  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @BeforeEach
  void empty() {
    db.installSchema();
    db.emptyExecutionTables();
    db.execute("truncate pgconductor.maintenance");
  }

  /** How many failed attempts of an execution are kept. */
  private static long failedAttempts(String executionId) {
    return db.queryLong(
        "select count(*) from pgconductor.failed_attempts where execution_id = ?::uuid",
        executionId);
  }

  private static String handle(TaskEvent<Order> event) {
    if (event.payload().fail()) {
      throw new IllegalStateException("order " + event.payload().id() + " is invalid");
    }
    return "done " + event.payload().id();
  }

  @Test
  void finishedExecutionsAreRemovedOnceTheirRetentionRanOutAndKeptOtherwise() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    var shortLived =
        conductor.createTask(
            TaskOptions.of(SHORT_LIVED)
                .maxAttempts(1)
                .removeOnComplete(Duration.ofDays(1))
                .removeOnFail(Duration.ofDays(3)),
            Trigger.invocable(),
            (event, ctx) -> handle(event));
    var kept =
        conductor.createTask(
            TaskOptions.of(KEPT).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> handle(event));
    conductor.ensureInstalled();
    var key = InvokeOptions.builder().dedupeKey("order-1").build();
    String completed = conductor.invoke(SHORT_LIVED, new Order("1", false), key).orElseThrow();
    String failed = conductor.invoke(SHORT_LIVED, new Order("2", true)).orElseThrow();
    String keptCompleted = conductor.invoke(KEPT, new Order("3", false)).orElseThrow();
    String keptFailed = conductor.invoke(KEPT, new Order("4", true)).orElseThrow();
    drain(conductor, shortLived, kept);

    assertThat(
            db.dataSourceQueryString(
                "select attempt || ': ' || error || ' / ' || left(error_stack, 31)"
                    + " from pgconductor.failed_attempts where execution_id = '"
                    + failed
                    + "'"))
        .as("the failed attempt, kept while its execution is")
        .isEqualTo("1: order 2 is invalid / java.lang.IllegalStateException");
    assertThat(conductor.runMaintenance("default").removed()).as("nothing expired yet").isZero();
    // while retained, a completed execution keeps its dedupe key
    assertThat(conductor.invoke(SHORT_LIVED, new Order("1", false), key)).contains(completed);

    clock.advance(Duration.ofHours(25));
    MaintenanceReport report = conductor.runMaintenance("default");
    assertThat(report.queue()).isEqualTo("default");
    assertThat(report.completed()).isEqualTo(1);
    assertThat(report.failed()).isZero();
    assertThat(report.finished()).isTrue();
    assertThat(conductor.getExecution(completed)).as("completed a day ago").isEmpty();
    assertThat(state(conductor, failed)).isEqualTo(ExecutionState.FAILED);

    clock.advance(Duration.ofDays(2));
    assertThat(conductor.runMaintenance("default").failed()).isEqualTo(1);
    assertThat(conductor.getExecution(failed)).isEmpty();
    assertThat(failedAttempts(failed)).as("removed with their execution").isZero();
    assertThat(failedAttempts(keptFailed)).isOne();
    clock.advance(Duration.ofDays(365));
    assertThat(conductor.runMaintenance("default").removed()).isZero();
    assertThat(state(conductor, keptCompleted)).isEqualTo(ExecutionState.COMPLETED);
    assertThat(state(conductor, keptFailed)).isEqualTo(ExecutionState.FAILED);

    // removing the completed execution freed its dedupe key: the same key runs again
    String again = conductor.invoke(SHORT_LIVED, new Order("1", false), key).orElseThrow();
    assertThat(again).isNotEqualTo(completed);
    assertThat(state(conductor, again)).isEqualTo(ExecutionState.PENDING);
  }

  @Test
  void executionsRemovedImmediatelyAreNotKeptButAParentStillGetsItsChildsResult() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    var ephemeral =
        conductor.createTask(
            TaskOptions.of(EPHEMERAL)
                .maxAttempts(1)
                .removeOnComplete(Retention.immediately())
                .removeOnFail(Retention.immediately()),
            Trigger.invocable(),
            (event, ctx) -> handle(event));
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> "child said: " + ctx.invoke("child", EPHEMERAL, event.payload()));
    conductor.ensureInstalled();
    var key = InvokeOptions.builder().dedupeKey("once").build();
    String completed = conductor.invoke(EPHEMERAL, new Order("1", false), key).orElseThrow();
    String failed = conductor.invoke(EPHEMERAL, new Order("2", true)).orElseThrow();
    String parentId = conductor.invoke(PARENT, new Order("3", false)).orElseThrow();
    drain(conductor, ephemeral, parent);

    assertThat(conductor.getExecution(completed)).isEmpty();
    assertThat(conductor.getExecution(failed)).isEmpty();
    assertThat(failedAttempts(failed)).as("gone with the execution").isZero();
    assertThat(conductor.getExecution(PARENT, parentId).orElseThrow().result())
        .isEqualTo("child said: done 3");
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where task_key = 'ephemeral'"))
        .as("the child's row went once its parent had read it")
        .isZero();
    // not retained, so the key is free at once
    assertThat(conductor.invoke(EPHEMERAL, new Order("1", false), key).orElseThrow())
        .isNotEqualTo(completed);
  }

  @Test
  void anExecutionRemovedAsItCompletesTakesTheAttemptsThatFailedBeforeWithIt() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    var flaky =
        conductor.createTask(
            TaskOptions.of(FLAKY_EPHEMERAL)
                .maxAttempts(3)
                // due again at once: a drain ends when nothing is ready, so a retry due even 10 ms
                // later could be left out of it
                .retry(RetryPolicy.fixed(Duration.ZERO))
                .removeOnComplete(Retention.immediately()),
            Trigger.invocable(),
            (event, ctx) -> {
              if (runs.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
              }
              return "done";
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(FLAKY_EPHEMERAL, new Order("1", false)).orElseThrow();
    drain(conductor, flaky);
    assertThat(runs).hasValue(3);
    assertThat(conductor.getExecution(id)).isEmpty();
    assertThat(failedAttempts(id)).as("its two failed attempts went with it").isZero();
  }

  @Test
  void eachQueuesDailyMaintenanceRunsOnceAmongOrchestratorsAtItsOwnTimeAndTellsTheListeners() {
    TestClock clock = new TestClock();
    List<MaintenanceReport> heard = new CopyOnWriteArrayList<>();
    ConductorListener listener =
        new ConductorListener() {
          @Override
          public void maintenanceCompleted(MaintenanceReport report) {
            heard.add(report);
          }
        };
    List<Conductor<Void>> conductors = new ArrayList<>();
    List<Orchestrator> orchestrators = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).listener(listener).build());
      var task =
          conductor.createTask(
              TaskOptions.of(SHORT_LIVED).removeOnComplete(Duration.ofHours(1)),
              Trigger.invocable(),
              (event, ctx) -> handle(event));
      conductors.add(conductor);
      orchestrators.add(
          db.closeAfter(
              Orchestrator.builder(conductor)
                  .tasks(task)
                  .defaultWorker(FAST_POLL)
                  .heartbeatInterval(Duration.ofMillis(50))
                  .heartbeatTimeout(Duration.ofSeconds(2))
                  .handleSignals(false)
                  .build()));
    }
    var conductor = conductors.getFirst();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(conductor.invoke(SHORT_LIVED, new Order("o" + i, false)).orElseThrow());
    }
    orchestrators.forEach(Orchestrator::start);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids.stream().allMatch(id -> state(conductor, id) == ExecutionState.COMPLETED));
    // the queue's time of day: the same for every orchestrator, derived from its name
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> db.queryLong("select count(*) from pgconductor.maintenance") == 1);
    Instant due =
        Instant.parse(
            db.dataSourceQueryString(
                "select to_char(next_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                    + " from pgconductor.maintenance where queue = 'default'"));
    assertThat(due).isAfter(clock.instant()).isBefore(clock.instant().plus(Duration.ofDays(1)));
    assertThat(heard).isEmpty();

    clock.set(due.plus(Duration.ofHours(1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> !heard.isEmpty());
    MaintenanceReport report = heard.getFirst();
    assertThat(report.queue()).isEqualTo("default");
    assertThat(report.completed()).isEqualTo(10);
    assertThat(ids).allSatisfy(id -> assertThat(conductor.getExecution(id)).isEmpty());
    // both orchestrators keep looking; the next run is a day later, so nobody runs it again
    long looked = db.queryLong("select count(*) from pgconductor.maintenance");
    assertThat(looked).isEqualTo(1);
    assertThat(
            db.queryLong(
                "select extract(epoch from next_at - (timestamptz '"
                    + due
                    + "'))::bigint from pgconductor.maintenance where queue = 'default'"))
        .isEqualTo(Duration.ofDays(1).toSeconds());
    assertThat(heard).hasSize(1);
  }

  @Test
  void dropQueueRemovesEveryExecutionOfAQueueNobodyServesAndWakesParentsElsewhere() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    List<String> ran = new CopyOnWriteArrayList<>();
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              try {
                return "got " + ctx.invoke("quote", REMOTE, event.payload());
              } catch (ChildExecutionFailedException e) {
                return "no quote: " + e.getMessage();
              }
            });
    var remote =
        conductor.createTask(
            TaskOptions.of(REMOTE),
            Trigger.invocable(),
            (event, ctx) -> {
              ran.add(event.payload().id());
              return handle(event);
            });
    conductor.ensureInstalled();
    assertThatThrownBy(() -> conductor.dropQueue("nowhere"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no queue named \"nowhere\"");

    String pending = conductor.invoke(REMOTE, new Order("pending", false)).orElseThrow();
    try (var serving =
        Orchestrator.builder(conductor)
            .workers(conductor.createWorker("remote", List.of(remote), FAST_POLL))
            .handleSignals(false)
            .build()) {
      serving.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, pending) == ExecutionState.COMPLETED);
      assertThatThrownBy(() -> conductor.dropQueue("remote"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("queue \"remote\" is served by orchestrator " + serving.info().id())
          .hasMessageContaining("stop it");
    }
    assertThat(state(conductor, pending)).as("nothing removed by the refusal").isNotNull();

    // a parent on the default queue waits for a child on "remote", which nobody serves now
    String parentId = conductor.invoke(PARENT, new Order("p", false)).orElseThrow();
    String waiting = conductor.invoke(REMOTE, new Order("waiting", false)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent)
            .defaultWorker(FAST_POLL)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, parentId) == ExecutionState.WAITING);

      assertThat(conductor.dropQueue("remote"))
          .as("the child, the pending one, the finished one")
          .isEqualTo(3);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, parentId) == ExecutionState.COMPLETED);
      assertThat(conductor.getExecution(PARENT, parentId).orElseThrow().result())
          .startsWith("no quote:")
          .contains("queue \"remote\" was dropped");
    }
    assertThat(conductor.getExecution(pending)).isEmpty();
    assertThat(conductor.getExecution(waiting)).isEmpty();
    assertThat(ran).as("the child never ran").containsExactly("pending");
    // the queue can be used again
    String next = conductor.invoke(REMOTE, new Order("next", false)).orElseThrow();
    assertThat(state(conductor, next)).isEqualTo(ExecutionState.PENDING);
  }

  private static void drain(Conductor<?> conductor, Task<?, ?>... tasks) {
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(tasks)
            .defaultWorker(FAST_POLL)
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).map(Execution::state).orElse(null);
  }
}
