package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Invoking tasks: ids, options, dedupe, batches and the errors that write nothing (INV-1..8). */
class InvokeIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Greet(String name) {}

  record Greeting(String text) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> NOTIFY = TaskDefinition.of("notify", Greet.class);

  record Pay(BigDecimal amount) {}

  static final TaskDefinition<Pay, Void> PAY = TaskDefinition.of("pay", Pay.class);

  private final List<Conductor<?>> conductors = new ArrayList<>();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @BeforeEach
  void emptyTables() {
    db.emptyExecutionTables();
  }

  @AfterEach
  void closeConductors() {
    conductors.reversed().forEach(Conductor::close);
  }

  // INV-1

  @Test
  void invokeReturnsTheIdAndDoesNotRunTheHandlerUntilAnOrchestratorRuns() {
    var calls = new AtomicInteger();
    var conductor = conductor(GREET);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              calls.incrementAndGet();
              return new Greeting("Hello, " + event.payload().name());
            });

    String id = conductor.invoke(GREET, new Greet("World")).orElseThrow();

    assertThat(UUID.fromString(id).version()).isEqualTo(7);
    assertThat(calls).hasValue(0);
    assertThat(db.queryLong("select count(*) from pgconductor.executions where id = ?::uuid", id))
        .isOne();
    assertThat(conductor.getExecution(GREET, id).orElseThrow().state())
        .isEqualTo(ExecutionState.PENDING);

    orchestrator(conductor, task).drain();

    assertThat(calls).hasValue(1);
    assertThat(conductor.getExecution(GREET, id).orElseThrow().result())
        .isEqualTo(new Greeting("Hello, World"));
  }

  @Test
  void idsOfSuccessiveInvocationsAreTimeOrdered() {
    var conductor = conductor(GREET);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(conductor.invoke(GREET, new Greet("n" + i)).orElseThrow());
    }
    assertThat(ids).doesNotHaveDuplicates().isSorted();
  }

  // INV-2

  @Test
  void priorityAndRunAtAreStoredAndDefaultToZeroAndNow() {
    var conductor = conductor(GREET);
    Instant runAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);

    String withOptions =
        conductor
            .invoke(
                GREET, new Greet("later"), InvokeOptions.builder().priority(7).runAt(runAt).build())
            .orElseThrow();
    Instant before = Instant.now().minusSeconds(5);
    String plain = conductor.invoke(GREET, new Greet("now")).orElseThrow();

    var stored = conductor.getExecution(GREET, withOptions).orElseThrow();
    assertThat(stored.priority()).isEqualTo(7);
    assertThat(stored.runAt()).isEqualTo(runAt);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.executions where id = ?::uuid and priority = 7"
                    + " and run_at = ?::timestamptz",
                withOptions,
                runAt.toString()))
        .isOne();

    var defaults = conductor.getExecution(GREET, plain).orElseThrow();
    assertThat(defaults.priority()).isZero();
    assertThat(defaults.runAt()).isBetween(before, Instant.now().plusSeconds(5));
  }

  @Test
  @Timeout(30)
  void drainRunsDueWorkAndLeavesFutureWorkAlone() {
    var ran = new ArrayList<String>();
    var conductor = conductor(GREET);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              synchronized (ran) {
                ran.add(event.payload().name());
              }
              return null;
            });
    String future =
        conductor
            .invoke(
                GREET,
                new Greet("future"),
                InvokeOptions.builder().runAt(Instant.now().plus(1, ChronoUnit.HOURS)).build())
            .orElseThrow();
    String past =
        conductor
            .invoke(
                GREET,
                new Greet("past"),
                InvokeOptions.builder().runAt(Instant.now().minus(1, ChronoUnit.MINUTES)).build())
            .orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(ran).containsExactly("past");
    assertThat(conductor.getExecution(GREET, past).orElseThrow().state())
        .isEqualTo(ExecutionState.COMPLETED);
    var waiting = conductor.getExecution(GREET, future).orElseThrow();
    assertThat(waiting.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(waiting.attempts()).isZero();
  }

  @Test
  void higherPriorityIsClaimedFirst() {
    var conductor = conductor(GREET);
    String low = conductor.invoke(GREET, new Greet("low"), withPriority(-5)).orElseThrow();
    String normal = conductor.invoke(GREET, new Greet("normal")).orElseThrow();
    String high = conductor.invoke(GREET, new Greet("high"), withPriority(10)).orElseThrow();

    // The claim the workers use, one at a time: the order in which a single worker would run them.
    UUID orchestrator = UUID.randomUUID();
    db.execute(
        "insert into pgconductor.orchestrators (id, host, pid) values ('"
            + orchestrator
            + "', 'test', 1)");
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      order.add(
          queryString(
              "select id::text from pgconductor.claim('"
                  + orchestrator
                  + "', 'default',"
                  + " array['greet'], 1, null)"));
    }
    assertThat(order).containsExactly(high, normal, low);
  }

  // INV-3

  @Test
  void pendingDuplicateReturnsSameIdAndReplacesPayloadPriorityAndRunAt() {
    var conductor = conductor(GREET);
    Instant firstRunAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);
    Instant secondRunAt = firstRunAt.plus(1, ChronoUnit.HOURS);

    String first =
        conductor
            .invoke(
                GREET,
                new Greet("first"),
                InvokeOptions.builder().dedupeKey("k").priority(1).runAt(firstRunAt).build())
            .orElseThrow();
    String second =
        conductor
            .invoke(
                GREET,
                new Greet("second"),
                InvokeOptions.builder().dedupeKey("k").priority(9).runAt(secondRunAt).build())
            .orElseThrow();

    assertThat(second).isEqualTo(first);
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isOne();
    assertThat(
            queryString(
                "select payload->>'name' from pgconductor.executions where id = ?::uuid", first))
        .isEqualTo("second");
    var execution = conductor.getExecution(GREET, first).orElseThrow();
    assertThat(execution.priority()).isEqualTo(9);
    assertThat(execution.runAt()).isEqualTo(secondRunAt);
    assertThat(execution.dedupeKey()).isEqualTo("k");
  }

  @Test
  void duplicateOfARunningExecutionIsQueuedAsANewExecution() throws InterruptedException {
    var started = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var payloads = new ArrayList<String>();
    var conductor = conductor(GREET);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              synchronized (payloads) {
                payloads.add(event.payload().name());
              }
              if (event.payload().name().equals("blocking")) {
                started.countDown();
                if (!release.await(20, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("test never released the handler");
                }
              }
              return new Greeting(event.payload().name());
            });
    var key = InvokeOptions.builder().dedupeKey("order-42").build();
    String running = conductor.invoke(GREET, new Greet("blocking"), key).orElseThrow();

    try (var orchestrator = orchestrator(conductor, task)) {
      orchestrator.start();
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    conductor.getExecution(GREET, running).orElseThrow().state()
                        == ExecutionState.RUNNING);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        String queued = conductor.invoke(GREET, new Greet("queued"), key).orElseThrow();

        assertThat(queued).isNotEqualTo(running);
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.executions where dedupe_key = 'order-42'"))
            .isEqualTo(2);
      } finally {
        release.countDown();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> db.queryLong("select count(*) from pgconductor.finished_executions") == 2);
    }
    assertThat(payloads).containsExactlyInAnyOrder("blocking", "queued");
  }

  @Test
  void duplicateOfAnExecutionReleasedBeforeItStartedReturnsItsId() throws InterruptedException {
    var started = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var conductor = conductor(GREET);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().name().equals("blocker")) {
                started.countDown();
                release.await(20, TimeUnit.SECONDS);
              }
              return null;
            });
    conductor.invoke(GREET, new Greet("blocker"));
    var key = InvokeOptions.builder().dedupeKey("k").build();
    String waiting;
    // one slot: the blocker holds it, the keyed execution is claimed and waits for it
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .handleSignals(false)
            .shutdownGrace(Duration.ZERO)
            .defaultWorker(
                WorkerConfig.builder()
                    .concurrency(1)
                    .fetchBatchSize(1)
                    .pollInterval(Duration.ofMillis(50))
                    .build())
            .build();
    try {
      orchestrator.start();
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      waiting = conductor.invoke(GREET, new Greet("keyed"), key).orElseThrow();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  conductor.getExecution(GREET, waiting).orElseThrow().state()
                      == ExecutionState.RUNNING);
      orchestrator.close(); // stops while the keyed execution still waits for the slot
    } finally {
      release.countDown();
      orchestrator.close();
    }
    var released = conductor.getExecution(GREET, waiting).orElseThrow();
    assertThat(released.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(released.attempts()).isZero();

    String again = conductor.invoke(GREET, new Greet("keyed again"), key).orElseThrow();

    assertThat(again).isEqualTo(waiting);
  }

  @Test
  void aCompletedExecutionKeepsItsKeyWhileItIsRetainedAndAFailedOneFreesIt() throws Exception {
    var conductor = conductor(GREET, NOTIFY);
    var runs = new AtomicInteger();
    var greet =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              runs.incrementAndGet();
              return new Greeting(event.payload().name());
            });
    var notify =
        conductor.createTask(
            TaskOptions.of(NOTIFY).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new IllegalStateException("mail server down");
            });
    var key = InvokeOptions.builder().dedupeKey("webhook-7").build();
    String first = conductor.invoke(GREET, new Greet("one"), key).orElseThrow();
    String failed = conductor.invoke(NOTIFY, new Greet("n1"), key).orElseThrow();
    orchestrator(conductor, greet, notify).drain();

    // completed: the key still answers with it, and nothing runs again
    String again = conductor.invoke(GREET, new Greet("two"), key).orElseThrow();
    List<String> batch =
        conductor.invokeBatch(
            GREET, List.of(Invocation.of(new Greet("three")).dedupeKey("webhook-7")));
    assertThat(again).isEqualTo(first);
    assertThat(batch).containsExactly(first);
    // under concurrent invokes from several services too
    List<Conductor<Void>> services = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      services.add(conductor(GREET));
    }
    var barrier = new CyclicBarrier(services.size());
    List<CompletableFuture<String>> calls = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(services.size());
    try {
      for (var service : services) {
        calls.add(
            CompletableFuture.supplyAsync(
                () -> {
                  arrive(barrier);
                  return service.invoke(GREET, new Greet("x"), key).orElseThrow();
                },
                pool));
      }
      for (var call : calls) {
        assertThat(call.get(20, TimeUnit.SECONDS)).isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
    orchestrator(conductor, greet, notify).drain();
    assertThat(runs).hasValue(1);
    assertThat(conductor.getExecution(GREET, first).orElseThrow().result())
        .isEqualTo(new Greeting("one"));

    // failed: the key is free
    String afterFailure = conductor.invoke(NOTIFY, new Greet("n2"), key).orElseThrow();
    assertThat(afterFailure).isNotEqualTo(failed);

    // retention removing the completed execution frees its key
    db.execute("delete from pgconductor.finished_executions where id = '" + first + "'");
    String afterRemoval = conductor.invoke(GREET, new Greet("four"), key).orElseThrow();
    assertThat(afterRemoval).isNotEqualTo(first);
    assertThat(conductor.getExecution(GREET, afterRemoval).orElseThrow().state())
        .isEqualTo(ExecutionState.PENDING);
  }

  @Test
  void aKeyInvokedWhileItsExecutionRunsQueuesANewOneThatKeepsTheKeyAfterwards() throws Exception {
    var conductor = conductor(GREET);
    var started = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().name().equals("slow")) {
                started.countDown();
                release.await();
              }
              return new Greeting(event.payload().name());
            });
    var key = InvokeOptions.builder().dedupeKey("k").build();
    String running = conductor.invoke(GREET, new Greet("slow"), key).orElseThrow();
    try (var orchestrator = orchestrator(conductor, task)) {
      orchestrator.start();
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      String queued = conductor.invoke(GREET, new Greet("next"), key).orElseThrow();
      assertThat(queued).isNotEqualTo(running);
      release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  conductor.getExecution(queued).orElseThrow().state() == ExecutionState.COMPLETED
                      && conductor.getExecution(running).orElseThrow().state()
                          == ExecutionState.COMPLETED);
      // both completed and retained: the key answers with the one that finished last, and
      // nothing new is stored
      assertThat(conductor.invoke(GREET, new Greet("again"), key).orElseThrow())
          .isIn(running, queued);
      assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
    }
  }

  @Test
  void aTaskMayFreeItsKeysOnAnyFinish() {
    var conductor = conductor(GREET);
    var task =
        conductor.createTask(
            TaskOptions.of(GREET).freeDedupeKeyOnFinish(),
            Trigger.invocable(),
            (event, ctx) -> new Greeting(event.payload().name()));
    var key = InvokeOptions.builder().dedupeKey("daily").build();
    String first = conductor.invoke(GREET, new Greet("one"), key).orElseThrow();
    orchestrator(conductor, task).drain();

    String second = conductor.invoke(GREET, new Greet("two"), key).orElseThrow();

    assertThat(second).isNotEqualTo(first);
    assertThat(conductor.getExecution(GREET, first).orElseThrow().result())
        .isEqualTo(new Greeting("one"));
    assertThat(conductor.getExecution(GREET, second).orElseThrow().state())
        .isEqualTo(ExecutionState.PENDING);
  }

  @Test
  @Timeout(60)
  void concurrentInvocationsWithTheSameKeyShareOneExecution() throws Exception {
    int threads = 8;
    List<Conductor<Void>> services = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      services.add(conductor(GREET));
    }
    var barrier = new CyclicBarrier(threads);
    List<CompletableFuture<String>> calls = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int i = 0; i < threads; i++) {
        var service = services.get(i);
        var payload = new Greet("caller-" + i);
        calls.add(
            CompletableFuture.supplyAsync(
                () -> {
                  arrive(barrier);
                  return service
                      .invoke(
                          GREET, payload, InvokeOptions.builder().dedupeKey("webhook-1").build())
                      .orElseThrow();
                },
                pool));
      }
      List<String> ids = new ArrayList<>();
      for (var call : calls) {
        ids.add(call.get(30, TimeUnit.SECONDS));
      }
      assertThat(ids).containsOnly(ids.getFirst());
    } finally {
      pool.shutdownNow();
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isOne();
  }

  @Test
  @Timeout(60)
  void concurrentBatchesWithOverlappingKeysInOppositeOrderDoNotDeadlock() throws Exception {
    var left = conductor(GREET);
    var right = conductor(GREET);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 10; round++) {
        List<Invocation<Greet>> forward = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
          forward.add(Invocation.of(new Greet("f" + k)).dedupeKey("r" + round + "-k" + k));
        }
        List<Invocation<Greet>> backward = new ArrayList<>(forward.reversed());
        var barrier = new CyclicBarrier(2);
        var a =
            CompletableFuture.supplyAsync(
                () -> {
                  arrive(barrier);
                  return left.invokeBatch(GREET, forward);
                },
                pool);
        var b =
            CompletableFuture.supplyAsync(
                () -> {
                  arrive(barrier);
                  return right.invokeBatch(GREET, backward);
                },
                pool);
        List<String> fromA = a.get(30, TimeUnit.SECONDS);
        List<String> fromB = b.get(30, TimeUnit.SECONDS);
        assertThat(fromB.reversed()).isEqualTo(fromA);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(10 * 200);
  }

  @Test
  void sameKeyOnTwoTasksMakesTwoExecutions() {
    var conductor = conductor(GREET, NOTIFY);
    var key = InvokeOptions.builder().dedupeKey("user-1").build();

    String greet = conductor.invoke(GREET, new Greet("a"), key).orElseThrow();
    String notify = conductor.invoke(NOTIFY, new Greet("a"), key).orElseThrow();

    assertThat(greet).isNotEqualTo(notify);
    assertThat(
            db.queryLong("select count(*) from pgconductor.executions where dedupe_key = 'user-1'"))
        .isEqualTo(2);
  }

  @Test
  void sameKeyOnTheSameTaskInTwoQueuesMakesTwoExecutions() {
    // Two services that route the same task name to different queues.
    var inDefault = conductor(GREET);
    var inOther = conductor(GREET.onQueue("other"));
    var key = InvokeOptions.builder().dedupeKey("same").build();

    String a = inDefault.invoke(GREET, new Greet("a"), key).orElseThrow();
    String b = inOther.invoke(GREET.onQueue("other"), new Greet("b"), key).orElseThrow();

    assertThat(a).isNotEqualTo(b);
    assertThat(queryString("select queue from pgconductor.executions where id = ?::uuid", b))
        .isEqualTo("other");
  }

  @Test
  void invokeWithKeyMatchingAPendingBatchMemberReturnsItsId() {
    var conductor = conductor(GREET);
    List<String> ids =
        conductor.invokeBatch(
            GREET,
            List.of(Invocation.of(new Greet("a")).dedupeKey("a"), Invocation.of(new Greet("b"))));

    String again =
        conductor
            .invoke(GREET, new Greet("a2"), InvokeOptions.builder().dedupeKey("a").build())
            .orElseThrow();

    assertThat(again).isEqualTo(ids.get(0));
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(2);
  }

  // INV-7

  @Test
  void batchOfAThousandReturnsIdsInInputOrderAndStoresThemAll() {
    var conductor = conductor(GREET);
    List<Invocation<Greet>> batch =
        IntStream.range(0, 1000).mapToObj(i -> Invocation.of(new Greet("n" + i))).toList();

    List<String> ids = conductor.invokeBatch(GREET, batch);

    assertThat(ids).hasSize(1000).doesNotHaveDuplicates().isSorted();
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(1000);
    // the i-th id belongs to the i-th payload
    assertThat(
            db.queryLong(
                """
                select count(*)
                from unnest(string_to_array(?, ',')::uuid[]) with ordinality as u(id, ord)
                join pgconductor.executions e on e.id = u.id
                where e.payload->>'name' = 'n' || (u.ord - 1)
                """,
                String.join(",", ids)))
        .isEqualTo(1000);
  }

  @Test
  void batchIsStoredWithOneStatement() {
    var counting = new CountingDataSource(db.dataSource());
    var conductor =
        track(
            Conductor.builder().dataSource(counting.proxy()).tasks(TaskSchemas.of(GREET)).build());
    List<Invocation<Greet>> batch =
        IntStream.range(0, 500).mapToObj(i -> Invocation.of(new Greet("n" + i))).toList();

    conductor.invokeBatch(GREET, batch);

    assertThat(counting.connections).hasValue(1);
    assertThat(counting.statements).hasValue(1);
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(500);
  }

  @Test
  void batchKeepsEachElementsOptions() {
    var conductor = conductor(GREET);
    Instant later = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);

    List<String> ids =
        conductor.invokeBatch(
            GREET,
            List.of(
                Invocation.of(new Greet("a")).priority(3),
                Invocation.of(new Greet("b")).runAt(later).dedupeKey("b")));

    var a = conductor.getExecution(GREET, ids.get(0)).orElseThrow();
    var b = conductor.getExecution(GREET, ids.get(1)).orElseThrow();
    assertThat(a.priority()).isEqualTo(3);
    assertThat(a.dedupeKey()).isNull();
    assertThat(b.priority()).isZero();
    assertThat(b.runAt()).isEqualTo(later);
    assertThat(b.dedupeKey()).isEqualTo("b");
  }

  @Test
  void duplicateKeysInOneBatchKeepTheLastPayloadAndShareOneId() {
    var conductor = conductor(GREET);

    List<String> ids =
        conductor.invokeBatch(
            GREET,
            List.of(
                Invocation.of(new Greet("first")).dedupeKey("k").priority(1),
                Invocation.of(new Greet("other")),
                Invocation.of(new Greet("last")).dedupeKey("k").priority(5)));

    assertThat(ids).hasSize(3);
    assertThat(ids.get(0)).isEqualTo(ids.get(2)).isNotEqualTo(ids.get(1));
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(2);
    assertThat(
            queryString(
                "select payload->>'name' from pgconductor.executions where id = ?::uuid",
                ids.get(0)))
        .isEqualTo("last");
    assertThat(conductor.getExecution(GREET, ids.get(0)).orElseThrow().priority()).isEqualTo(5);
  }

  @Test
  void batchWithOneInvalidPayloadThrowsAndWritesNothing() {
    var conductor = conductor(GREET);
    List<Invocation<Greet>> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(Invocation.of(new Greet("n" + i)));
    }
    batch.set(7, Invocation.of(null));

    assertThatThrownBy(() -> conductor.invokeBatch(GREET, batch))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining("greet");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void batchRejectedByTheDatabaseWritesNothing() {
    var conductor = conductor(PAY);
    List<Invocation<Pay>> batch = new ArrayList<>();
    for (int i = 0; i < 999; i++) {
      batch.add(Invocation.of(new Pay(BigDecimal.valueOf(i))));
    }
    // valid Java and valid JSON, but beyond Postgres' numeric range: the last row fails in SQL
    batch.add(Invocation.of(new Pay(new BigDecimal("1E+200000"))));

    assertThatThrownBy(() -> conductor.invokeBatch(PAY, batch))
        .isInstanceOf(PgConductorException.class)
        .hasMessageContaining("pay");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void emptyBatchReturnsNoIds() {
    var conductor = conductor(GREET);
    assertThat(conductor.invokeBatch(GREET, List.of())).isEmpty();
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  // INV-8

  @Test
  void invokingAnUnknownTaskThrowsAndWritesNothing() {
    var conductor = conductor(GREET);
    var unknown = TaskDefinition.of("no-such-task", Greet.class);

    assertThatThrownBy(() -> conductor.invoke(unknown, new Greet("x")))
        .isInstanceOfSatisfying(
            UnknownTaskException.class, e -> assertThat(e.taskName()).isEqualTo("no-such-task"))
        .hasMessageContaining("no-such-task");
    assertThatThrownBy(() -> conductor.invokeBatch(unknown, List.of(Invocation.of(new Greet("x")))))
        .isInstanceOf(UnknownTaskException.class);
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void invokingWithADefinitionThatDiffersFromTheRegisteredOneThrowsAndWritesNothing() {
    var conductor = conductor(GREET);
    var sameNameOtherTypes = TaskDefinition.of("greet", String.class, Greeting.class);
    var sameNameOtherQueue = GREET.onQueue("elsewhere");

    assertThatThrownBy(() -> conductor.invoke(sameNameOtherTypes, "x"))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("greet")
        .hasMessageContaining("String");
    assertThatThrownBy(() -> conductor.invoke(sameNameOtherQueue, new Greet("x")))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("elsewhere");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void payloadOfTheWrongTypeThrowsAndWritesNothing() {
    var conductor = conductor(GREET);
    TaskDefinition raw = GREET;

    assertThatThrownBy(() -> conductor.invoke(raw, "not a Greet"))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining("java.lang.String")
        .hasMessageContaining(Greet.class.getName());
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void invokingATaskRegisteredWithoutInvocableTriggerThrowsAndWritesNothing() {
    var conductor = conductor(GREET);
    // What an orchestrator serving the task without Trigger.invocable() registers.
    db.execute(
        "insert into pgconductor.tasks (key, queue, max_attempts, invocable)"
            + " values ('greet', 'default', 3, false)");

    assertThatThrownBy(() -> conductor.invoke(GREET, new Greet("x")))
        .isInstanceOfSatisfying(
            TaskNotInvocableException.class, e -> assertThat(e.taskName()).isEqualTo("greet"))
        .hasMessageContaining("greet");
    assertThatThrownBy(
            () ->
                conductor.invokeBatch(
                    GREET, List.of(Invocation.of(new Greet("a")), Invocation.of(new Greet("b")))))
        .isInstanceOf(TaskNotInvocableException.class);
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void invokingATaskRegisteredAsInvocableIsAllowed() {
    var conductor = conductor(GREET);
    db.execute(
        "insert into pgconductor.tasks (key, queue, max_attempts, invocable)"
            + " values ('greet', 'default', 3, true)");

    assertThat(conductor.invoke(GREET, new Greet("x")).orElseThrow()).isNotBlank();
  }

  // helpers

  private static void arrive(CyclicBarrier barrier) {
    try {
      barrier.await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static InvokeOptions withPriority(int priority) {
    return InvokeOptions.builder().priority(priority).build();
  }

  private Conductor<Void> conductor(TaskDefinition<?, ?>... definitions) {
    return track(db.conductor(TaskSchemas.of(definitions)).poolSize(3).build());
  }

  private <C> Conductor<C> track(Conductor<C> conductor) {
    conductors.add(db.closeAfter(conductor));
    return conductor;
  }

  private static Orchestrator orchestrator(Conductor<?> conductor, Task<?, ?>... tasks) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .handleSignals(false)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
        .build();
  }

  private static String queryString(String sql, Object... args) {
    try (Connection c = db.dataSource().getConnection();
        var ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("a row from: " + sql).isTrue();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts the connections taken from a data source and the statements prepared on them. */
  private static final class CountingDataSource {
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger statements = new AtomicInteger();
    private final DataSource target;

    CountingDataSource(DataSource target) {
      this.target = target;
    }

    DataSource proxy() {
      return (DataSource)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {DataSource.class},
              forwarding(
                  target,
                  (method, result) -> {
                    if (method.equals("getConnection")) {
                      connections.incrementAndGet();
                      return Proxy.newProxyInstance(
                          getClass().getClassLoader(),
                          new Class<?>[] {Connection.class},
                          forwarding(
                              result,
                              (m, r) -> {
                                if (m.startsWith("prepare") || m.equals("createStatement")) {
                                  statements.incrementAndGet();
                                }
                                return r;
                              }));
                    }
                    return result;
                  }));
    }

    private interface AfterCall {
      Object apply(String method, Object result);
    }

    private static InvocationHandler forwarding(Object target, AfterCall after) {
      return (proxy, method, args) -> {
        try {
          return after.apply(method.getName(), method.invoke(target, args));
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      };
    }
  }
}
