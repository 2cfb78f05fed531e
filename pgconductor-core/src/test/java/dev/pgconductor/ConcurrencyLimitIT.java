package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CON-1: a task's concurrency limit holds across orchestrators and costs other tasks nothing. */
class ConcurrencyLimitIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(int n) {}

  static final TaskDefinition<Job, Void> LIMITED = TaskDefinition.of("limited", Job.class);
  static final TaskDefinition<Job, Void> FREE = TaskDefinition.of("free", Job.class);
  static final TaskSchemas SCHEMAS = TaskSchemas.of(LIMITED, FREE);

  static final WorkerConfig WIDE =
      WorkerConfig.builder()
          .concurrency(10)
          .fetchBatchSize(10)
          .pollInterval(Duration.ofMillis(50))
          .build();

  @BeforeAll
  static void schema() {
    db.installSchema();
  }

  @BeforeEach
  void empty() {
    db.emptyExecutionTables();
  }

  /** Counts handlers of a task running at once, and the most seen. */
  static final class Gauge {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    private final int limit;
    private final CountDownLatch limitReached = new CountDownLatch(1);

    Gauge() {
      this(1);
    }

    /** A gauge whose {@link #holdUntilLimitReached} waits until {@code limit} ran at once. */
    Gauge(int limit) {
      this.limit = limit;
    }

    void run(Runnable work) {
      int running = now.incrementAndGet();
      max.accumulateAndGet(running, Math::max);
      if (running >= limit) {
        limitReached.countDown();
      }
      try {
        work.run();
      } finally {
        now.decrementAndGet();
        done.incrementAndGet();
      }
    }

    /**
     * Handler work that keeps the first executions running until the limit was reached once, so
     * that executions overlap without timing; afterwards it returns at once.
     */
    void holdUntilLimitReached() {
      block(limitReached);
    }
  }

  @Test
  void atMostNRunAtOnceAcrossTwoOrchestratorsAndTheLimitIsReached() {
    Gauge gauge = new Gauge(3);
    List<Orchestrator> orchestrators = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      // each with its own Conductor and pool, as separate processes would have
      var conductor = db.closeAfter(db.conductor(SCHEMAS).poolSize(4).build());
      var limited =
          conductor.createTask(
              TaskOptions.of(LIMITED).concurrency(3),
              Trigger.invocable(),
              (event, ctx) -> {
                gauge.run(gauge::holdUntilLimitReached);
                return null;
              });
      orchestrators.add(
          db.closeAfter(
              Orchestrator.builder(conductor)
                  .tasks(limited)
                  .defaultWorker(WIDE)
                  .handleSignals(false)
                  .build()));
    }
    orchestrators.forEach(Orchestrator::start);
    var invoker = db.closeAfter(db.conductor(SCHEMAS).build());
    invoker.invokeBatch(
        LIMITED, IntStream.range(0, 60).mapToObj(n -> Invocation.of(new Job(n))).toList());

    await().atMost(Duration.ofSeconds(30)).until(() -> gauge.done.get() == 60);
    assertThat(gauge.max)
        .as("never more than the limit, though 20 handler slots were free")
        .hasValue(3);
    await().atMost(Duration.ofSeconds(10)).until(() -> finished("completed") == 60);
    orchestrators.forEach(Orchestrator::close);
  }

  @Test
  void aBacklogOfALimitedTaskDoesNotHoldBackTheOtherTasksOfItsQueue() throws Exception {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    CountDownLatch release = new CountDownLatch(1);
    Gauge gauge = new Gauge();
    var limited =
        conductor.createTask(
            TaskOptions.of(LIMITED).concurrency(1),
            Trigger.invocable(),
            (event, ctx) -> {
              gauge.run(() -> block(release));
              return null;
            });
    AtomicInteger free = new AtomicInteger();
    var unlimited =
        conductor.createTask(
            TaskOptions.of(FREE),
            Trigger.invocable(),
            (event, ctx) -> {
              free.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    // the limited backlog is older, so it comes first in the claim order
    conductor.invokeBatch(
        LIMITED, IntStream.range(0, 300).mapToObj(n -> Invocation.of(new Job(n))).toList());
    conductor.invokeBatch(
        FREE, IntStream.range(0, 200).mapToObj(n -> Invocation.of(new Job(n))).toList());

    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(limited, unlimited)
            .defaultWorker(WIDE)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> free.get() == 200);
      assertThat(gauge.now).as("one limited execution runs, blocked").hasValue(1);
      assertThat(
              db.queryLong(
                  "select count(*) from pgconductor.executions where task_key = 'limited' and locked_by is not null"))
          .as("the limited task holds exactly its one slot")
          .isEqualTo(1);
      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> finished("completed") == 500);
    }
    assertThat(gauge.max).hasValue(1);
  }

  @Test
  void aSleepingExecutionGivesUpItsSlot() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    AtomicInteger woke = new AtomicInteger();
    var limited =
        conductor.createTask(
            TaskOptions.of(LIMITED).concurrency(1),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().n() == 0) {
                ctx.sleep("nap", Duration.ofHours(1));
                woke.incrementAndGet();
              }
              return null;
            });
    conductor.ensureInstalled();
    String sleeper = conductor.invoke(LIMITED, new Job(0)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(limited)
            .defaultWorker(WIDE)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  conductor.getExecution(sleeper).orElseThrow().state() == ExecutionState.WAITING);
      List<String> others =
          conductor.invokeBatch(
              LIMITED, IntStream.range(1, 6).mapToObj(n -> Invocation.of(new Job(n))).toList());
      await().atMost(Duration.ofSeconds(10)).until(() -> finished("completed") == 5);
      assertThat(others)
          .allMatch(
              id -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);

      clock.advance(Duration.ofHours(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> finished("completed") == 6);
    }
    assertThat(woke).hasValue(1);
  }

  @Test
  void aSlotHeldByAnOrchestratorThatDiedIsFreedByItsRescue() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    AtomicInteger runs = new AtomicInteger();
    var limited =
        conductor.createTask(
            TaskOptions.of(LIMITED).concurrency(1),
            Trigger.invocable(),
            (event, ctx) -> {
              runs.incrementAndGet();
              return null;
            });
    // a first orchestrator registers the limit, claims the one slot and dies without a word
    try (var first =
        Orchestrator.builder(conductor)
            .tasks(limited)
            .defaultWorker(WIDE)
            .handleSignals(false)
            .build()) {
      first.start();
    }
    conductor.invokeBatch(
        LIMITED, IntStream.range(0, 3).mapToObj(n -> Invocation.of(new Job(n))).toList());
    UUID ghost = UUID.randomUUID();
    db.execute(
        "insert into pgconductor.orchestrators (id, host, pid, last_heartbeat_at)"
            + " values ('"
            + ghost
            + "', 'gone', 1, now() - interval '1 hour')");
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.claim(?::uuid, 'default', array['limited'], 10, null)",
                ghost.toString()))
        .as("the limit lets the doomed orchestrator take one")
        .isEqualTo(1);

    try (var second =
        Orchestrator.builder(conductor)
            .tasks(limited)
            .defaultWorker(WIDE)
            .heartbeatInterval(Duration.ofMillis(200))
            .heartbeatTimeout(Duration.ofSeconds(2))
            .handleSignals(false)
            .build()) {
      second.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> finished("completed") == 3);
    }
    assertThat(runs).hasValue(3);
  }

  @Test
  void aLimitSetOnATaskWithABacklogAppliesToThatBacklog() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    conductor.ensureInstalled();
    // invoked before any orchestrator registered the task, so before anyone knew of its limit
    conductor.invokeBatch(
        LIMITED, IntStream.range(0, 40).mapToObj(n -> Invocation.of(new Job(n))).toList());
    Gauge gauge = new Gauge(2);
    var limited = limitedToTwo(conductor, gauge);
    try (var orchestrator = orchestrator(conductor, limited)) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> finished("completed") == 40);
    }
    assertThat(gauge.max).hasValue(2);
  }

  @Test
  void executionsThatMissedTheirGateAreGatedByTheClaimThatMeetsThem() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    Gauge gauge = new Gauge(2);
    var limited = limitedToTwo(conductor, gauge);
    try (var registering = orchestrator(conductor, limited)) {
      registering.start();
    }
    conductor.invokeBatch(
        LIMITED, IntStream.range(0, 40).mapToObj(n -> Invocation.of(new Job(n))).toList());
    // as if invoked by a caller that read the task before its limit was registered
    db.execute("update pgconductor.executions set gated = false");
    try (var orchestrator = orchestrator(conductor, limited)) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> finished("completed") == 40);
    }
    assertThat(gauge.max).hasValue(2);
  }

  /** The limited task with a limit of 2; its runs overlap until two ran at once. */
  private static Task<Job, Void> limitedToTwo(Conductor<Void> conductor, Gauge gauge) {
    return conductor.createTask(
        TaskOptions.of(LIMITED).concurrency(2),
        Trigger.invocable(),
        (event, ctx) -> {
          gauge.run(gauge::holdUntilLimitReached);
          return null;
        });
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?> task) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .defaultWorker(WIDE)
        .handleSignals(false)
        .build();
  }

  @Test
  void removingALimitReleasesTheTasksBacklogToTheMainClaim() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    CountDownLatch never = new CountDownLatch(1);
    var limited =
        conductor.createTask(
            TaskOptions.of(LIMITED).concurrency(1),
            Trigger.invocable(),
            (event, ctx) -> {
              block(never); // until the stop interrupts it
              return null;
            });
    conductor.ensureInstalled();
    conductor.invokeBatch(
        LIMITED, IntStream.range(0, 30).mapToObj(n -> Invocation.of(new Job(n))).toList());
    try (var first =
        Orchestrator.builder(conductor)
            .tasks(limited)
            .defaultWorker(WIDE)
            .handleSignals(false)
            .shutdownGrace(Duration.ofMillis(200))
            .build()) {
      first.start();
      // registering the limit moved the backlog aside, behind the limit
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.executions where gated and locked_by is null")
                      == 29);
    }
    Gauge gauge = new Gauge();
    CountDownLatch allIn = new CountDownLatch(5);
    // a new deployment of the same task, without the limit
    var redeployed = db.closeAfter(db.conductor(SCHEMAS).build());
    var unlimited =
        redeployed.createTask(
            TaskOptions.of(LIMITED),
            Trigger.invocable(),
            (event, ctx) -> {
              gauge.run(
                  () -> {
                    allIn.countDown();
                    block(allIn); // five at once: only possible without the limit
                  });
              return null;
            });
    try (var second =
        Orchestrator.builder(redeployed)
            .tasks(unlimited)
            .defaultWorker(WIDE)
            .handleSignals(false)
            .build()) {
      second.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> finished("completed") == 30);
    }
    assertThat(gauge.max.get()).isGreaterThanOrEqualTo(5);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.tasks where key = 'limited' and concurrency is null"))
        .isEqualTo(1);
  }

  @Test
  void aLimitBelowOneIsRejectedNamingTheTask() {
    assertThatThrownBy(() -> TaskOptions.of(LIMITED).concurrency(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency of task 'limited' must be at least 1, got 0");
    assertThat(TaskOptions.of(LIMITED).concurrency()).isEmpty();
    assertThat(TaskOptions.of(LIMITED).concurrency(4).maxAttempts(2).concurrency()).hasValue(4);
  }

  private static long finished(String state) {
    return db.queryLong(
        "select count(*) from pgconductor.finished_executions where state = ?", state);
  }

  private static void block(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
