package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.FaultyDataSource;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WRK-1..4, WRK-7 and virtual-thread handlers: how a worker claims and runs executions. */
class WorkerIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Item(int n, int priority) {}

  static final TaskDefinition<Item, Void> ORDERED = TaskDefinition.of("ordered", Item.class);
  static final TaskDefinition<Item, Void> BLOCKING = TaskDefinition.of("blocking", Item.class);
  static final TaskDefinition<Item, Void> QUICK = TaskDefinition.of("quick", Item.class);
  static final TaskDefinition<Item, Void> GROWN = TaskDefinition.of("grown", Item.class);
  static final TaskDefinition<Item, Void> STEPPED = TaskDefinition.of("stepped", Item.class);
  static final TaskDefinition<Item, String> PING =
      TaskDefinition.of("ping", Item.class, String.class);
  static final TaskDefinition<Item, String> MAIL =
      TaskDefinition.of("mail", Item.class, String.class).onQueue("mail");
  static final TaskDefinition<Item, Void> FAN_OUT = TaskDefinition.of("fan-out", Item.class);
  static final TaskDefinition<Item, Void> LEAF = TaskDefinition.of("leaf", Item.class);

  @Test
  void executionsRunInPriorityOrderThenRunAtOrder() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(ORDERED)).build());
    List<Item> seen = Collections.synchronizedList(new ArrayList<>());
    var task =
        conductor.createTask(
            TaskOptions.of(ORDERED),
            Trigger.invocable(),
            (event, ctx) -> {
              seen.add(event.payload());
              return null;
            });
    conductor.ensureInstalled();
    Random random = new Random(42);
    List<Item> items =
        IntStream.range(0, 60).mapToObj(i -> new Item(i, random.nextInt(5) - 2)).toList();
    for (Item item : items) { // one by one, so run_at (invoke time) grows with n
      conductor.invoke(ORDERED, item, InvokeOptions.builder().priority(item.priority()).build());
    }
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().concurrency(1).fetchBatchSize(7).build())
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    List<Item> expected =
        items.stream()
            .sorted(Comparator.comparingInt(Item::priority).reversed().thenComparingInt(Item::n))
            .toList();
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  @Test
  void concurrencyBoundsHowManyHandlersRunAtOnceOnVirtualThreads() throws Exception {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(BLOCKING)).build());
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger onVirtualThreads = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    var task =
        conductor.createTask(
            TaskOptions.of(BLOCKING),
            Trigger.invocable(),
            (event, ctx) -> {
              int now = running.incrementAndGet();
              maxRunning.accumulateAndGet(now, Math::max);
              started.incrementAndGet();
              if (Thread.currentThread().isVirtual()) {
                onVirtualThreads.incrementAndGet();
              }
              release.await();
              running.decrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    conductor.invokeBatch(
        BLOCKING, IntStream.range(0, 20).mapToObj(i -> Invocation.of(new Item(i, 0))).toList());
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().concurrency(3).fetchBatchSize(5).build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 3);
      // two batches of 5 claimed ahead (concurrency + 2 x fetchBatchSize at most): 3 run, 7 wait
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.executions where locked_by is not null")
                      == 10);
      // slow handlers never make claims grow past fetchBatchSize: nothing more is held
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(
              () ->
                  started.get() == 3
                      && db.queryLong(
                              "select count(*) from pgconductor.executions where locked_by is not null")
                          == 10);
      release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.finished_executions where task_key = 'blocking'")
                      == 20);
    }
    assertThat(maxRunning).hasValue(3);
    assertThat(onVirtualThreads).hasValue(20);
  }

  @Test
  void aHandlerWaitingForItsStepToBeCommittedLendsItsSlot() throws Exception {
    // concurrency 1: the second execution can start only in the slot the first lends while the
    // commit of its step is held up; handler code still never runs in two handlers at once
    AtomicInteger inCode = new AtomicInteger();
    AtomicInteger maxInCode = new AtomicInteger();
    AtomicInteger stepBodies = new AtomicInteger();
    Runnable enter = () -> maxInCode.accumulateAndGet(inCode.incrementAndGet(), Math::max);
    try (var pool = TestPostgres.pool(db.url(), 10)) {
      FaultyDataSource faulty = new FaultyDataSource(pool);
      try (var conductor =
          Conductor.builder().dataSource(faulty).tasks(TaskSchemas.of(STEPPED)).build()) {
        conductor.ensureInstalled();
        var task =
            conductor.createTask(
                TaskOptions.of(STEPPED),
                Trigger.invocable(),
                (event, ctx) -> {
                  enter.run();
                  int n =
                      ctx.step(
                          "double",
                          Integer.class,
                          () -> {
                            stepBodies.incrementAndGet();
                            inCode.decrementAndGet(); // the body returns: the commit is awaited
                            return event.payload().n() * 2;
                          });
                  enter.run();
                  inCode.decrementAndGet();
                  return null;
                });
        conductor.invoke(STEPPED, new Item(1, 0));
        conductor.invoke(STEPPED, new Item(2, 0));
        CountDownLatch commitAnswer =
            faulty.holdNextAnswer(sql -> sql.contains("pgconductor.record_steps("));
        try (var orchestrator =
            Orchestrator.builder(conductor)
                .tasks(task)
                .defaultWorker(WorkerConfig.builder().concurrency(1).build())
                .handleSignals(false)
                .build()) {
          orchestrator.start();
          assertThat(faulty.answerHeld().await(10, TimeUnit.SECONDS)).isTrue();
          await().atMost(Duration.ofSeconds(10)).until(() -> stepBodies.get() == 2);
          commitAnswer.countDown();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      db.queryLong(
                              "select count(*) from pgconductor.finished_executions"
                                  + " where task_key = 'stepped' and state = 'completed'")
                          == 2);
        }
      }
    }
    assertThat(maxInCode).hasValue(1);
  }

  @Test
  void quickHandlersAreFedClaimsLargerThanFetchBatchSize() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(QUICK)).build());
    AtomicInteger done = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(QUICK),
            Trigger.invocable(),
            (event, ctx) -> {
              done.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    conductor.invokeBatch(
        QUICK, IntStream.range(0, 400).mapToObj(i -> Invocation.of(new Item(i, 0))).toList());
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().concurrency(2).fetchBatchSize(2).build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == 400);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.finished_executions where task_key = 'quick'")
                      == 400);
    }
    // The executions of one claim share its time as started_at, so these are the claims' sizes:
    // the quick handlers kept running out of work, so the claims grew past fetchBatchSize, up to
    // 50 x fetchBatchSize at most.
    long largestClaim =
        db.queryLong(
            """
            select max(n) from (
              select count(*) as n from pgconductor.finished_executions
              where task_key = 'quick' group by started_at) claims""");
    assertThat(largestClaim).isGreaterThan(2).isLessThanOrEqualTo(100);
  }

  @Test
  void claimsGrownOnQuickHandlersGoBackToTheQueueWhenTheHandlersTurnSlow() {
    // Worker A's handlers are quick for the first 3,000 executions (run first: higher priority)
    // and then block, so its claims grow on the quick ones and then take the slow ones by the
    // hundred. What A cannot start within a second goes back, and worker B runs it.
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger quickDone = new AtomicInteger();
    var conductorA = db.closeAfter(db.conductor(TaskSchemas.of(GROWN)).build());
    var taskA =
        conductorA.createTask(
            TaskOptions.of(GROWN),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().priority() > 0) {
                quickDone.incrementAndGet();
              } else {
                release.await();
              }
              return null;
            });
    conductorA.ensureInstalled();
    for (int from = 0; from < 4_000; from += 1_000) {
      int first = from;
      conductorA.invokeBatch(
          GROWN,
          IntStream.range(first, first + 1_000)
              .mapToObj(
                  i -> Invocation.of(new Item(i, i < 3_000 ? 1 : 0)).priority(i < 3_000 ? 1 : 0))
              .toList());
    }
    var conductorB = db.closeAfter(db.conductor(TaskSchemas.of(GROWN)).build());
    AtomicInteger slowDoneByB = new AtomicInteger();
    var taskB =
        conductorB.createTask(
            TaskOptions.of(GROWN),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().priority() == 0) {
                slowDoneByB.incrementAndGet();
              }
              return null;
            });
    try (var a =
        Orchestrator.builder(conductorA)
            .tasks(taskA)
            .defaultWorker(WorkerConfig.DEFAULT)
            .handleSignals(false)
            .build()) {
      a.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> quickDone.get() == 3_000);
      try (var b =
          Orchestrator.builder(conductorB)
              .tasks(taskB)
              .defaultWorker(WorkerConfig.DEFAULT)
              .handleSignals(false)
              .build()) {
        b.start();
        // A's grown claims took hundreds of the slow ones; all but what A runs (10) and keeps
        // claimed ahead (2 x 10) go back, and B runs them while A still blocks
        await().atMost(Duration.ofSeconds(20)).until(() -> slowDoneByB.get() >= 970);
        assertThat(release.getCount()).isEqualTo(1);
        release.countDown();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pgconductor.finished_executions"
                                + " where task_key = 'grown' and state = 'completed'")
                        == 4_000);
      }
    }
  }

  @Test
  void anIdleWorkerPicksUpNewWorkLongBeforeItsPollIntervalThroughNotify() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PING)).build());
    var task =
        conductor.createTask(
            TaskOptions.of(PING),
            Trigger.invocable(),
            (event, ctx) -> "pong " + event.payload().n());
    conductor.ensureInstalled();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(
                WorkerConfig.builder()
                    .pollInterval(Duration.ofSeconds(30))
                    .flushInterval(Duration.ofSeconds(30))
                    .build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      for (int i = 0; i < 5; i++) {
        int n = i;
        // the worker has nothing to do and would not poll again for 30 s
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pgconductor.executions where task_key = 'ping'")
                        == 0);
        long start = System.nanoTime();
        String id = conductor.invoke(PING, new Item(n, 0)).orElseThrow();
        await()
            .atMost(Duration.ofSeconds(3))
            .until(
                () ->
                    conductor.getExecution(PING, id).orElseThrow().state()
                        == ExecutionState.COMPLETED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(conductor.getExecution(PING, id).orElseThrow().result()).isEqualTo("pong " + n);
      }
    }
  }

  @Test
  void aCustomWorkerServesItsOwnQueueAndWorkInvokedBeforeItStartedIsRun() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PING, MAIL)).build());
    var ping =
        conductor.createTask(TaskOptions.of(PING), Trigger.invocable(), (e, ctx) -> ctx.queue());
    var mail =
        conductor.createTask(
            TaskOptions.of(MAIL),
            Trigger.invocable(),
            (e, ctx) -> ctx.queue() + " " + e.payload().n());
    conductor.ensureInstalled();
    // invoked while no worker of queue "mail" ever ran: lands in the default partition first
    List<String> mailIds =
        conductor.invokeBatch(
            MAIL, List.of(Invocation.of(new Item(1, 0)), Invocation.of(new Item(2, 0))));
    String pingId = conductor.invoke(PING, new Item(0, 0)).orElseThrow();
    var mailWorker =
        conductor.createWorker(
            "mail", List.of(mail), WorkerConfig.builder().concurrency(2).build());
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(ping)
            .workers(mailWorker)
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    assertThat(conductor.getExecution(MAIL, mailIds.get(0)).orElseThrow().result())
        .isEqualTo("mail 1");
    assertThat(conductor.getExecution(MAIL, mailIds.get(1)).orElseThrow().result())
        .isEqualTo("mail 2");
    assertThat(conductor.getExecution(MAIL, mailIds.get(0)).orElseThrow().queue())
        .isEqualTo("mail");
    assertThat(conductor.getExecution(PING, pingId).orElseThrow().result()).isEqualTo("default");
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.queues where name in ('default', 'mail')"))
        .isEqualTo(2);
    // every partition of the hot table, the default one too, is vacuumed unthrottled and early
    assertThat(
            db.queryLong(
                """
                select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid
                where i.inhparent = 'pgconductor.executions'::regclass
                  and c.reloptions @> array['autovacuum_vacuum_cost_delay=0',
                                            'autovacuum_vacuum_scale_factor=0.02']"""))
        .isEqualTo(3);
  }

  @Test
  void drainRunsWorkCreatedWhileDrainingAndLeavesFutureWorkAlone() {
    AtomicInteger leaves = new AtomicInteger();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(FAN_OUT, LEAF)).build());
    var fanOut =
        conductor.createTask(
            TaskOptions.of(FAN_OUT),
            Trigger.invocable(),
            (event, ctx) -> {
              conductor.invokeBatch(
                  LEAF,
                  IntStream.range(0, 10)
                      .mapToObj(i -> Invocation.of(new Item(event.payload().n() * 100 + i, 0)))
                      .toList());
              return null;
            });
    var leaf =
        conductor.createTask(
            TaskOptions.of(LEAF),
            Trigger.invocable(),
            (event, ctx) -> {
              leaves.incrementAndGet();
              return null;
            });
    conductor.ensureInstalled();
    conductor.invokeBatch(
        FAN_OUT, IntStream.range(0, 5).mapToObj(i -> Invocation.of(new Item(i, 0))).toList());
    String later =
        conductor
            .invoke(
                LEAF,
                new Item(-1, 0),
                InvokeOptions.builder().runAt(java.time.Instant.now().plusSeconds(3600)).build())
            .orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(fanOut, leaf).handleSignals(false).build()) {
      orchestrator.drain();
      assertThat(orchestrator.info().stopped()).isTrue();
    }
    assertThat(leaves).hasValue(50);
    assertThat(conductor.getExecution(later).orElseThrow().state())
        .isEqualTo(ExecutionState.PENDING);
  }

  @Test
  void manyExecutionsAllCompleteWithTheirOwnResults() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PING)).build());
    var counts = new ConcurrentHashMap<Integer, AtomicInteger>();
    var task =
        conductor.createTask(
            TaskOptions.of(PING),
            Trigger.invocable(),
            (event, ctx) -> {
              counts
                  .computeIfAbsent(event.payload().n(), k -> new AtomicInteger())
                  .incrementAndGet();
              return "r" + event.payload().n();
            });
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            PING, IntStream.range(0, 1000).mapToObj(i -> Invocation.of(new Item(i, 0))).toList());
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().concurrency(20).fetchBatchSize(50).build())
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    assertThat(counts).hasSize(1000);
    assertThat(counts.values()).allMatch(c -> c.get() == 1);
    for (int i = 0; i < ids.size(); i += 97) {
      assertThat(conductor.getExecution(PING, ids.get(i)).orElseThrow().result())
          .isEqualTo("r" + i);
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions where task_key = 'ping'"))
        .as("finished executions leave the table workers scan")
        .isZero();
  }
}
