package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WRK-3: work that an invoke or a worker's batched write makes ready (a parent whose child
 * finished, work released at a stop) wakes a sleeping worker of its queue at once, even one that
 * went to sleep while that write was still being committed.
 */
class WakeUpIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Order(int amount) {}

  static final TaskDefinition<Order, Integer> ORDER =
      TaskDefinition.of("order", Order.class, Integer.class).onQueue("orders");
  static final TaskDefinition<Order, Integer> CHARGE =
      TaskDefinition.of("charge", Order.class, Integer.class).onQueue("payments");
  static final TaskDefinition<Order, Integer> HANDOFF =
      TaskDefinition.of("handoff", Order.class, Integer.class).onQueue("handoff");
  static final TaskDefinition<Order, Integer> GREET =
      TaskDefinition.of("greet", Order.class, Integer.class).onQueue("greetings");
  static final TaskDefinition<Order, Integer> GREET_MANY =
      TaskDefinition.of("greet-many", Order.class, Integer.class).onQueue("greetings-batch");

  static final WorkerConfig FAST =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();
  // only a notification can wake these within the test's time
  static final WorkerConfig SLOW_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofSeconds(60)).build();

  /** Holds a commit of a transaction that finished an execution until the lock is released. */
  static final long COMMIT_GATE = 4242;

  @Test
  void aParentIsResumedAtOnceWhenItsWorkerFellAsleepWhileTheChildsOutcomeWasCommitting()
      throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(ORDER, CHARGE)).build());
    var order =
        conductor.createTask(
            TaskOptions.of(ORDER),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("charge", CHARGE, event.payload()) + 1);
    var charge =
        conductor.createTask(
            TaskOptions.of(CHARGE),
            Trigger.invocable(),
            (event, ctx) -> event.payload().amount() * 10);
    conductor.ensureInstalled();

    // 1. The parent runs, creates its child and waits; then its orchestrator goes away, so no
    //    worker of "orders" is listed idle when the child's outcome is written.
    String id = conductor.invoke(ORDER, new Order(4)).orElseThrow();
    try (var first = orchestrator(conductor, order, FAST)) {
      first.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
    }
    assertThat(idleWorkers("orders")).isZero();

    // 2. The transaction that completes the child (and wakes the parent) stops just before its
    //    commit: a deferred trigger waits for an advisory lock this test holds.
    db.execute(
        """
        create function public.hold_commit() returns trigger language plpgsql as $$
        begin perform pg_advisory_xact_lock_shared(%d); return null; end $$;
        create constraint trigger hold_commit after insert on pgconductor.finished_executions
          deferrable initially deferred for each row execute function public.hold_commit();
        """
            .formatted(COMMIT_GATE));
    try (Connection gate = db.dataSource().getConnection()) {
      try (Statement st = gate.createStatement()) {
        st.execute("select pg_advisory_lock(" + COMMIT_GATE + ")");
      }
      try (var payments =
          Orchestrator.builder(conductor)
              .tasks(charge)
              .defaultWorker(SLOW_POLL)
              .handleSignals(false)
              .build()) {
        payments.start();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pg_locks where locktype = 'advisory' and not granted")
                        == 1);

        // 3. Meanwhile a worker of "orders" starts, finds nothing ready (the parent's wake-up is
        //    not committed), lists itself idle and goes to sleep for its 60 s poll interval.
        String before = db.dataSourceQueryString("select clock_timestamp()::text");
        try (var second = orchestrator(conductor, order, SLOW_POLL)) {
          second.start();
          await().atMost(Duration.ofSeconds(10)).until(() -> asleepSince("orders", before));

          // 4. The child's transaction commits. The parent must be claimed now, not in 60 s.
          try (Statement st = gate.createStatement()) {
            st.execute("select pg_advisory_unlock(" + COMMIT_GATE + ")");
          }
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
        }
      }
    } finally {
      db.execute(
          "drop trigger hold_commit on pgconductor.finished_executions; drop function public.hold_commit()");
    }
    assertThat(conductor.getExecution(ORDER, id).orElseThrow().result()).isEqualTo(41);
  }

  @Test
  void workReleasedByAStoppingOrchestratorWakesAnIdleOneAtOnce() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(HANDOFF)).build());
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean holdUntilStopped = new AtomicBoolean(true);
    var handoff =
        conductor.createTask(
            TaskOptions.of(HANDOFF),
            Trigger.invocable(),
            (event, ctx) -> {
              if (holdUntilStopped.get()) {
                started.countDown();
                while (!ctx.signal().isAborted()) {
                  LockSupport.parkNanos(1_000_000); // a long task, checking for a stop
                }
                ctx.checkpoint(); // the stop: released here, to run again elsewhere
              }
              return event.payload().amount();
            });
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            HANDOFF,
            List.of(
                Invocation.of(new Order(1)),
                Invocation.of(new Order(2)),
                Invocation.of(new Order(3))));

    // one handler slot, one claim of all three: one runs, two wait in the worker's buffer
    var holding = WorkerConfig.builder().concurrency(1).fetchBatchSize(3).build();
    var leaving = orchestrator(conductor, handoff, holding);
    try {
      leaving.start();
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.executions where locked_by is not null")
                      == 3);
      holdUntilStopped.set(false);

      String before = db.dataSourceQueryString("select clock_timestamp()::text");
      try (var staying = orchestrator(conductor, handoff, SLOW_POLL)) {
        staying.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> asleepSince("handoff", before));

        // releases the running one at its checkpoint and the two that never started
        leaving.close();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    ids.stream().allMatch(id -> state(conductor, id) == ExecutionState.COMPLETED));
      }
    } finally {
      leaving.close();
    }
    assertThat(ids)
        .map(id -> conductor.getExecution(HANDOFF, id).orElseThrow().result())
        .containsExactly(1, 2, 3);
  }

  /**
   * An invoke tells the idle workers of its queue at its commit (pgconductor.notify_ready): a
   * single invoke (group-committed) wakes one at once...
   */
  @Test
  void anInvokeWakesAnIdleWorkerAtOnce() {
    assertThat(runOnIdleWorker(GREET, c -> List.of(c.invoke(GREET, new Order(1)).orElseThrow())))
        .hasSize(1);
  }

  /** ...and so does a batch. */
  @Test
  void anInvokeBatchWakesAnIdleWorkerAtOnce() {
    assertThat(
            runOnIdleWorker(
                GREET_MANY,
                c ->
                    c.invokeBatch(
                        GREET_MANY,
                        List.of(Invocation.of(new Order(2)), Invocation.of(new Order(3))))))
        .hasSize(2);
  }

  /**
   * Starts a worker for the task that polls only once a minute, waits until it sleeps, invokes, and
   * waits until what was invoked completed; returns the ids.
   */
  private static List<String> runOnIdleWorker(
      TaskDefinition<Order, Integer> def,
      java.util.function.Function<Conductor<Void>, List<String>> invoke) {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(def)).build());
    var task =
        conductor.createTask(
            TaskOptions.of(def), Trigger.invocable(), (event, ctx) -> event.payload().amount());
    conductor.ensureInstalled();
    String before = db.dataSourceQueryString("select clock_timestamp()::text");
    try (var idle = orchestrator(conductor, task, SLOW_POLL)) {
      idle.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> asleepSince(def.queue(), before));
      List<String> ids = invoke.apply(conductor);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> ids.stream().allMatch(id -> state(conductor, id) == ExecutionState.COMPLETED));
      return ids;
    }
  }

  private static Orchestrator orchestrator(
      Conductor<Void> conductor, Task<?, ?> task, WorkerConfig config) {
    return Orchestrator.builder(conductor)
        .tasks(List.of(task))
        .defaultWorker(config)
        .handleSignals(false)
        .build();
  }

  private static long idleWorkers(String queue) {
    return db.queryLong("select count(*) from pgconductor.idle_workers where queue = ?", queue);
  }

  /**
   * An orchestrator started after {@code since} listens for notifications (its {@code LISTEN} ran
   * since), its worker of {@code queue} is listed idle, and a claim ended after both (the one made
   * before it sleeps).
   */
  private static boolean asleepSince(String queue, String since) {
    return db.queryLong(
            """
            with listening as (
              select max(state_change) as at from pg_stat_activity
              where datname = current_database() and state = 'idle' and query like 'listen %'
                and state_change > ?::timestamptz),
            listed as (
              select max(since) as at from pgconductor.idle_workers
              where queue = ? and since > ?::timestamptz),
            claimed as (
              select max(state_change) as at from pg_stat_activity
              where datname = current_database() and state = 'idle'
                and query like '%pgconductor.claim(%')
            select count(*) from claimed, listening, listed
            where claimed.at > listening.at and claimed.at > listed.at
            """,
            since, queue, since)
        == 1;
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
