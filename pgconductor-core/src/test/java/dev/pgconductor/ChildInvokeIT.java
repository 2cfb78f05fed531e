package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CTX-3: a parent invokes a child, is released while it runs, and resumes with its result. */
class ChildInvokeIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Quote(int amount) {}

  record Price(int cents, String currency) {}

  static final TaskDefinition<Quote, Price> PARENT =
      TaskDefinition.of("parent", Quote.class, Price.class);
  static final TaskDefinition<Quote, Price> PRICE =
      TaskDefinition.of("price", Quote.class, Price.class);
  static final TaskDefinition<Quote, Price> REMOTE_PRICE =
      TaskDefinition.of("remote-price", Quote.class, Price.class).onQueue("remote");
  static final TaskDefinition<Quote, String> IMPATIENT =
      TaskDefinition.of("impatient", Quote.class, String.class);
  static final TaskDefinition<Quote, String> UNLUCKY =
      TaskDefinition.of("unlucky", Quote.class, String.class);
  static final TaskDefinition<Quote, Price> BROKEN_PRICE =
      TaskDefinition.of("broken-price", Quote.class, Price.class);
  static final TaskDefinition<Quote, Price> RETRIED_PARENT =
      TaskDefinition.of("retried-parent", Quote.class, Price.class);

  static final TaskDefinition<Void, Void> PING = TaskDefinition.of("ping");
  static final TaskDefinition<Quote, String> PINGER =
      TaskDefinition.of("pinger", Quote.class, String.class);

  static final WorkerConfig FAST =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @Test
  void aChildWithoutPayloadOrResultIsCreatedRunsAndResumesItsParent() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PINGER, PING)).build());
    AtomicInteger pings = new AtomicInteger();
    var ping =
        conductor.createTask(
            TaskOptions.of(PING),
            Trigger.invocable(),
            (event, ctx) -> {
              pings.incrementAndGet();
              return null;
            });
    var pinger =
        conductor.createTask(
            TaskOptions.of(PINGER),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.invoke("ping", PING, null);
              return "pinged";
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(PINGER, new Quote(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(pinger, ping)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      assertThat(orchestrator.drain(Duration.ofSeconds(30))).isTrue();
    }

    assertThat(conductor.getExecution(PINGER, id).orElseThrow().result()).isEqualTo("pinged");
    assertThat(pings).hasValue(1);
    var child = conductor.getChildren(id);
    assertThat(child)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.state()).isEqualTo(ExecutionState.COMPLETED);
              assertThat(c.payload()).isNull();
              assertThat(c.result()).isNull();
            });
  }

  @Test
  void theParentWaitsReleasedWhileTheChildRunsAndGetsItsTypedResult() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, PRICE)).build());
    CountDownLatch childMayFinish = new CountDownLatch(1);
    AtomicInteger parentRuns = new AtomicInteger();
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> {
              parentRuns.incrementAndGet();
              Price price = ctx.invoke("price", PRICE, new Quote(event.payload().amount() * 2));
              return new Price(price.cents() + 1, price.currency());
            });
    var child =
        conductor.createTask(
            TaskOptions.of(PRICE),
            Trigger.invocable(),
            (event, ctx) -> {
              childMayFinish.await();
              return new Price(event.payload().amount() * 100, "EUR");
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(PARENT, new Quote(21)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent, child)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
      assertThat(
              db.queryLong(
                  "select count(*) from pgconductor.executions where parent_id = ?::uuid", id))
          .isEqualTo(1);
      childMayFinish.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
    }
    assertThat(conductor.getExecution(PARENT, id).orElseThrow().result())
        .isEqualTo(new Price(4201, "EUR"));
    assertThat(parentRuns).hasValue(2);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where parent_id = ?::uuid and task_key = 'price'",
                id))
        .as("one child")
        .isEqualTo(1);
    assertThat(
            db.queryLong("select count(*) from pgconductor.steps where execution_id = ?::uuid", id))
        .as("the parent's wait is removed once it finished")
        .isZero();
  }

  @Test
  void childAndParentAreWokenByNotificationsNotByPolling() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, REMOTE_PRICE)).build());
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("remote", REMOTE_PRICE, event.payload()));
    var remote =
        conductor.createTask(
            TaskOptions.of(REMOTE_PRICE),
            Trigger.invocable(),
            (event, ctx) -> new Price(event.payload().amount(), ctx.queue()));
    conductor.ensureInstalled();
    // both workers would poll only every 30 s: only notifications can make this quick
    var slowPoll = WorkerConfig.builder().pollInterval(Duration.ofSeconds(30)).build();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent)
            .defaultWorker(slowPoll)
            .workers(conductor.createWorker("remote", List.of(remote), slowPoll))
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      // let both workers find their queues empty and go to sleep
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> db.queryLong("select count(*) from pgconductor.idle_workers") == 2);
      String id = conductor.invoke(PARENT, new Quote(5)).orElseThrow();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
      assertThat(conductor.getExecution(PARENT, id).orElseThrow().result())
          .isEqualTo(new Price(5, "remote"));
    }
  }

  @Test
  void aChildOnAnotherQueueIsRunByThatQueuesWorker() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PARENT, REMOTE_PRICE)).build());
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (event, ctx) -> ctx.invoke("remote", REMOTE_PRICE, event.payload()));
    var remote =
        conductor.createTask(
            TaskOptions.of(REMOTE_PRICE),
            Trigger.invocable(),
            (event, ctx) -> new Price(event.payload().amount(), ctx.queue()));
    conductor.ensureInstalled();
    String id = conductor.invoke(PARENT, new Quote(7)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent)
            .workers(conductor.createWorker("remote", List.of(remote), FAST))
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    assertThat(conductor.getExecution(PARENT, id).orElseThrow())
        .extracting(Execution::result)
        .as("%s", conductor.getExecution(id))
        .isEqualTo(new Price(7, "remote"));
  }

  @Test
  void aTimeoutFailsTheParentsAttemptAndTheChildKeepsRunning() {
    TestClock clock = new TestClock();
    var conductor =
        db.closeAfter(db.conductor(TaskSchemas.of(IMPATIENT, PRICE)).clock(clock).build());
    CountDownLatch childMayFinish = new CountDownLatch(1);
    var parent =
        conductor.createTask(
            TaskOptions.of(IMPATIENT).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) ->
                ctx.invoke("slow", PRICE, event.payload(), Duration.ofMinutes(5)).currency());
    var child =
        conductor.createTask(
            TaskOptions.of(PRICE),
            Trigger.invocable(),
            (event, ctx) -> {
              childMayFinish.await();
              return new Price(1, "USD");
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(IMPATIENT, new Quote(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent, child)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.WAITING);
      assertThat(conductor.getExecution(id).orElseThrow().runAt())
          .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
      clock.advance(Duration.ofMinutes(5));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.FAILED);
      var failed = conductor.getExecution(id).orElseThrow();
      assertThat(failed.lastError()).contains("did not finish within PT5M").contains("'slow'");
      String childId =
          db.dataSourceQueryString(
              "select id::text from pgconductor.executions where parent_id = '" + id + "'");
      assertThat(state(conductor, childId))
          .as("the child is not cancelled")
          .isEqualTo(ExecutionState.RUNNING);
      childMayFinish.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, childId) == ExecutionState.COMPLETED);
    }
  }

  @Test
  void aChildThatFailsForGoodFailsTheParentAtOnceWithTheChildsError() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(UNLUCKY, BROKEN_PRICE)).build());
    AtomicInteger parentRuns = new AtomicInteger();
    var parent =
        conductor.createTask(
            TaskOptions.of(UNLUCKY).maxAttempts(5),
            Trigger.invocable(),
            (event, ctx) -> {
              parentRuns.incrementAndGet();
              return ctx.invoke("price", BROKEN_PRICE, event.payload()).currency();
            });
    var child =
        conductor.createTask(
            TaskOptions.of(BROKEN_PRICE).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new IllegalArgumentException("no price for " + event.payload().amount());
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(UNLUCKY, new Quote(3)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent, child)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }
    var failed = conductor.getExecution(id).orElseThrow();
    assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(failed.lastError()).isEqualTo("Child execution failed: no price for 3");
    assertThat(failed.attempts()).as("not retried").isEqualTo(1);
    assertThat(parentRuns).hasValue(2);
  }

  @Test
  void aParentRetriedAfterItsChildFinishedGetsTheMemoizedResultWithoutANewChild() {
    TestClock clock = new TestClock();
    var conductor =
        db.closeAfter(db.conductor(TaskSchemas.of(RETRIED_PARENT, PRICE)).clock(clock).build());
    AtomicInteger childRuns = new AtomicInteger();
    var parent =
        conductor.createTask(
            TaskOptions.of(RETRIED_PARENT),
            Trigger.invocable(),
            (event, ctx) -> {
              Price price = ctx.invoke("price", PRICE, event.payload());
              if (ctx.attempt() == 1) {
                throw new IllegalStateException("crashed after the child answered");
              }
              return price;
            });
    var child =
        conductor.createTask(
            TaskOptions.of(PRICE),
            Trigger.invocable(),
            (event, ctx) -> new Price(childRuns.incrementAndGet(), "GBP"));
    conductor.ensureInstalled();
    String id = conductor.invoke(RETRIED_PARENT, new Quote(1)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(parent, child)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> conductor.getExecution(id).orElseThrow().lastError() != null);
      clock.advance(Duration.ofSeconds(15));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
    }
    assertThat(conductor.getExecution(RETRIED_PARENT, id).orElseThrow().result())
        .isEqualTo(new Price(1, "GBP"));
    assertThat(childRuns).hasValue(1);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where parent_id = ?::uuid",
                id))
        .isEqualTo(1);
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
