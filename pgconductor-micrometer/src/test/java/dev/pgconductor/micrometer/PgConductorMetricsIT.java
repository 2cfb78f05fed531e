package dev.pgconductor.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.RetryPolicy;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestPostgres;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The meters after real orchestrators ran real executions, on a {@link SimpleMeterRegistry}. */
class PgConductorMetricsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<Void, Void> OK = TaskDefinition.of("ok");
  static final TaskDefinition<Void, Void> FLAKY = TaskDefinition.of("flaky");
  static final TaskDefinition<Void, Void> DOOMED = TaskDefinition.of("doomed");
  static final TaskDefinition<Void, Void> NAPPER = TaskDefinition.of("napper");
  static final String OTHER = "other";
  static final TaskDefinition<Void, Void> BLOCKER = TaskDefinition.of("blocker").onQueue(OTHER);
  static final TaskDefinition<Void, Void> LIMITED = TaskDefinition.of("limited");
  static final TaskSchemas TASKS = TaskSchemas.of(OK, FLAKY, DOOMED, NAPPER, BLOCKER, LIMITED);

  private final MeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void empty() {
    db.installSchema();
    db.emptyExecutionTables();
  }

  @Test
  void countsAndTimesRunsPerTaskAndQueue() {
    PgConductorMetrics metrics =
        db.closeAfter(
            PgConductorMetrics.builder(registry).tags(Tags.of("service", "billing")).build());
    Conductor<Void> conductor = db.closeAfter(db.conductor(TASKS).listener(metrics).build());
    AtomicInteger flakyRuns = new AtomicInteger();
    CountDownLatch blockerStarted = new CountDownLatch(1);
    Task<?, ?> ok = conductor.createTask(TaskOptions.of(OK), Trigger.invocable(), (e, ctx) -> null);
    Task<?, ?> flaky =
        conductor.createTask(
            TaskOptions.of(FLAKY).maxAttempts(3).retry(RetryPolicy.fixed(Duration.ofMillis(10))),
            Trigger.invocable(),
            (e, ctx) -> {
              if (flakyRuns.incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
              }
              return null;
            });
    Task<?, ?> doomed =
        conductor.createTask(
            TaskOptions.of(DOOMED).maxAttempts(1),
            Trigger.invocable(),
            (e, ctx) -> {
              throw new IllegalStateException("always fails");
            });
    Task<?, ?> napper =
        conductor.createTask(
            TaskOptions.of(NAPPER),
            Trigger.invocable(),
            (e, ctx) -> {
              ctx.sleep("nap", Duration.ofMillis(20));
              return null;
            });
    Task<?, ?> blocker =
        conductor.createTask(
            TaskOptions.of(BLOCKER),
            Trigger.invocable(),
            (e, ctx) -> {
              blockerStarted.countDown();
              new CountDownLatch(1).await(); // until the cancellation interrupts it
              return null;
            });
    Orchestrator orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(ok, flaky, doomed, napper, blocker)
                .handleSignals(false)
                .build());
    orchestrator.start();

    conductor.invoke(OK, null).orElseThrow();
    // due a minute ago: it waited at least that long in the queue
    conductor
        .invoke(OK, null, InvokeOptions.DEFAULT.withRunAt(Instant.now().minusSeconds(60)))
        .orElseThrow();
    conductor.invoke(FLAKY, null).orElseThrow();
    conductor.invoke(DOOMED, null).orElseThrow();
    conductor.invoke(NAPPER, null).orElseThrow();
    String blocked = conductor.invoke(BLOCKER, null).orElseThrow();
    // not due for an hour: cancelled before it runs
    String later =
        conductor
            .invoke(BLOCKER, null, InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600)))
            .orElseThrow();

    await().atMost(Duration.ofSeconds(30)).until(() -> blockerStarted.getCount() == 0);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(running("blocker", OTHER)).isEqualTo(1));
    assertThat(conductor.cancel(later, "not needed")).isTrue();
    assertThat(running("blocker", OTHER)).isEqualTo(1); // it was not running
    assertThat(conductor.cancel(blocked, "enough")).isTrue();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(count(PgConductorMetrics.COMPLETED, "ok")).isEqualTo(2);
              assertThat(count(PgConductorMetrics.COMPLETED, "flaky")).isEqualTo(1);
              assertThat(count(PgConductorMetrics.FAILED, "doomed")).isEqualTo(1);
              assertThat(count(PgConductorMetrics.COMPLETED, "napper")).isEqualTo(1);
              assertThat(count(PgConductorMetrics.CANCELLED, "blocker", OTHER)).isEqualTo(2);
            });
    orchestrator.stop().join();

    assertThat(count(PgConductorMetrics.INVOKED, "ok")).isEqualTo(2);
    assertThat(count(PgConductorMetrics.INVOKED, "blocker", OTHER)).isEqualTo(2);
    assertThat(count(PgConductorMetrics.STARTED, "ok")).isEqualTo(2);
    assertThat(count(PgConductorMetrics.STARTED, "flaky")).isEqualTo(2);
    assertThat(count(PgConductorMetrics.RETRIED, "flaky")).isEqualTo(1);
    assertThat(count(PgConductorMetrics.FAILED, "flaky")).isZero();
    assertThat(count(PgConductorMetrics.RETRIED, "doomed")).isZero();
    assertThat(count(PgConductorMetrics.STARTED, "napper")).isEqualTo(2); // before and after
    assertThat(count(PgConductorMetrics.STARTED, "blocker", OTHER)).isEqualTo(1);
    assertThat(
            registry
                .get(PgConductorMetrics.RELEASED)
                .tags("task", "napper", "queue", "default", "reason", "sleep")
                .counter()
                .count())
        .isEqualTo(1);

    // handler durations, by how the run ended
    assertThat(duration("ok", "completed").count()).isEqualTo(2);
    assertThat(duration("flaky", "retried").count()).isEqualTo(1);
    assertThat(duration("flaky", "completed").count()).isEqualTo(1);
    assertThat(duration("doomed", "failed").count()).isEqualTo(1);
    assertThat(duration("napper", "released").count()).isEqualTo(1);
    assertThat(duration("napper", "completed").count()).isEqualTo(1);
    assertThat(duration("ok", "completed").totalTime(TimeUnit.NANOSECONDS)).isPositive();

    // queue waits: the one due a minute ago waited at least that long
    Timer okWait =
        registry.get(PgConductorMetrics.QUEUE_WAIT).tags("task", "ok", "queue", "default").timer();
    assertThat(okWait.count()).isEqualTo(2);
    assertThat(okWait.max(TimeUnit.SECONDS)).isGreaterThanOrEqualTo(60);

    // nothing runs any more, and the tags are per task and queue plus the common ones
    assertThat(running("blocker", OTHER)).isZero();
    assertThat(running("ok", "default")).isZero();
    assertThat(registry.find(PgConductorMetrics.COMPLETED).counters())
        .allSatisfy(c -> assertThat(c.getId().getTag("service")).isEqualTo("billing"));
    // no counter exists for the queue a task does not run on
    assertThat(registry.find(PgConductorMetrics.INVOKED).tags("queue", OTHER, "task", "ok").meter())
        .isNull();
  }

  @Test
  void gaugesShowTheDepthOfEachQueueByStateAfterARefresh() {
    Conductor<Void> conductor = db.closeAfter(db.conductor(TASKS).build());
    Task<?, ?> ok = conductor.createTask(TaskOptions.of(OK), Trigger.invocable(), (e, ctx) -> null);
    Task<?, ?> napper =
        conductor.createTask(
            TaskOptions.of(NAPPER),
            Trigger.invocable(),
            (e, ctx) -> {
              ctx.sleep("nap", Duration.ofHours(1));
              return null;
            });
    Task<?, ?> blocker =
        conductor.createTask(TaskOptions.of(BLOCKER), Trigger.invocable(), (e, ctx) -> null);
    Task<?, ?> limited =
        conductor.createTask(
            TaskOptions.of(LIMITED).concurrency(1), Trigger.invocable(), (e, ctx) -> null);
    // an orchestrator gives both queues their partitions and puts one execution to sleep for an
    // hour, then stops: what is invoked afterwards stays where it is
    Orchestrator orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(ok, napper, blocker, limited)
                .handleSignals(false)
                .build());
    orchestrator.start();
    String sleeper = conductor.invoke(NAPPER, null).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> conductor.getExecution(sleeper).orElseThrow().state(),
            ExecutionState.WAITING::equals);
    orchestrator.stop().join();

    Instant fiveMinutesAgo = Instant.now().minus(Duration.ofMinutes(5));
    for (int i = 0; i < 3; i++) {
      conductor.invoke(OK, null, InvokeOptions.DEFAULT.withRunAt(fiveMinutesAgo)).orElseThrow();
    }
    conductor.invoke(OK, null, InvokeOptions.DEFAULT.withPriority(10)).orElseThrow();
    conductor
        .invoke(OK, null, InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600)))
        .orElseThrow();
    // a task with a concurrency limit waits in its own index
    conductor.invoke(LIMITED, null).orElseThrow();
    conductor
        .invoke(
            LIMITED,
            null,
            InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600)).withPriority(3))
        .orElseThrow();
    conductor.invoke(BLOCKER, null).orElseThrow();

    try (PgConductorMetrics metrics =
        PgConductorMetrics.builder(registry)
            .dataSource(db.dataSource())
            .refreshInterval(Duration.ofHours(1))
            .build()) {
      metrics.refresh();

      assertThat(depth("default", "ready")).isEqualTo(5); // 3 + the priority 10 + limited
      assertThat(depth("default", "scheduled")).isEqualTo(2); // ok and limited, in an hour
      assertThat(depth("default", "waiting")).isEqualTo(1); // the sleeper
      assertThat(depth(OTHER, "ready")).isEqualTo(1);
      assertThat(depth(OTHER, "scheduled")).isZero();
      assertThat(oldestReadyAge("default")).isBetween(300.0, 400.0);
      assertThat(oldestReadyAge(OTHER)).isBetween(0.0, 60.0);
    }
    // closed: the gauges are gone
    assertThat(registry.find(PgConductorMetrics.DEPTH).gauges()).isEmpty();
  }

  @Test
  void depthIsCountedUpToTheLimit() {
    Conductor<Void> conductor = db.closeAfter(db.conductor(TASKS).build());
    conductor.ensureInstalled();
    for (int i = 0; i < 5; i++) {
      conductor.invoke(OK, null).orElseThrow();
      conductor
          .invoke(OK, null, InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600)))
          .orElseThrow();
    }
    try (PgConductorMetrics metrics =
        PgConductorMetrics.builder(registry)
            .dataSource(db.dataSource())
            .refreshInterval(Duration.ofHours(1))
            .depthLimit(3)
            .build()) {
      metrics.refresh();
      assertThat(depth("default", "ready")).isEqualTo(3);
      assertThat(depth("default", "scheduled")).isEqualTo(3);
    }
  }

  @Test
  void aScrapeNeverTouchesTheDatabase() {
    Conductor<Void> conductor = db.closeAfter(db.conductor(TASKS).build());
    conductor.ensureInstalled();
    conductor.invoke(OK, null).orElseThrow();
    CountingDataSource dataSource = new CountingDataSource(db.dataSource());
    try (PgConductorMetrics metrics =
        PgConductorMetrics.builder(registry)
            .dataSource(dataSource)
            .refreshInterval(Duration.ofHours(1))
            .build()) {
      // the first refresh starts at once, in the background; the next one in an hour
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  registry.find(PgConductorMetrics.DEPTH).tags("state", "ready").gauge() != null
                      && depth("default", "ready") == 1);
      int connections = dataSource.connections();
      assertThat(connections).isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        assertThat(depth("default", "ready")).isEqualTo(1);
        assertThat(oldestReadyAge("default")).isGreaterThanOrEqualTo(0.0);
        registry.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue()));
      }
      assertThat(dataSource.connections()).isEqualTo(connections);

      dataSource.cut(); // from here on, any use of the database fails
      for (int i = 0; i < 3; i++) {
        assertThat(depth("default", "ready")).isEqualTo(1);
        assertThat(oldestReadyAge("default")).isGreaterThanOrEqualTo(0.0);
      }

      // a refresh that fails leaves the gauges at NaN rather than at stale values
      assertThatThrownBy(metrics::refresh).isInstanceOf(PgConductorException.class);
      assertThat(depth("default", "ready")).isNaN();
      assertThat(oldestReadyAge("default")).isNaN();
    }
  }

  @Test
  void thereAreNoQueueGaugesUntilTheSchemaIsInstalled() {
    String url = TestPostgres.createDatabase();
    try (PgConductorMetrics metrics =
        PgConductorMetrics.builder(registry)
            .dataSource(new CountingDataSource(url))
            .refreshInterval(Duration.ofHours(1))
            .build()) {
      metrics.refresh(); // no error: metrics are often built before the schema is installed
      assertThat(registry.find(PgConductorMetrics.DEPTH).gauges()).isEmpty();

      try (Conductor<Void> conductor =
          Conductor.builder().connectionString(url).tasks(TASKS).build()) {
        conductor.ensureInstalled();
      }
      metrics.refresh();
      assertThat(depth("default", "ready")).isZero();
      assertThat(oldestReadyAge("default")).isZero();
    } finally {
      TestPostgres.dropDatabase(url);
    }
  }

  private double count(String name, String task) {
    return count(name, task, "default");
  }

  private double count(String name, String task, String queue) {
    var counter = registry.find(name).tags("task", task, "queue", queue).counter();
    return counter == null ? 0 : counter.count();
  }

  private Timer duration(String task, String outcome) {
    return registry
        .get(PgConductorMetrics.DURATION)
        .tags("task", task, "queue", "default", "outcome", outcome)
        .timer();
  }

  private double running(String task, String queue) {
    Gauge gauge =
        registry.find(PgConductorMetrics.RUNNING).tags("task", task, "queue", queue).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private double depth(String queue, String state) {
    return registry
        .get(PgConductorMetrics.DEPTH)
        .tags("queue", queue, "state", state)
        .gauge()
        .value();
  }

  private double oldestReadyAge(String queue) {
    return registry
        .get(PgConductorMetrics.OLDEST_READY_AGE)
        .tags("queue", queue)
        .timeGauge()
        .value(TimeUnit.SECONDS);
  }
}
